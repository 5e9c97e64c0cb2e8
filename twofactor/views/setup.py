"""Choosing a method to enrol, and what every set-up page does once a method is stored."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import flows, state
from ..core import registry
from .common import safe_next


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


def render_stored(request, stored: flows.setup.StoredMethod):
    """After a method is stored: show the first backup codes once, or go on."""
    messages.success(request, _("Your new method is ready: %(name)s.") % {"name": stored.device.name})
    if stored.backup_codes:
        return render(
            request,
            "twofactor/backup_codes_new.html",
            {"codes": stored.backup_codes, "next": safe_next(request, reverse("twofactor:overview"))},
        )
    return redirect(safe_next(request, reverse("twofactor:overview")))
