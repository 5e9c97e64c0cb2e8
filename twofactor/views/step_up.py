"""The "confirm it's you" page: a fresh second factor (a code or a passkey, never a password) for a view
guarded by twofactor.decorators.require_fresh_second_factor, then back to it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import flows, state
from ..core import registry
from ..forms import StepUpForm
from ..web.pages import add_flow_error, safe_next, status_for


def confirm_options(devices, chosen: str | None) -> dict:
    """What a confirm page offers: the typed-code methods (the chosen one first) and each other method's form."""
    typed = [device for device in devices if getattr(registry.for_device(device), "typed_code", True)]
    primary = state.primary_device(typed) or (typed[0] if typed else None)
    keys = {device.method for device in typed}
    method = chosen if chosen in keys else (primary.method if primary else None)
    others = []
    for device in devices:
        own = registry.for_device(device)
        if own.confirm_template and own not in others:
            others.append(own)
    return {
        "current_method": method,
        "current": registry.get(method),
        "typed_methods": [registry.get(key) for key in dict.fromkeys(device.method for device in typed)],
        "confirm_methods": others,
    }


@login_required
@require_http_methods(["GET", "POST"])
def step_up(request):
    devices = state.devices_of(request.user)
    chosen = request.POST.get("method") or request.GET.get("method")
    options = confirm_options(devices, chosen)
    method = options["current_method"]
    form = StepUpForm(initial={"method": method})
    status = 200
    if request.method == "POST" and devices:
        if request.POST.get("action") == "send":
            try:
                sent = flows.send_sign_in_code(request, method)
                messages.success(request, _("We sent a code to %(target)s.") % {"target": sent.masked_target})
            except flows.TwoFactorError as failure:
                messages.error(request, failure.message)
            return redirect(request.get_full_path())
        form = StepUpForm(request.POST)
        status = 400
        if form.is_valid():
            credential = form.cleaned_data["credential"]
            try:
                flows.step_up(request, credential or form.cleaned_data["code"], form.cleaned_data["method"] or method)
            except flows.TwoFactorError as failure:
                status = status_for(failure)
                add_flow_error(form, failure, None if credential else "code")
            else:
                return redirect(safe_next(request))
    current = options["current"]
    if current is not None and current.typed_code:
        form.fields["code"].widget.attrs.update(current.code_format.widget_attrs())
    context = {
        **options,
        "form": form,
        "has_methods": bool(devices),
        "next": safe_next(request, ""),
        "resubmit": request.GET.get("resubmit") == "1",
        "action": "step_up",
    }
    return render(request, "twofactor/step_up.html", context, status=status)
