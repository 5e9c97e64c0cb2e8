"""Trusted browsers ("remember this browser") as their owner sees and revokes them (page and API alike)."""

from django.utils.translation import gettext_lazy as _

from .. import remember
from ..errors import TwoFactorError
from ..models import TrustedBrowser


def trusted_browsers(request) -> list[TrustedBrowser]:
    """The signed-in user's trusted browsers, newest first (those that expired are revoked on the way)."""
    return remember.active(request.user)


def revoke_trusted_browser(request, browser_id: int) -> None:
    """Stop trusting one of the user's browsers: its next sign-in asks for a code again."""
    records = TrustedBrowser.objects.filter(pk=browser_id)
    if not remember.revoke(records, user=request.user, reason=remember.Reason.REVOKED, request=request):
        raise TwoFactorError("not_found", _("That browser is not remembered."), status=404)


def revoke_trusted_browsers(request) -> int:
    """Stop trusting every browser of the user; returns how many were trusted."""
    return remember.revoke_all(request.user, reason=remember.Reason.REVOKED, request=request)


def is_this_browser(request, record: TrustedBrowser) -> bool:
    """Whether `record` is the one this request's cookie names."""
    return remember.presented_hash(request) == record.token_hash
