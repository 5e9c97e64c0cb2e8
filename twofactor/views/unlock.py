"""The page an unlock link opens (flows.unlock): a button, so that a mail scanner's visit spends nothing."""

from django.contrib import messages
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import flows
from ..app_settings import app_settings
from ..flows import unlock as unlocking


@require_http_methods(["GET", "POST"])
def unlock(request, token: str):
    login_url = resolve_url(app_settings.LOGIN_URL)
    try:
        if request.method == "POST":
            unlocking.unlock_browser(request, token)
            messages.success(request, _("This browser may sign in to your account now."))
            return redirect(login_url)
        user = unlocking.check_unlock_link(token)
    except flows.TwoFactorError as failure:
        return render(request, "twofactor/unlock.html", {"error": failure.message, "login_url": login_url}, status=400)
    return render(request, "twofactor/unlock.html", {"username": user.get_username()})
