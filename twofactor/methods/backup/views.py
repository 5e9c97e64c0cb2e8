"""The backup-codes page: how many are left; a new set (after re-authentication), shown once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ... import flows
from ...web.pages import redirect_to_reauthenticate
from .codes import regenerate_backup_codes
from .models import BackupCodeDevice


@login_required
@require_http_methods(["GET", "POST"])
def backup_codes(request):
    """Regenerate (POST, after re-authentication) and show the new codes once, with a text download."""
    if request.method == "POST":
        try:
            codes = regenerate_backup_codes(request)
        except flows.TwoFactorError as failure:
            if failure.code == "reauthentication_required":
                messages.info(request, failure.message)
                return redirect_to_reauthenticate(request, reverse("twofactor:backup_codes"))
            messages.error(request, failure.message)
            return redirect("twofactor:backup_codes")
        return render(
            request, "twofactor/backup_codes_new.html", {"codes": codes, "next": reverse("twofactor:overview")}
        )
    device = BackupCodeDevice.objects.filter(user=request.user, confirmed=True).first()
    return render(
        request,
        "twofactor/methods/backup/manage.html",
        {"device": device, "remaining": device.remaining if device else 0},
    )
