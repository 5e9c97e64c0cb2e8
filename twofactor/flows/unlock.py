"""The way in that strangers cannot use, once they have spent an account's daily ceiling of wrong passwords.

The owner is mailed a link (good once, for UNLOCK_SECONDS, bound to the current password) that makes the browser
it is opened in known to the account: that browser gets a device cookie, so a budget of its own, and skips the
ceiling. Devise's lockable with `unlock_strategy :email` unlocks the account; this unlocks one browser, so the
strangers stay where they were. Whoever holds the mailbox could reset the password anyway: the link gives them
nothing more (a budget of TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP guesses a day).

The link travels in the one mail that tells the owner about the guessing (twofactor.alerts.alert_guessing: how
many were tried, that nobody got in, what to do), at most one a day, so it is good for a day too.
"""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from .. import alerts, device_cookie, ratelimit
from ..errors import TwoFactorError
from ..links import absolute_url
from ..signals import Kind, emit

UNLOCK_SECONDS = 24 * 60 * 60
_SALT = "twofactor.unlock"


def warn_owner(request, user_pk, *, locked: bool) -> bool:
    """Strangers spent the account's budget from one address, or (`locked`) its daily ceiling: mail the owner, at
    most once a day (twofactor.alerts.alert_guessing), with the unlock link when locked. True when a mail was made."""
    user = get_user_model()._default_manager.filter(pk=user_pk).first()
    if user is None:
        return False
    return alerts.alert_guessing(request, user, unlock_link=(lambda: _unlock_url(request, user)) if locked else None)


def _unlock_url(request, user) -> str:
    payload = {
        "u": user.pk,
        "n": secrets.token_urlsafe(16),
        "p": device_cookie.password_fingerprint(user.pk, user.password),
    }
    return absolute_url(reverse("twofactor:unlock", args=[signing.dumps(payload, salt=_SALT)]), request)


def check_unlock_link(token: str):
    """The user an unlock link is for while it is valid (not spent, not expired, the password unchanged)."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=UNLOCK_SECONDS)
    except signing.BadSignature:
        raise _invalid() from None
    user = get_user_model()._default_manager.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or not constant_time_compare(
        str(payload.get("p", "")), device_cookie.password_fingerprint(user.pk, user.password)
    ):
        raise _invalid()
    if not ratelimit.peek(_spent_key(payload["n"]), 1, UNLOCK_SECONDS).allowed:
        raise _invalid()
    return user


def unlock_browser(request, token: str):
    """Spend the link: this browser becomes known to the account (a device cookie). Returns the user."""
    user = check_unlock_link(token)
    nonce = signing.loads(token, salt=_SALT, max_age=UNLOCK_SECONDS)["n"]
    if not ratelimit.consume(_spent_key(nonce), 1, UNLOCK_SECONDS).allowed:
        raise _invalid()  # a concurrent request spent it first
    device_cookie.issue(request, user, nonce=nonce)
    emit(Kind.BROWSER_UNLOCKED, user=user, request=request)
    return user


def _spent_key(nonce: str) -> str:
    return "password:unlock-link:" + hashlib.sha256(nonce.encode()).hexdigest()[:32]


def _invalid() -> TwoFactorError:
    return TwoFactorError(
        "invalid_link",
        _("This link is not valid any more: it was used already, it expired, or the password changed since."),
    )
