"""Choosing a method to enrol."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import mailbox, state
from ..core import registry
from ..web.pages import safe_next


@login_required
def choose(request):
    """Which method to add; the page a session without any method is sent to when one is required."""
    devices = state.devices_of(request.user)
    current = {device.method for device in devices}
    offered = [method for method in registry.enrollable() if method.multiple or method.key not in current]
    # Staff set up a method that is not mailbox-bound first (flows.setup.require_staff_method_first).
    staff_first = mailbox.is_staff(request.user) and not mailbox.holds_staff_method(devices)
    context = {
        "offered": [method for method in offered if mailbox.staff_method(method.key)] if staff_first else offered,
        "staff_first": staff_first,
        "required": state.required_for(request.user) and not current,
        "has_methods": bool(current),
        "next": safe_next(request, ""),
    }
    return render(request, "twofactor/setup.html", context)
