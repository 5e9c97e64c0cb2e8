"""Codes sent by email or SMS: at sign-in, and to prove a new target during enrolment.

A sign-in code lives, hashed, on the device row. An enrolment code lives, hashed, in the
pending record in the session, so nothing reaches the database before it is confirmed:

    request.session["twofactor_setup"] = {"method": "sms", "target": "+14155550123", "code_hash": …,
                                          "valid_until": …, "sent_at": …, "started_at": …, "failures": 0}

Every send passes the cooldown (per device; per target while enrolling) and the hourly caps
(per account, per phone number, site-wide for SMS), all kept by twofactor.ratelimit in the
database or the shared cache. The code is handed to delivery outside any transaction; if
that fails, the device (or the session) is left exactly as it was.
"""
import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import delivery, ratelimit
from ..app_settings import app_settings
from ..codes import generate_numeric_code, hash_code, matches_hash, normalize_numeric_code
from ..models.devices import EmailDevice, SentCodeDevice, SMSDevice, masked_email, masked_phone
from ..client_info import client_ip
from ..phone import parse_phone, region_allowed
from ..signals import Kind, emit
from . import setup
from .errors import TwoFactorError, invalid_code

logger = logging.getLogger("twofactor.challenge")

CODE_DEVICES: dict[str, type[SentCodeDevice]] = {"email": EmailDevice, "sms": SMSDevice}
CODE_FIELDS = ["code_hash", "valid_until", "last_generated_timestamp"]
HOUR = 3600


@dataclass(frozen=True)
class SentCode:
    """A code is on its way to `masked_target`; another may be asked for after `cooldown_seconds`."""

    masked_target: str
    cooldown_seconds: int


@dataclass(frozen=True)
class PendingCode:
    """An email or SMS enrolment waiting for the code that was sent to its target."""

    method: str
    masked_target: str


# Sign-in

def send_sign_in_code(request, method: str) -> SentCode:
    """Send a fresh code to the user's email or SMS device (cooldown, caps, delivery failure → TwoFactorError)."""
    user = request.user
    model = CODE_DEVICES.get(method)
    if model is None:
        raise _not_a_code_method()
    if method == "email":
        from .rescue import email_factor_refusal

        refused = email_factor_refusal(user)
        if refused is not None:
            raise refused
    code = generate_numeric_code()
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise _not_a_code_method()
        allowed, info = device.generate_is_allowed()
        if not allowed:
            raise _cooling_down((info["next_generation_at"] - timezone.now()).total_seconds())
        if method == "sms" and not region_allowed(device.target):
            raise TwoFactorError("invalid_method", _("This site cannot send text messages to your number's "
                                                     "country any more. Use another method."), status=400)
        _consume_caps(request, method, device.target, enrolment=False)
        previous = {field: getattr(device, field) for field in CODE_FIELDS}
        # Replaces (and so invalidates) the older code; the throttling failure count is left alone.
        device.set_code(code)
        device.save(update_fields=CODE_FIELDS)
    try:
        delivery.send_code(method, device.target, code, purpose=delivery.SIGN_IN, user=user)
    except delivery.DeliveryError as failure:
        # Put the previous code back, unless the row moved on meanwhile (another send, or a sign-in).
        model.objects.filter(pk=device.pk, code_hash=device.code_hash).update(**previous)
        raise _delivery_failed(request, method, device.masked_target, delivery.SIGN_IN, failure) from None
    return _sent(request, method, device.masked_target, delivery.SIGN_IN)


# Enrolment

def begin_email_setup(request, email: str | None = None) -> SentCode:
    """Send a confirmation code to the account's address, or to `email` when the user gave another one."""
    user = request.user
    setup._ensure_method_is_new(user, "email")
    setup.require_enrolment_allowed(request)
    address = (email or "").strip() or getattr(user, user.get_email_field_name(), "") or ""
    if not address:
        raise TwoFactorError(
            "invalid_email", _("Your account has no email address. Enter the address to send codes to."),
            fields={"email": "required"},
        )
    try:
        validate_email(address)
    except ValidationError:
        raise TwoFactorError(
            "invalid_email", _("Enter a valid email address."), fields={"email": "invalid"}
        ) from None
    return _send_setup_code(request, "email", address)


def begin_sms_setup(request, phone: str) -> SentCode:
    """Validate `phone` (E.164 or national format in PHONENUMBER_DEFAULT_REGION) and text it a confirmation code."""
    setup._ensure_method_is_new(request.user, "sms")
    try:
        number = parse_phone(phone)
    except ValidationError as error:
        raise TwoFactorError("invalid_phone", error.messages[0], fields={"phone": error.code or "invalid"}) from None
    setup.require_enrolment_allowed(request)
    return _send_setup_code(request, "sms", number.as_e164)


def resend_setup_code(request, method: str) -> SentCode:
    """Send a new code to the target of the email or SMS enrolment in progress (the older code stops working)."""
    setup._ensure_method_is_new(request.user, method)
    setup.require_enrolment_allowed(request)
    record = setup.pending(request)
    if not record or record.get("method") != method or not record.get("target"):
        raise TwoFactorError(
            "no_pending_setup", _("There is no set-up in progress, or it expired. Please start again."), status=409
        )
    return _send_setup_code(request, method, record["target"])


def current_setup(request, method: str) -> PendingCode | None:
    """The email or SMS enrolment in progress for `method`, if a code was sent; conflict if the method exists."""
    setup._ensure_method_is_new(request.user, method)
    record = setup.pending(request)
    if not record or record.get("method") != method or not record.get("code_hash"):
        return None
    return PendingCode(method=method, masked_target=_masked(method, record["target"]))


def check_pending_code(request, record: dict, code: str):
    """Check the code of a pending email/SMS enrolment; return the unsaved, confirmed device."""
    method = record.get("method")
    if method not in CODE_DEVICES or not record.get("code_hash"):
        raise TwoFactorError("no_pending_setup", _("There is no set-up in progress."), status=409)
    if time.time() > record.get("valid_until", 0):
        raise TwoFactorError("code_expired", _("That code has expired. Ask for a new one."))
    normalized = normalize_numeric_code(code, 6)
    if normalized is None or not matches_hash(normalized, record["code_hash"]):
        setup._record_failure(request, record)
        raise invalid_code()
    if method == "email":
        return EmailDevice(user=request.user, name=str(_("Code by email")), email=record["target"], confirmed=True)
    return SMSDevice(user=request.user, name=str(_("Code by text message")), phone_number=record["target"],
                     confirmed=True)


def _send_setup_code(request, method: str, target: str) -> SentCode:
    user = request.user
    masked = _masked(method, target)
    previous = setup.pending(request)
    same_method = previous if previous and previous.get("method") == method else None
    now = time.time()
    cooldown = min(app_settings.COOLDOWN_SECONDS, ratelimit.MAX_WINDOW_SECONDS)
    if same_method and same_method.get("target") == target and same_method.get("sent_at", 0) + cooldown > now:
        raise _cooling_down(same_method["sent_at"] + cooldown - now)
    cooldown_key = f"twofactor:cooldown:{method}:{_digest(target)}"
    with transaction.atomic():  # with the database store, a refused cap takes back the counts before it
        if cooldown > 0:
            # Holds across sessions and accounts: one code per target per cooldown window.
            decision = ratelimit.consume(cooldown_key, 1, cooldown)
            if not decision.allowed:
                raise _cooling_down(decision.retry_after)
        _consume_caps(request, method, target, enrolment=True)
    code = generate_numeric_code()
    try:
        delivery.send_code(method, target, code, purpose=delivery.CONFIRM, user=user)
    except delivery.DeliveryError as failure:
        if cooldown > 0:
            ratelimit.reset(cooldown_key)  # nothing arrived, so "try again" may be taken at its word
        raise _delivery_failed(request, method, masked, delivery.CONFIRM, failure) from None
    request.session[setup.PENDING_KEY] = {
        "method": method,
        "target": target,
        "code_hash": hash_code(code),
        "valid_until": now + app_settings.CODE_VALIDITY_SECONDS,
        "sent_at": now,
        "started_at": now,
        # A new code does not wipe out the wrong guesses made against the previous one.
        "failures": same_method.get("failures", 0) if same_method else 0,
    }
    return _sent(request, method, masked, delivery.CONFIRM)


# Shared steps

def _consume_caps(request, method: str, target: str, *, enrolment: bool) -> None:
    """Count one send against each hourly cap, raising TwoFactorError (429) at the first one reached.

    Texts to numbers being enrolled (not yet proven) spend budgets of their own, per client address
    and site-wide, so sign-up spam can never use up the texts that users signing in need.
    """
    user = request.user
    caps = [(f"twofactor:send:account:{user.pk}", app_settings.SEND_LIMIT_PER_ACCOUNT_HOUR, _too_many_codes)]
    if method == "sms":
        caps.append(
            (f"twofactor:send:phone:{_digest(target)}", app_settings.SEND_LIMIT_PER_PHONE_HOUR, _too_many_codes))
        if enrolment:
            caps += [
                (f"twofactor:send:sms-enrolment-ip:{client_ip(request)}", app_settings.SMS_ENROLMENT_LIMIT_PER_IP_HOUR,
                 _too_many_codes),
                ("twofactor:send:sms-site-enrolment", app_settings.SMS_ENROLMENT_LIMIT_SITE_HOUR, _sms_unavailable),
            ]
        else:
            caps.append(("twofactor:send:sms-site", app_settings.SMS_LIMIT_SITE_HOUR, _sms_unavailable))
    for key, limit, error in caps:
        decision = ratelimit.consume(key, limit, HOUR)
        if not decision.allowed:
            level = logging.WARNING if error is _sms_unavailable else logging.INFO
            logger.log(level, "Code not sent to user %s: hourly cap %s (%d) reached", user.pk, key.split(":")[2], limit)
            raise error(decision.retry_after)


def _sent(request, method: str, masked_target: str, purpose: str) -> SentCode:
    logger.info("Sent the %s code (%s) to %s for user %s", method, purpose, masked_target, request.user.pk)
    emit(Kind.CODE_SENT, user=request.user, request=request, method=method, target=masked_target, purpose=purpose)
    return SentCode(masked_target=masked_target, cooldown_seconds=app_settings.COOLDOWN_SECONDS)


def _delivery_failed(request, method: str, masked_target: str, purpose: str, failure: Exception) -> TwoFactorError:
    """Log and record a failed delivery (never with the code); the error to raise."""
    reason = str(failure)
    logger.warning("Could not send the %s code (%s) to %s for user %s: %s", method, purpose, masked_target,
                   request.user.pk, reason)
    emit(Kind.DELIVERY_FAILED, user=request.user, request=request, method=method, target=masked_target,
         purpose=purpose, reason=reason[:200])
    return TwoFactorError("delivery_failed", _("We could not send the code. Try again, or use another method."),
                          status=503)


def _masked(method: str, target: str) -> str:
    return masked_email(target) if method == "email" else masked_phone(target)


def _digest(target: str) -> str:
    """A rate-limit key part for a phone number or address that keeps it out of the counters table."""
    return hmac.new(settings.SECRET_KEY.encode(), target.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def _not_a_code_method() -> TwoFactorError:
    return TwoFactorError("invalid_method", _("This method does not send codes."), fields={"method": "invalid"})


def _cooling_down(seconds: float) -> TwoFactorError:
    wait = max(1, math.ceil(seconds))
    message = ngettext(
        "A code was sent moments ago. You can ask for another in %(seconds)d second.",
        "A code was sent moments ago. You can ask for another in %(seconds)d seconds.",
        wait,
    ) % {"seconds": wait}
    return TwoFactorError("throttled", message, status=429, retry_after=wait)


def _too_many_codes(retry_after: int) -> TwoFactorError:
    minutes = max(1, math.ceil(retry_after / 60))
    message = ngettext(
        "Too many codes were sent. Try again in %(minutes)d minute, or use another method.",
        "Too many codes were sent. Try again in %(minutes)d minutes, or use another method.",
        minutes,
    ) % {"minutes": minutes}
    return TwoFactorError("throttled", message, status=429, retry_after=retry_after)


def _sms_unavailable(retry_after: int) -> TwoFactorError:
    return TwoFactorError(
        "throttled", _("Text messages are not available right now. Try again later, or use another method."),
        status=429, retry_after=retry_after,
    )
