"""Choosing a method to enrol."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .. import state
from ..core import registry
from ..web.pages import safe_next


@login_required
def choose(request):
    """Which method to add; the page a session without any method is sent to when one is required."""
    current = {device.method for device in state.devices_of(request.user)}
    context = {
        "offered": [method for method in registry.enrollable() if method.multiple or method.key not in current],
        "required": state.required_for(request.user) and not current,
        "has_methods": bool(current),
        "next": safe_next(request, ""),
    }
    return render(request, "twofactor/setup.html", context)
