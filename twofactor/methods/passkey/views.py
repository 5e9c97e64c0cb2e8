"""The passkey pages: the list (add, rename), and where the browser's answers are posted.

The options come from the API endpoints (see api.py), fetched by static/twofactor/passkey.js.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ... import flows
from ...app_settings import app_settings
from ...web.pages import enrolment_page, redirect_to_reauthenticate, render_stored, safe_next
from .forms import CredentialForm, EnrolmentForm, RenameForm, SecondStepForm
from .models import KEY
from .setup import name_pending, passkeys_of, rename
from .signin import sign_in_without_password


def _failed(request, message: str, status: int, back: str):
    return render(request, "twofactor/methods/passkey/failed.html", {"message": message, "back": back}, status=status)


def _form_message(form) -> str:
    return " ".join(message for messages_ in form.errors.values() for message in messages_)


@login_required
@require_http_methods(["GET", "POST"])
@enrolment_page
def setup_page(request):
    """The user's passkeys (rename) and the form that adds one; removal is on the two-factor page."""
    form, status = EnrolmentForm(), 200
    if request.method == "POST":
        form, status = EnrolmentForm(request.POST), 400
        if form.is_valid():
            name_pending(request, form.cleaned_data["name"])
            try:
                return render_stored(request, flows.confirm(request, form.cleaned_data["credential"]))
            except flows.TwoFactorError as failure:
                status = failure.status
                form.add_error(None, failure.message)
    context = {"form": form, "passkeys": passkeys_of(request.user), "next": safe_next(request, "")}
    return render(request, "twofactor/methods/passkey/setup.html", context, status=status)


@login_required
@require_POST
def rename_page(request, device_id: int):
    form = RenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_message(form))
    else:
        try:
            rename(request, device_id, form.cleaned_data["name"])
        except flows.TwoFactorError as failure:
            if failure.code == "reauthentication_required":
                messages.info(request, failure.message)
                return redirect_to_reauthenticate(request, reverse("twofactor:setup_passkey"))
            messages.error(request, failure.message)
        else:
            messages.success(request, _("The passkey was renamed."))
    return redirect("twofactor:setup_passkey")


@login_required
@require_POST
def verify_page(request):
    """The second step answered with a passkey: the same flow as a typed code."""
    if flows.pending_sign_in(request) is None:
        return redirect(safe_next(request))
    back = reverse("twofactor:verify") + f"?method={KEY}"
    form = SecondStepForm(request.POST)
    if not form.is_valid():
        return _failed(request, _form_message(form), 400, back)
    try:
        flows.verify(
            request, form.cleaned_data["credential"], method=KEY, remember_browser=form.cleaned_data["remember"]
        )
    except flows.TwoFactorError as failure:
        return _failed(request, failure.message, failure.status, back)
    return redirect(safe_next(request))


@require_POST
def sign_in_page(request):
    """A passkey alone signs in (when TWOFACTOR_WEBAUTHN_PASSWORDLESS is on)."""
    back = resolve_url(app_settings.LOGIN_URL)
    form = CredentialForm(request.POST)
    if not form.is_valid():
        return _failed(request, _form_message(form), 400, back)
    try:
        sign_in_without_password(request, form.cleaned_data["credential"])
    except flows.TwoFactorError as failure:
        return _failed(request, failure.message, failure.status, back)
    return redirect(safe_next(request))
