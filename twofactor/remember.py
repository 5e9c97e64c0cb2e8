""" "Remember this browser": a random token in an HttpOnly cookie, and a TrustedBrowser record of its hash.

Ticking the box at the second step stores a record (the token's SHA-256, never the token; the browser and
system; the network; when it was made, last used and expires) and sets the cookie. At a later sign-in the
password step looks the token's hash up, one indexed query, and skips the second step only when the record
exists, belongs to the user who just gave the password, has not expired and was made under the user's
current password. A verified request never reads the cookie.

Records are revoked (deleted, with a security event saying why) by their owner on /2fa/ or through the API,
by staff in the admin, and automatically when the password is changed or reset, a method is removed, staff
reset two-factor or approve a rescue request, and when they expire. Cookies of the signed format used before
the records existed match no record: those browsers are asked for a code once.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from .app_settings import app_settings
from .browsers import browser_family
from .client_info import client_ip, user_agent
from .locations import network_of
from .models import TrustedBrowser, TwoFactorDevice, UserSession
from .signals import Kind, emit

COOKIE_NAME = "twofactor_remember"
_SALT = "twofactor.remember"
#: A token is 43 characters (32 random bytes); a longer value (such as a cookie of the old signed format)
#: is not one, and costs no query.
MAX_TOKEN_LENGTH = 64
_PENDING_ATTRIBUTE = "_twofactor_remember_cookie"
#: The request attribute naming the trusted browser (its id) that vouched for this request's sign-in.
USED_ATTRIBUTE = "_twofactor_trusted_browser_id"


class Reason:
    """Why trusted browsers were revoked: the `reason` of a TRUSTED_BROWSERS_REVOKED event."""

    REVOKED = "revoked"  # their owner, on /2fa/ or through the API
    NOT_YOU = "not_you"  # the "Not you?" link of a new-browser mail
    STAFF = "staff"  # staff, in the admin
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    METHOD_REMOVED = "method_removed"
    BACKUP_CODES_REPLACED = "backup_codes_replaced"  # the browser was trusted on a code of the old set
    RESET = "reset"  # staff reset two-factor
    RESCUE = "rescue"  # staff approved a request for help (which resets two-factor)
    EXPIRED = "expired"


def enabled() -> bool:
    return app_settings.REMEMBER_DAYS > 0


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256 (the token is random, so no salt or key is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def presented_hash(request) -> str | None:
    """The hash of the token this request's cookie carries, or None when it carries none that could be one."""
    token = request.COOKIES.get(COOKIE_NAME, "") if request is not None else ""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token_hash(token)


def _password_fingerprint(user) -> str:
    """Changes whenever the password is set, wherever that happens (pages, admin, shell): the trust ends with it.

    It names the password hash only; two accounts may share one (legacy unsalted hashes), so the record's owner
    is compared on its own."""
    return salted_hmac(_SALT, user.password, algorithm="sha256").hexdigest()[:32]


def _expired(record: TrustedBrowser, now=None) -> bool:
    """Past its own expiry, or older than TWOFACTOR_REMEMBER_DAYS allows now (a shortened lifetime applies)."""
    now = now or timezone.now()
    return now >= min(record.expires_at, record.created_at + timedelta(days=app_settings.REMEMBER_DAYS))


def trust_browser(request, user, device: TwoFactorDevice) -> str:
    """Remember this browser for `user`, whose second step `device` just passed; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    browser, system = browser_family(user_agent(request))
    address = client_ip(request)
    TrustedBrowser.objects.create(
        user=user,
        token_hash=token_hash(token),
        method=device.method,
        device_id=device.persistent_id,
        browser=browser,
        system=system,
        network=network_of(address) if address else "",
        password_fingerprint=_password_fingerprint(user),
        sign_in=UserSession.objects.filter(session_key=request.session.session_key)
        .values_list("pk", flat=True)
        .first(),
        expires_at=timezone.now() + timedelta(days=app_settings.REMEMBER_DAYS),
    )
    emit(
        Kind.BROWSER_TRUSTED,
        user=user,
        request=request,
        method=device.method,
        browser=browser,
        system=system,
        days=app_settings.REMEMBER_DAYS,
    )
    return token


def issue(request, token: str) -> None:
    """Remember this browser with the cookie `token`; TwoFactorMiddleware sets it on the response."""
    setattr(request, _PENDING_ATTRIBUTE, token)


def attach(request, response) -> None:
    """Set the cookie issued during this request, if any (called by TwoFactorMiddleware): the one place it is set."""
    token = getattr(request, _PENDING_ATTRIBUTE, None)
    if token:
        set_cookie(response, token)


def set_cookie(response, token: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=app_settings.REMEMBER_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def trusted_browser(request, user) -> TrustedBrowser | None:
    """The record this browser's cookie names when it may skip `user`'s second step, else None.

    One indexed lookup (the token's hash is unique); a record found expired, or made under another
    password, is revoked on the way.
    """
    digest = presented_hash(request) if enabled() else None
    if digest is None:
        return None
    record = TrustedBrowser.objects.filter(token_hash=digest).first()
    if record is None or record.user_id != user.pk:
        return None
    if _expired(record):
        revoke(TrustedBrowser.objects.filter(pk=record.pk), user=user, reason=Reason.EXPIRED, request=request)
        return None
    if not constant_time_compare(record.password_fingerprint, _password_fingerprint(user)):
        # The password was set somewhere the site's pages do not see (the admin, a shell).
        revoke(TrustedBrowser.objects.filter(pk=record.pk), user=user, reason=Reason.PASSWORD_CHANGED, request=request)
        return None
    record.last_used_at = timezone.now()
    TrustedBrowser.objects.filter(pk=record.pk).update(last_used_at=record.last_used_at)
    setattr(request, USED_ATTRIBUTE, record.pk)
    return record


def on_remembered_sign_in(request, user, record: TrustedBrowser) -> None:
    emit(Kind.REMEMBERED_BROWSER_USED, user=user, request=request, method=record.method)
    emit(Kind.SIGNED_IN, user=user, request=request, method=record.method, remembered=True)


def active(user) -> list[TrustedBrowser]:
    """The user's trusted browsers, newest first; those that expired or outlived the password are revoked."""
    records = list(TrustedBrowser.objects.filter(user=user))
    now = timezone.now()
    fingerprint = _password_fingerprint(user)
    expired = [record.pk for record in records if _expired(record, now)]
    stale = [
        record.pk
        for record in records
        if record.pk not in expired and not constant_time_compare(record.password_fingerprint, fingerprint)
    ]
    for pks, reason in ((expired, Reason.EXPIRED), (stale, Reason.PASSWORD_CHANGED)):
        if pks:
            revoke(TrustedBrowser.objects.filter(pk__in=pks), user=user, reason=reason)
    return [record for record in records if record.pk not in expired and record.pk not in stale]


def revoke(records: QuerySet, *, user, reason: str, request=None, actor=None) -> int:
    """Delete these trusted browsers of `user` and record why (one event, when there was any). Returns how many."""
    rows = list(records.filter(user=user).values_list("pk", "browser", "system"))
    if not rows:
        return 0
    count, _by_model = TrustedBrowser.objects.filter(pk__in=[row[0] for row in rows]).delete()
    if not count:  # revoked meanwhile by another request, which recorded it
        return 0
    data = {"count": count, "reason": reason}
    if len(rows) == 1:
        data.update(browser=rows[0][1], system=rows[0][2])
    if actor is not None:
        data.update(actor=actor.pk, actor_name=actor.get_username())
    emit(Kind.TRUSTED_BROWSERS_REVOKED, user=user, request=request, **data)
    return count


def revoke_all(user, *, reason: str, request=None, actor=None) -> int:
    """Revoke every trusted browser of `user` (see `revoke`)."""
    return revoke(TrustedBrowser.objects.filter(user=user), user=user, reason=reason, request=request, actor=actor)


def on_device_deleted(sender, instance, **kwargs) -> None:
    """A method's device was deleted (the user, staff, an inline in the admin): the user's browsers trust no more.

    The flows revoke first, with the reason and the request; this catches deletions that bypass them. The
    deletion of the user themselves takes their trusted browsers along and needs no record.
    """
    origin = kwargs.get("origin")
    user_model = get_user_model()
    if isinstance(origin, user_model) or (isinstance(origin, QuerySet) and issubclass(origin.model, user_model)):
        return
    if TrustedBrowser.objects.filter(user_id=instance.user_id).exists():
        revoke_all(instance.user, reason=Reason.METHOD_REMOVED)
