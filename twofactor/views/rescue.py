"""The lost-device page, reachable from the second sign-in step: a backup code, a code by email, or help."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .. import flows
from ..core import registry
from ..forms import RescueCodeForm, RescueRequestForm
from ..web.pages import add_flow_error, status_for

#: The options posted with a form, by the value of the `action` button, and the field their errors go to;
#: each recovery method (backup codes) adds its own, posted with action=<its key>.
FORMS = {
    "email_code": (RescueCodeForm, "code"),
    "help": (RescueRequestForm, "message"),
}


def _forms() -> dict:
    recovery = {
        method.key: (method.rescue_form_class(), "code") for method in registry.recovery() if method.rescue_template
    }
    return {**recovery, **FORMS}


SIGNED_IN = gettext_lazy("You are signed in. If you lost a device, remove that method now and set up a new one.")


@login_required
@require_http_methods(["GET", "POST"])
def rescue(request):
    if flows.pending_sign_in(request) is None:
        return redirect("twofactor:overview")  # nothing to rescue: signed in already, or no method to pass
    option_forms = _forms()
    forms = {action: form_class(auto_id=f"{action}_%s") for action, (form_class, _field) in option_forms.items()}
    status = 200
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "send_code":
        try:
            sent = flows.send_rescue_code(request)
        except flows.TwoFactorError as failure:
            messages.error(request, failure.message)
            status = failure.status
        else:
            messages.success(request, _("We sent a code to %(target)s.") % {"target": sent.masked_target})
            return redirect("twofactor:rescue")
    elif request.method == "POST" and action in option_forms:
        form_class, field = option_forms[action]
        form = forms[action] = form_class(request.POST, auto_id=f"{action}_%s")
        status = 400
        if form.is_valid():
            try:
                return _submit(request, action, form.cleaned_data)
            except flows.TwoFactorError as failure:
                status = status_for(failure)
                add_flow_error(form, failure, field)
    elif request.method == "POST":
        messages.error(request, _("Choose one of the options below."))
        status = 400
    options = flows.rescue_options(request)
    context = {
        **{f"{action}_form": form for action, form in forms.items() if action in FORMS},
        "recovery": [(method, forms[method.key]) for method in options.recovery],
        "options": options,
    }
    return render(request, "twofactor/rescue.html", context, status=status)


def _submit(request, action: str, data: dict):
    """Run the chosen option with valid input; flow errors propagate to the form."""
    if registry.get(action) is not None:  # a recovery method's code
        flows.verify(request, data["code"], method=action)
    elif action == "email_code":
        flows.verify_rescue_code(request, data["code"])
    else:
        flows.file_rescue_request(request, data["message"])
        messages.success(request, _("Your request was sent to the administrators."))
        return redirect("twofactor:rescue")
    messages.success(request, SIGNED_IN)
    return redirect("twofactor:overview")
