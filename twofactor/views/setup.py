"""Enrolling methods and backup codes."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import flows, state
from ..models import BackupCodeDevice
from ..forms import SetupConfirmForm
from .common import add_flow_error, enrolment_page, redirect_to_reauthenticate, safe_next, status_for


@login_required
def choose(request):
    """Which method to add; the page a session without any method is sent to when one is required."""
    current = {device.method for device in state.devices_of(request.user)}
    context = {"existing": current, "required": state.required_for(request.user) and not current,
               "next": safe_next(request, "")}
    return render(request, "twofactor/setup.html", context)


def render_stored(request, stored: flows.setup.StoredMethod):
    """After a method is stored: show the first backup codes once, or go on."""
    messages.success(request, _("Your new method is ready: %(name)s.") % {"name": stored.device.name})
    if stored.backup_codes:
        return render(request, "twofactor/backup_codes_new.html",
                      {"codes": stored.backup_codes, "next": safe_next(request, reverse("twofactor:overview"))})
    return redirect(safe_next(request, reverse("twofactor:overview")))


@login_required
@require_http_methods(["GET", "POST"])
@enrolment_page
def totp(request):
    form = SetupConfirmForm()
    status = 200
    try:
        if request.method == "POST" and request.POST.get("action") == "restart":
            flows.begin_totp(request, restart=True)
            return redirect(request.get_full_path())
        if request.method == "POST":
            form = SetupConfirmForm(request.POST)
            status = 400
            if form.is_valid():
                try:
                    return render_stored(request, flows.confirm(request, form.cleaned_data["code"]))
                except flows.TwoFactorError as failure:
                    status = status_for(failure)
                    add_flow_error(form, failure)
        enrolment = flows.begin_totp(request)
    except flows.TwoFactorError as failure:
        messages.info(request, failure.message)
        if failure.code == "reauthentication_required":
            return redirect_to_reauthenticate(request, request.get_full_path())
        return redirect("twofactor:overview")
    context = {"form": form, "enrolment": enrolment, "next": safe_next(request, "")}
    return render(request, "twofactor/setup_totp.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def backup_codes(request):
    """Regenerate (POST, after re-authentication) and show the new codes once, with a text download."""
    if request.method == "POST":
        try:
            codes = flows.regenerate_backup_codes(request)
        except flows.TwoFactorError as failure:
            if failure.code == "reauthentication_required":
                messages.info(request, failure.message)
                return redirect_to_reauthenticate(request, reverse("twofactor:backup_codes"))
            messages.error(request, failure.message)
            return redirect("twofactor:backup_codes")
        return render(request, "twofactor/backup_codes_new.html",
                      {"codes": codes, "next": reverse("twofactor:overview")})
    device = BackupCodeDevice.objects.filter(user=request.user, confirmed=True).first()
    return render(request, "twofactor/backup_codes.html",
                  {"device": device, "remaining": device.remaining if device else 0})

