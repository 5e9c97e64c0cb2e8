"""Enrolling the email and SMS methods: choose the target, receive a code, confirm it."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import flows
from ..flows import challenge
from ..forms import EmailSetupForm, PhoneSetupForm, SetupConfirmForm
from .common import add_flow_error, enrolment_page, safe_next, status_for
from .setup import render_stored


@login_required
@require_http_methods(["GET", "POST"])
@enrolment_page
def setup_email(request):
    """The account's address (or another one), proven by the code mailed to it."""
    return _code_setup_page(
        request, "email", EmailSetupForm, "twofactor/setup_email.html",
        lambda data: flows.begin_email_setup(request, data.get("email") or None),
    )


@login_required
@require_http_methods(["GET", "POST"])
@enrolment_page
def setup_sms(request):
    """A mobile number (validated before anything is sent), proven by the code texted to it."""
    return _code_setup_page(
        request, "sms", PhoneSetupForm, "twofactor/setup_sms.html",
        lambda data: flows.begin_sms_setup(request, data["phone"]),
    )


def _code_setup_page(request, method: str, target_form_class, template: str, begin):
    try:
        pending = challenge.current_setup(request, method)
    except flows.TwoFactorError as failure:  # the method is already set up
        messages.info(request, failure.message)
        return redirect("twofactor:overview")
    target_form, code_form, status = target_form_class(), SetupConfirmForm(), 200
    action = request.POST.get("action")
    if request.method == "POST" and action == "restart":  # a different address or number
        flows.clear_pending(request)
        return redirect(request.get_full_path())
    if request.method == "POST" and action == "send":
        target_form = target_form_class(request.POST)
        status = 400
        if target_form.is_valid():
            response, status = _send(request, target_form, lambda: begin(target_form.cleaned_data))
            if response:
                return response
    elif request.method == "POST" and action == "resend":
        response, status = _send(request, None, lambda: challenge.resend_setup_code(request, method))
        if response:
            return response
    elif request.method == "POST":
        code_form = SetupConfirmForm(request.POST)
        status = 400
        if code_form.is_valid():
            try:
                return render_stored(request, flows.confirm(request, code_form.cleaned_data["code"]))
            except flows.TwoFactorError as failure:
                status = status_for(failure)
                add_flow_error(code_form, failure)
        pending = challenge.current_setup(request, method)  # too many wrong codes cancel the enrolment
        if pending is None:  # the code form is not shown without an enrolment, so say why here
            for error in code_form.errors.get("code", []) + code_form.non_field_errors():
                messages.error(request, error)
    user = request.user
    context = {
        "target_form": target_form,
        "form": code_form,
        "pending": pending,
        "account_email": getattr(user, user.get_email_field_name(), ""),
        "next": safe_next(request, ""),
    }
    return render(request, template, context, status=status)


def _send(request, form, send):
    """Run a send: (redirect, 302) when the code went out, else (None, status) with the reason on `form`
    (or in a message when there is no form to blame)."""
    try:
        sent = send()
    except flows.TwoFactorError as failure:
        if form is None:
            messages.error(request, failure.message)
        else:
            add_flow_error(form, failure, next(iter(failure.fields), None))
        return None, status_for(failure)
    messages.success(request, _("We sent a code to %(target)s.") % {"target": sent.masked_target})
    return redirect(request.get_full_path()), 302
