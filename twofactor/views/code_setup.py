"""The set-up page of every method that sends a code (`Method.sends_code`: email, text message): choose the
target, receive a code, confirm it. The app mounts it at setup/<key>/ for each such method (see urls.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import flows
from ..core import registry
from ..forms import SetupConfirmForm
from ..web.pages import add_flow_error, enrolment_page, render_stored, safe_next, status_for


@login_required
@require_http_methods(["GET", "POST"])
@enrolment_page
def setup_page(request, method: str):
    """The target (validated before anything is sent), proven by the code sent to it."""
    sender = registry.get(method)
    if sender is None or not sender.sends_code:
        raise Http404
    target_form_class = sender.target_form_class
    try:
        pending = flows.current_setup(request, method)
    except flows.TwoFactorError as failure:  # the method is already set up
        messages.info(request, failure.message)
        return redirect("twofactor:overview")
    target_form, code_form, status = target_form_class(), SetupConfirmForm(method=method), 200
    action = request.POST.get("action")
    if request.method == "POST" and action == "restart":  # a different address or number
        flows.clear_pending(request)
        return redirect(request.get_full_path())
    if request.method == "POST" and action == "send":
        target_form = target_form_class(request.POST)
        status = 400
        if target_form.is_valid():
            response, status = _send(
                request, target_form, lambda: sender.begin_setup(request, target_form.cleaned_data)
            )
            if response:
                return response
    elif request.method == "POST" and action == "resend":
        response, status = _send(request, None, lambda: flows.resend_setup_code(request, method))
        if response:
            return response
    elif request.method == "POST":
        code_form = SetupConfirmForm(request.POST, method=method)
        status = 400
        if code_form.is_valid():
            try:
                return render_stored(request, flows.confirm(request, code_form.cleaned_data["code"]))
            except flows.TwoFactorError as failure:
                status = status_for(failure)
                add_flow_error(code_form, failure)
        pending = flows.current_setup(request, method)  # too many wrong codes cancel the enrolment
        if pending is None:  # the code form is not shown without an enrolment, so say why here
            for error in code_form.errors.get("code", []) + code_form.non_field_errors():
                messages.error(request, error)
    context = {
        "method": sender,
        "target_form": target_form,
        "form": code_form,
        "pending": pending,
        "pending_text": sender.setup_sent % {"target": pending.masked_target} if pending else "",
        "account_target": sender.account_target(request.user),
        "next": safe_next(request, ""),
    }
    return render(request, sender.setup_template, context, status=status)


def _send(request, form, send):
    """Run a send: (redirect, 302) when the code went out, else (None, status) with the reason on `form`
    (or in a message when there is no form to blame)."""
    try:
        send()
    except flows.TwoFactorError as failure:
        if form is None:
            messages.error(request, failure.message)
        else:
            add_flow_error(form, failure, next(iter(failure.fields), None))
        return None, status_for(failure)
    # The page now says where the code went (`pending_text`): no message to say it twice.
    return redirect(request.get_full_path()), 302
