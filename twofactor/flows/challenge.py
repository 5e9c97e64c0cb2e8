"""Codes sent on demand (methods with `sends_code`): at sign-in, and to prove a new target during enrolment.

A sign-in code lives, hashed, on the device row. An enrolment code lives, hashed, in the
pending record in the session, so nothing reaches the database before it is confirmed:

    request.session["twofactor_setup"] = {"method": <key>, "target": "+14155550123", "code_hash": …,
                                          "valid_until": …, "sent_at": …, "started_at": …, "failures": 0}

Every send passes the cooldown (per device; per target while enrolling) and the hourly caps
(per account, plus the method's own: per phone number and site-wide for text messages), all kept by twofactor.ratelimit in the
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
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import delivery, ratelimit
from ..app_settings import app_settings
from ..codes import generate_numeric_code, hash_code, matches_hash, normalize_numeric_code
from ..core import registry
from ..signals import Kind, emit
from . import setup
from .errors import TwoFactorError, invalid_code

logger = logging.getLogger("twofactor.challenge")

CODE_FIELDS = ["code_hash", "valid_until", "last_generated_timestamp"]
HOUR = 3600


@dataclass(frozen=True)
class SentCode:
    """A code is on its way to `masked_target`; another may be asked for after `cooldown_seconds`."""

    masked_target: str
    cooldown_seconds: int


@dataclass(frozen=True)
class PendingCode:
    """An enrolment waiting for the code that was sent to its target."""

    method: str
    masked_target: str


# Sign-in

ARRIVAL_KEY = "twofactor_sent_on_arrival"


@dataclass(frozen=True)
class CodeStatus:
    """What the sign-in page says about a device's code: where it goes, whether one is out, when another may go."""

    masked_target: str
    sent: bool
    wait_seconds: int


def code_status(device) -> CodeStatus:
    """The state of `device`'s code as of now (a code is out until it expires or is used)."""
    device.refresh_from_db()
    now = timezone.now()
    allowed, info = device.generate_is_allowed()
    wait = 0 if allowed else max(1, math.ceil((info["next_generation_at"] - now).total_seconds()))
    sent = bool(device.code_hash) and device.valid_until is not None and device.valid_until > now
    return CodeStatus(masked_target=device.masked_target, sent=sent, wait_seconds=wait)


def send_on_arrival(request, method: str, started_at: float) -> None:
    """Send the sign-in code the first time the sign-in page shows `method` during the sign-in begun at
    `started_at`; a reload (or a second tab) sends nothing. Inside the cooldown nothing is sent either:
    the code sent moments ago still works, and the page says when another may be asked for."""
    record = request.session.get(ARRIVAL_KEY) or {}
    if record.get("sign_in") != started_at:
        record = {"sign_in": started_at, "methods": []}
    if method in record["methods"]:
        return
    request.session[ARRIVAL_KEY] = {"sign_in": started_at, "methods": [*record["methods"], method]}
    device = registry.get(method).devices(request.user).first()
    if device is None or not device.generate_is_allowed()[0]:
        return
    send_sign_in_code(request, method)


def send_sign_in_code(request, method: str) -> SentCode:
    """Send a fresh code to the user's device of `method` (cooldown, caps, delivery failure → TwoFactorError)."""
    user = request.user
    sender = registry.get(method)
    if sender is None or not sender.sends_code:
        raise _not_a_code_method()
    refused = sender.refusal(user)
    if refused is not None:
        raise refused
    devices = sender.get_model().objects.filter(user=user, confirmed=True)
    try:
        device = send_to_device(
            devices,
            count=lambda device: _consume_caps(request, sender, device.target, enrolment=False),
            deliver=lambda target, code: sender.deliver(
                target, code, purpose=delivery.SIGN_IN, user=user, host=delivery.origin_host(request)
            ),
        )
    except DeliveryFailed as failed:
        raise _delivery_failed(request, method, failed.device.masked_target, delivery.SIGN_IN, failed.error) from None
    return _sent(request, method, device.masked_target, delivery.SIGN_IN)


class DeliveryFailed(Exception):
    """`device`'s code could not be handed over (`error`); the device row is as it was before the send."""

    def __init__(self, device, error: delivery.DeliveryError):
        super().__init__(str(error))
        self.device, self.error = device, error


def send_to_device(devices, *, count, deliver, update: dict | None = None):
    """The one path every code sent to a stored device takes (sign-in codes, rescue codes).

    Locks the device row (the first of `devices`), honours its cooldown, counts the send (`count(device)`
    raises TwoFactorError at a cap), stores the new code's hash (with the `update` field values), then hands
    the code to `deliver(target, code)` outside the transaction. If that fails, the row is put back as it was
    (unless it moved on meanwhile) and DeliveryFailed is raised. Returns the device.
    """
    update = update or {}
    code = generate_numeric_code()
    with transaction.atomic():
        device = devices.select_for_update().first()
        if device is None:
            raise _not_a_code_method()
        allowed, info = device.generate_is_allowed()
        if not allowed:
            raise cooling_down((info["next_generation_at"] - timezone.now()).total_seconds())
        count(device)
        fields = [*CODE_FIELDS, *update]
        previous = {field: getattr(device, field) for field in fields}
        for field, value in update.items():
            setattr(device, field, value)
        # Replaces (and so invalidates) the older code; the throttling failure count is left alone.
        device.set_code(code)
        device.save(update_fields=fields)
    try:
        deliver(device.target, code)
    except delivery.DeliveryError as error:
        # Put the previous code back, unless the row moved on meanwhile (another send, or a sign-in).
        type(device).objects.filter(pk=device.pk, code_hash=device.code_hash).update(**previous)
        raise DeliveryFailed(device, error) from None
    return device


# Enrolment


def resend_setup_code(request, method: str) -> SentCode:
    """Send a new code to the target of the enrolment in progress (the older code stops working)."""
    setup.ensure_method_is_new(request.user, method)
    setup.require_enrolment_allowed(request)
    record = setup.pending(request)
    if not record or record.get("method") != method or not record.get("target"):
        raise TwoFactorError(
            "no_pending_setup", _("There is no set-up in progress, or it expired. Please start again."), status=409
        )
    return send_setup_code(request, registry.get(method), record["target"])


def current_setup(request, method: str) -> PendingCode | None:
    """The enrolment in progress for `method`, if a code was sent; conflict if the method exists."""
    setup.ensure_method_is_new(request.user, method)
    record = setup.pending(request)
    if not record or record.get("method") != method or not record.get("code_hash"):
        return None
    return PendingCode(method=method, masked_target=registry.get(method).mask(record["target"]))


def check_pending_code(request, record: dict, code: str) -> str:
    """Check the code of a pending enrolment whose code was sent; return the target it proves."""
    if not record.get("code_hash"):
        raise TwoFactorError("no_pending_setup", _("There is no set-up in progress."), status=409)
    if time.time() > record.get("valid_until", 0):
        raise TwoFactorError("code_expired", _("That code has expired. Ask for a new one."))
    normalized = normalize_numeric_code(code, 6)
    if normalized is None or not matches_hash(normalized, record["code_hash"]):
        setup.record_failure(request, record)
        raise invalid_code()
    return record["target"]


def send_setup_code(request, sender, target: str) -> SentCode:
    """Send a code proving `target` for an enrolment of the method `sender` (cooldown per target, caps)."""
    user = request.user
    method = sender.key
    masked = sender.mask(target)
    previous = setup.pending(request)
    same_method = previous if previous and previous.get("method") == method else None
    now = time.time()
    cooldown = min(app_settings.COOLDOWN_SECONDS, ratelimit.MAX_WINDOW_SECONDS)
    if same_method and same_method.get("target") == target and same_method.get("sent_at", 0) + cooldown > now:
        raise cooling_down(same_method["sent_at"] + cooldown - now)
    cooldown_key = f"twofactor:cooldown:{method}:{digest(target)}"
    with transaction.atomic():  # with the database store, a refused cap takes back the counts before it
        if cooldown > 0:
            # Holds across sessions and accounts: one code per target per cooldown window.
            decision = ratelimit.consume(cooldown_key, 1, cooldown)
            if not decision.allowed:
                raise cooling_down(decision.retry_after)
        _consume_caps(request, sender, target, enrolment=True)
    code = generate_numeric_code()
    try:
        sender.deliver(target, code, purpose=delivery.CONFIRM, user=user, host=delivery.origin_host(request))
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


@dataclass(frozen=True)
class SendCap:
    """An hourly cap on sent codes: `key` counts them, `error(retry_after)` is raised once `limit` is reached."""

    key: str
    limit: int
    error: object = None  # a callable (retry_after) -> TwoFactorError; too_many_codes when None
    log_level: int = logging.INFO


def _consume_caps(request, sender, target: str, *, enrolment: bool) -> None:
    """Count one send against each hourly cap, raising TwoFactorError (429) at the first one reached.

    The method may refuse the target first (`check_target`) and adds caps of its own (`send_caps`): a target
    being enrolled (not yet proven) may spend budgets of its own.
    """
    sender.check_target(target)
    consume_caps(request.user, [account_cap(request.user), *sender.send_caps(request, target, enrolment=enrolment)])


def account_cap(user) -> SendCap:
    """Codes of every kind (sign-in, enrolment, rescue) one account may be sent per hour."""
    return SendCap(f"twofactor:send:account:{user.pk}", app_settings.SEND_LIMIT_PER_ACCOUNT_HOUR)


def consume_caps(user, caps: list[SendCap]) -> None:
    """Count one send against each cap, raising its TwoFactorError (429) at the first one reached."""
    for cap in caps:
        decision = ratelimit.consume(cap.key, cap.limit, HOUR)
        if not decision.allowed:
            logger.log(
                cap.log_level,
                "Code not sent to user %s: hourly cap %s (%d) reached",
                user.pk,
                cap.key.split(":")[2],
                cap.limit,
            )
            raise (cap.error or too_many_codes)(decision.retry_after)


def _sent(request, method: str, masked_target: str, purpose: str) -> SentCode:
    logger.info("Sent the %s code (%s) to %s for user %s", method, purpose, masked_target, request.user.pk)
    emit(Kind.CODE_SENT, user=request.user, request=request, method=method, target=masked_target, purpose=purpose)
    return SentCode(masked_target=masked_target, cooldown_seconds=app_settings.COOLDOWN_SECONDS)


def _delivery_failed(request, method: str, masked_target: str, purpose: str, failure: Exception) -> TwoFactorError:
    """Log and record a failed delivery (never with the code); the error to raise."""
    reason = str(failure)
    logger.warning(
        "Could not send the %s code (%s) to %s for user %s: %s", method, purpose, masked_target, request.user.pk, reason
    )
    emit(
        Kind.DELIVERY_FAILED,
        user=request.user,
        request=request,
        method=method,
        target=masked_target,
        purpose=purpose,
        reason=reason[:200],
    )
    return TwoFactorError(
        "delivery_failed", _("We could not send the code. Try again, or use another method."), status=503
    )


def digest(target: str) -> str:
    """A rate-limit key part for a phone number or address that keeps it out of the counters table."""
    return hmac.new(settings.SECRET_KEY.encode(), target.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def _not_a_code_method() -> TwoFactorError:
    return TwoFactorError("invalid_method", _("This method does not send codes."), fields={"method": "invalid"})


def cooling_down(seconds: float) -> TwoFactorError:
    wait = max(1, math.ceil(seconds))
    message = ngettext(
        "A code was sent moments ago. You can ask for another in %(seconds)d second.",
        "A code was sent moments ago. You can ask for another in %(seconds)d seconds.",
        wait,
    ) % {"seconds": wait}
    return TwoFactorError("throttled", message, status=429, retry_after=wait)


def too_many_codes(retry_after: int) -> TwoFactorError:
    minutes = max(1, math.ceil(retry_after / 60))
    message = ngettext(
        "Too many codes were sent. Try again in %(minutes)d minute, or use another method.",
        "Too many codes were sent. Try again in %(minutes)d minutes, or use another method.",
        minutes,
    ) % {"minutes": minutes}
    return TwoFactorError("throttled", message, status=429, retry_after=retry_after)
