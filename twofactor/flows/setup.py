"""Enrolling a method: pending in the session until a code from it is confirmed, then stored.

The pending enrolment is one record in the session:
    request.session["twofactor_setup"] = {"method": "totp", "key": <encrypted>, "started_at": …, "failures": 0}
Email and SMS enrolments keep the target and a hashed code there instead (flows.challenge).
"""
import secrets
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .. import crypto, qr, state
from ..app_settings import app_settings
from ..codes import generate_backup_code, hash_code, normalize_backup_code
from ..models import BackupCode, BackupCodeDevice, TOTPDevice, TwoFactorDevice
from ..signals import Kind, emit
from .errors import TwoFactorError, invalid_code

PENDING_KEY = "twofactor_setup"
PENDING_LIFETIME_SECONDS = 30 * 60
MAX_PENDING_FAILURES = 10
TOTP_KEY_BYTES = 20  # 160 bits, as RFC 4226 recommends


@dataclass(frozen=True)
class TOTPEnrolment:
    secret: str
    grouped_secret: str
    otpauth_uri: str
    qr_svg: str


@dataclass(frozen=True)
class StoredMethod:
    device: TwoFactorDevice
    backup_codes: list[str] | None  # shown once, when this was the first method


def pending(request) -> dict | None:
    record = request.session.get(PENDING_KEY)
    if not record or time.time() - record.get("started_at", 0) > PENDING_LIFETIME_SECONDS:
        return None
    return record


def clear_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


def require_enrolment_allowed(request, *, at_confirm: bool = False) -> None:
    """A method is added only by a session that proved a factor (the same rule for pages, API and admin).

    With methods already: the session passed its second step, and (when starting) re-authenticated
    recently, as for removing one. Without any: the session is the account's newest password
    sign-in (or re-authentication), younger than TWOFACTOR_SETUP_SECONDS.
    """
    from .signin import require_recent_authentication

    user = request.user
    current = state.read(request)
    if any(device.method != "backup" for device in state.devices_of(user)):
        if current is None or not current.verified or current.user_id != user.pk:
            raise TwoFactorError(
                "second_factor_required", _("Sign in with one of your two-factor methods before adding another."),
                status=403,
            )
        if not at_confirm:
            require_recent_authentication(request)
    elif not state.is_newest_recent_password_proof(request, user):
        raise TwoFactorError(
            "reauthentication_required",
            _("For your security, enter your password again before setting up two-factor authentication."),
            status=403,
        )


def _ensure_method_is_new(user, method: str) -> None:
    if any(device.method == method for device in state.devices_of(user)):
        raise TwoFactorError(
            "conflict",
            _("You already use this method. Remove it first if you want to set it up again."),
            status=409,
        )


def begin_totp(request, *, restart: bool = False) -> TOTPEnrolment:
    """Make (or keep) a pending authenticator key; a plain page load never replaces a scanned key."""
    user = request.user
    _ensure_method_is_new(user, "totp")
    require_enrolment_allowed(request)
    record = pending(request)
    if restart or record is None or record.get("method") != "totp":
        record = {
            "method": "totp",
            "key": crypto.encrypt(secrets.token_bytes(TOTP_KEY_BYTES)),
            "started_at": time.time(),
            "failures": 0,
        }
        request.session[PENDING_KEY] = record
    key = crypto.decrypt(record["key"])
    account = user.get_username()
    uri = qr.otpauth_uri(key, issuer=app_settings.ISSUER, account=account)
    secret = qr.base32_secret(key)
    return TOTPEnrolment(secret=secret, grouped_secret=qr.grouped(secret), otpauth_uri=uri, qr_svg=qr.qr_svg(uri))


def confirm(request, code: str) -> StoredMethod:
    """Store the pending method once a code from it checks out."""
    record = pending(request)
    if record is None:
        raise TwoFactorError(
            "no_pending_setup", _("There is no set-up in progress, or it expired. Please start again."), status=409
        )
    if record["method"] == "totp":
        device = _check_pending_totp(request, record, code)
    else:
        from .challenge import check_pending_code

        device = check_pending_code(request, record, code)
    return store_method(request, device)


def _record_failure(request, record: dict) -> None:
    record["failures"] = record.get("failures", 0) + 1
    if record["failures"] >= MAX_PENDING_FAILURES:
        clear_pending(request)
        raise TwoFactorError(
            "throttled", _("Too many wrong codes. The set-up was cancelled; please start again."), status=429,
            retry_after=1,
        )
    request.session[PENDING_KEY] = record


def _check_pending_totp(request, record: dict, code: str) -> TOTPDevice:
    device = TOTPDevice(user=request.user, name=str(_("Authenticator app")), confirmed=True)
    device.encrypted_key = record["key"]
    if not device.check_code(code):
        _record_failure(request, record)
        raise invalid_code()
    return device  # last_t now holds the confirmed step, so this code cannot sign in again


def store_method(request, device: TwoFactorDevice) -> StoredMethod:
    """Save a confirmed device; the first method also gets a set of backup codes.

    Every other session of the user that has not passed a second step ends: a password-only
    session (parked on the set-up page, or under "optional") must not outlive the new method.
    """
    user = request.user
    with transaction.atomic():
        # Lock the user row so two concurrent confirmations cannot store the method twice, and so the
        # rule below sees the methods a concurrent confirmation may just have stored.
        get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
        require_enrolment_allowed(request, at_confirm=True)
        if type(device).objects.filter(user=user, confirmed=True).exists():
            raise TwoFactorError("conflict", _("This method is already set up."), status=409)
        device.save()
        codes = None
        if not BackupCodeDevice.objects.filter(user=user).exists():
            codes = _replace_backup_codes(user)
    clear_pending(request)
    ended = state.end_unproven_sessions(request, user)
    emit(Kind.METHOD_ADDED, user=user, request=request, method=device.method, name=device.name, sessions_ended=ended)
    if codes:
        emit(Kind.BACKUP_CODES_GENERATED, user=user, request=request, count=len(codes))
    state.mark_verified(request, device)
    return StoredMethod(device=device, backup_codes=codes)


def _replace_backup_codes(user) -> list[str]:
    device, _created = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": str(_("Backup codes")), "confirmed": True}
    )
    device.codes.all().delete()
    device.throttle_reset(commit=False)
    device.save()
    codes = [generate_backup_code() for _ in range(app_settings.BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, code_hash=hash_code(normalize_backup_code(code), peppered=False)) for code in codes
    )
    return codes


def regenerate_backup_codes(request) -> list[str]:
    """A new set of backup codes (the old set stops working). Needs a recent password and code."""
    from .signin import require_recent_authentication

    require_recent_authentication(request)
    user = request.user
    if not any(device.method != "backup" for device in state.devices_of(user)):
        raise TwoFactorError("conflict", _("Set up a two-factor method before making backup codes."), status=409)
    with transaction.atomic():
        codes = _replace_backup_codes(user)
    emit(Kind.BACKUP_CODES_GENERATED, user=user, request=request, count=len(codes))
    return codes
