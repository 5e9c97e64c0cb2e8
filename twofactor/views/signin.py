"""The second sign-in step and re-authentication."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import flows, remember, state
from ..core import registry
from ..forms import ReauthenticateForm, VerifyForm
from ..web.pages import add_flow_error, safe_next, status_for
from .step_up import confirm_options


def _method_context(devices, current_method):
    others = {}
    for device in devices:  # one button per method, whether the user holds one device of it or several
        if device.method != current_method:
            others.setdefault(device.method, device)
    return {
        "methods": devices,
        "current_method": current_method,
        # Named by kind: the second step is not verified yet, so no name the owner chose ("Alice's YubiKey").
        "other_methods": [
            {"method": device.method, "label": registry.for_device(device).pending_label(device)}
            for device in others.values()
        ],
        "current_device": next((device for device in devices if device.method == current_method), None),
        "current": registry.get(current_method),
    }


def _offered_method(request, current, devices) -> str:
    """The method the page offers: the one asked for in ?method= when the user has it, else the pending one."""
    method = request.GET.get("method") or current.method
    return method if method in {device.method for device in devices} else current.method


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    current = flows.pending_sign_in(request)
    if current is None:
        return redirect(safe_next(request))
    # The device list is loaded only to draw the page or send a code: a correct code costs no list.
    devices = None
    form = None
    status = 200
    action = request.POST.get("action", "verify")
    if request.method == "POST" and action == "use":
        try:
            flows.choose_method(request, request.POST.get("method", ""))
        except flows.TwoFactorError as failure:
            messages.error(request, failure.message)
        return redirect(request.get_full_path())
    if request.method == "GET":
        devices = state.devices_of(request.user)
        method = _offered_method(request, current, devices)
        # Fewer steps: a code goes out as the page opens, once per sign-in, for a method that sends on arrival.
        try:
            flows.send_on_arrival(request, method, current.started_at)
        except flows.TwoFactorError as failure:
            messages.error(request, failure.message)
    elif action == "send":
        devices = state.devices_of(request.user)
        try:
            flows.send_sign_in_code(request, _offered_method(request, current, devices))
        except flows.TwoFactorError as failure:
            messages.error(request, failure.message)
            status = status_for(failure)
        else:  # the page itself says where the code went: no message to repeat it
            return redirect(request.get_full_path())
    else:
        form = VerifyForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                flows.verify(
                    request,
                    form.cleaned_data["code"],
                    method=form.cleaned_data["method"] or None,
                    remember_browser=form.cleaned_data["remember"],
                )
            except flows.TwoFactorError as failure:
                status = status_for(failure)
                add_flow_error(form, failure)
            else:
                return redirect(safe_next(request))
    if devices is None:
        devices = state.devices_of(request.user)
    method = _offered_method(request, current, devices)
    form = form or VerifyForm(initial={"method": method})
    context = {"form": form, "remember_enabled": remember.enabled(), **_method_context(devices, method)}
    current_method = registry.get(method)
    if current_method is not None and current_method.typed_code:  # the keyboard and autofill of its codes
        form.fields["code"].widget.attrs.update(current_method.code_format.widget_attrs())
    if _sends_code(method) and context["current_device"] is not None:
        context["code_status"] = flows.code_status(context["current_device"])
        # The countdown ticks with a static script; a project without static files shows it as text only.
        context["countdown_script"] = static("twofactor/countdown.js") if settings.STATIC_URL else ""
    return render(request, "twofactor/verify.html", context, status=status)


def _sends_code(method: str | None) -> bool:
    chosen = registry.get(method)
    return chosen is not None and chosen.sends_code


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request):
    devices = state.devices_of(request.user)
    needs_code = bool(devices)
    # Re-authentication takes a typed code: offer first the primary method if it is one, else the first that is.
    typed = [device for device in devices if getattr(registry.for_device(device), "typed_code", True)]
    primary = state.primary_device(typed) or (typed[0] if typed else None)
    method = request.POST.get("method") or request.GET.get("method") or (primary.method if primary else None)
    form = ReauthenticateForm(needs_code=needs_code, initial={"method": method})
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "send":
            try:
                sent = flows.send_sign_in_code(request, method)
                messages.success(request, _("We sent a code to %(target)s.") % {"target": sent.masked_target})
            except flows.TwoFactorError as failure:
                messages.error(request, failure.message)
            return redirect(request.get_full_path())
        form = ReauthenticateForm(request.POST, needs_code=needs_code)
        status = 400
        if form.is_valid():
            try:
                flows.reauthenticate(
                    request,
                    form.cleaned_data["password"],
                    form.cleaned_data.get("credential") or form.cleaned_data.get("code", ""),
                    form.cleaned_data.get("method") or None,
                )
            except flows.TwoFactorError as failure:
                status = status_for(failure)
                add_flow_error(form, failure, "password" if failure.code == "invalid_credentials" else "code")
            else:
                return redirect(safe_next(request, reverse("twofactor:overview")))
    context = {
        "form": form,
        "methods": devices,
        "current_method": method,
        "current": registry.get(method),
        "next": safe_next(request, ""),
        # A passkey answers too (a passkey-only user need not spend a backup code): each such method's form.
        # The user's own typed-code methods to choose from (never every method the site offers), and each
        # other method's form: a passkey answers too, so a passkey-only user need not spend a backup code.
        **{
            key: value
            for key, value in confirm_options(devices, method).items()
            if key not in ("current_method", "current")
        },
        "action": "reauthenticate",
    }
    return render(request, "twofactor/reauthenticate.html", context, status=status)
