"""The user's two-factor page: methods, backup codes, sessions, recent security activity."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import activity, flows, remember, state
from ..core import registry
from ..models import SecurityEvent
from ..web.pages import redirect_to_reauthenticate

RECENT_EVENTS = 15


@login_required
def overview(request):
    user = request.user
    devices = state.devices_of(user)
    by_method = {device.method: device for device in devices}
    context = {
        "methods": [device for device in devices if not registry.for_device(device).recovery],
        "primary": state.primary_device(devices),
        # Recovery methods (backup codes) have a card of their own: (method, the user's device or None).
        "recovery": [(method, by_method.get(method.key)) for method in registry.recovery() if method.overview_template],
        "missing": [method for method in registry.enrollable() if method.multiple or method.key not in by_method],
        "required": state.required_for(user),
        "sessions": state.live_sessions(user).order_by("-created_at"),
        "current_session_key": request.session.session_key,
        "trusted_browsers": [
            (record, flows.is_this_browser(request, record)) for record in flows.trusted_browsers(request)
        ],
        "remember_enabled": remember.enabled(),
        "events": [
            (event, activity.describe(event)) for event in SecurityEvent.objects.filter(user=user)[:RECENT_EVENTS]
        ],
    }
    return render(request, "twofactor/overview.html", context)


def _sensitive_action(request, action, success_message):
    """Run a change that weakens the account: re-authenticate first if the last proof is stale.

    `success_message` is a sentence, or a function of what the action returned."""
    try:
        result = action()
    except flows.TwoFactorError as failure:
        if failure.code == "reauthentication_required":
            messages.info(request, failure.message)
            return redirect_to_reauthenticate(request, reverse("twofactor:overview"))
        messages.error(request, failure.message)
    else:
        messages.success(request, success_message(result) if callable(success_message) else success_message)
    return redirect("twofactor:overview")


@login_required
@require_POST
def remove_method(request, method: str):
    """`method` is the device's `ref`: the method's key, or key-pk for a method a user may hold several of."""
    return _sensitive_action(request, lambda: flows.remove_method(request, method), _("The method was removed."))


@login_required
@require_POST
def turn_off(request):
    return _sensitive_action(
        request,
        lambda: flows.turn_off(request),
        _("Two-factor authentication is off. Your account is protected by your password only."),
    )


@login_required
@require_POST
def end_session(request, session_id: int):
    return _sensitive_action(
        request, lambda: flows.sign_out_session(request, session_id), _("That session was signed out.")
    )


@login_required
@require_POST
def end_other_sessions(request):
    return _sensitive_action(
        request,
        lambda: flows.sign_out_other_sessions(request),
        lambda count: (
            ngettext("Signed out %(count)d other session.", "Signed out %(count)d other sessions.", count)
            % {"count": count}
        ),
    )


@login_required
@require_POST
def revoke_trusted_browser(request, browser_id: int):
    try:
        flows.revoke_trusted_browser(request, browser_id)
    except flows.TwoFactorError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("That browser will be asked for a code at its next sign-in."))
    return redirect("twofactor:overview")


@login_required
@require_POST
def revoke_trusted_browsers(request):
    count = flows.revoke_trusted_browsers(request)
    messages.success(
        request,
        ngettext(
            "%(count)d browser is no longer remembered: it will be asked for a code at its next sign-in.",
            "%(count)d browsers are no longer remembered: each will be asked for a code at its next sign-in.",
            count,
        )
        % {"count": count},
    )
    return redirect("twofactor:overview")
