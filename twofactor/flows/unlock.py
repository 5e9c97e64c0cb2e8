"""The way in that strangers cannot use, once they have spent an account's daily ceiling of wrong passwords.

The owner is mailed a link (good once, for UNLOCK_SECONDS, bound to the current password) that makes the browser
it is opened in known to the account: that browser gets a device cookie, so a budget of its own, and skips the
ceiling. Devise's lockable with `unlock_strategy :email` unlocks the account; this unlocks one browser, so the
strangers stay where they were. Whoever holds the mailbox could reset the password anyway: the link gives them
nothing more (a budget of TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP guesses a day).
"""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from .. import device_cookie, notifications, ratelimit
from ..app_settings import app_settings
from ..errors import TwoFactorError
from ..links import absolute_url
from ..signals import Kind, emit

UNLOCK_SECONDS = 3600
_SALT = "twofactor.unlock"


def offer_unlock_link(request, user_pk) -> bool:
    """Mail the owner of account `user_pk` an unlock link, at most one an hour; True when one went."""
    user = get_user_model()._default_manager.filter(pk=user_pk).first()
    address = (getattr(user, user.get_email_field_name(), "") or "").strip() if user is not None else ""
    if not address or not user.is_active:
        return False
    if not ratelimit.consume(f"password:unlock-mail:user:{user.pk}", 1, UNLOCK_SECONDS).allowed:
        return False  # one is out already: strangers who keep trying must not bomb the mailbox
    payload = {
        "u": user.pk,
        "n": secrets.token_urlsafe(16),
        "p": device_cookie.password_fingerprint(user.pk, user.password),
    }
    token = signing.dumps(payload, salt=_SALT)
    context = {
        "username": user.get_username(),
        "unlock_url": absolute_url(reverse("twofactor:unlock", args=[token]), request),
        "valid_minutes": UNLOCK_SECONDS // 60,
        **notifications.common_context(request),
    }
    with translation.override(notifications.users_language(user)):
        subject = _("Many wrong passwords were tried on your %(site_name)s account") % {
            "site_name": app_settings.ISSUER
        }
        sent = notifications.send_templated_mail("unlock", subject, context, [address])
    emit(Kind.PASSWORD_CEILING, user=user, request=request, link_sent=sent)
    return sent


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
