"""The authenticator-app set-up page: a QR code and key, confirmed by a code from the app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ... import flows
from ...forms import SetupConfirmForm
from ...web.pages import (
    add_flow_error,
    enrolment_page,
    redirect_to_reauthenticate,
    render_stored,
    safe_next,
    status_for,
)
from .setup import KEY, begin_totp


@login_required
@require_http_methods(["GET", "POST"])
@enrolment_page
def setup_page(request):
    form = SetupConfirmForm(method=KEY)
    status = 200
    try:
        if request.method == "POST" and request.POST.get("action") == "restart":
            begin_totp(request, restart=True)
            return redirect(request.get_full_path())
        if request.method == "POST":
            form = SetupConfirmForm(request.POST, method=KEY)
            status = 400
            if form.is_valid():
                try:
                    return render_stored(request, flows.confirm(request, form.cleaned_data["code"]))
                except flows.TwoFactorError as failure:
                    status = status_for(failure)
                    add_flow_error(form, failure)
        enrolment = begin_totp(request)
    except flows.TwoFactorError as failure:
        messages.info(request, failure.message)
        if failure.code == "reauthentication_required":
            return redirect_to_reauthenticate(request, request.get_full_path())
        return redirect("twofactor:overview")
    context = {"form": form, "enrolment": enrolment, "next": safe_next(request, "")}
    return render(request, "twofactor/methods/totp/setup.html", context, status=status)
