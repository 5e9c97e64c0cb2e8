"""The one path every sent code takes: sign-in codes, enrolment codes and rescue codes.

    send_code(request, holder, …)
        in one transaction: the holder reserves the target (a device row locked, or the target being enrolled)
        and honours its cooldown; one send is counted against each hourly cap; a fresh code is made and the
        holder keeps its hash. Then, outside the transaction, the code is handed to delivery: if that fails,
        the holder is put back as it was, the failure is logged and recorded (never the code) and 503 answers.

A sign-in or rescue code lives, hashed, on its device row (`StoredTarget`); an enrolment code in the pending
enrolment record in the session (`enrolment.NewTarget`), so nothing reaches the database before it is confirmed.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import delivery
from ..app_settings import app_settings
from ..codes import generate_numeric_code
from ..errors import TwoFactorError
from ..signals import Kind, emit
from .caps import SendCap, consume_caps, cooling_down
from .checking import CODE_DIGITS

logger = logging.getLogger("twofactor.challenge")

CODE_FIELDS = ["code_hash", "valid_until", "last_generated_timestamp"]
#: What a failed delivery tells the user, by purpose (a rescue has no other method to turn to).
DELIVERY_FAILED = {
    delivery.RESCUE: _("We could not send the code. Try again, or ask the administrators for help."),
}
DELIVERY_FAILED_DEFAULT = _("We could not send the code. Try again, or use another method.")


@dataclass(frozen=True)
class SentCode:
    """A code is on its way to `masked_target`; another may be asked for after `cooldown_seconds`."""

    masked_target: str
    cooldown_seconds: int


class StoredTarget:
    """A code for a device row (a method's device, or the rescue code): its hash is kept on the row.

    `devices` is a queryset whose first row is the device; `prepare(device)` may change the row before the code
    is stored with it (the rescue code: the address it goes to)."""

    def __init__(self, devices, *, prepare=None):
        self.devices, self.prepare = devices, prepare
        self.device, self.previous = None, {}

    def reserve(self) -> str:
        """Lock the row and honour its cooldown; the target the code goes to."""
        device = self.devices.select_for_update().first()
        if device is None:
            raise not_a_code_method()
        allowed, info = device.generate_is_allowed()
        if not allowed:
            raise cooling_down((info["next_generation_at"] - timezone.now()).total_seconds())
        self.previous = {field.attname: getattr(device, field.attname) for field in device._meta.concrete_fields}
        if self.prepare is not None:
            self.prepare(device)
        self.device = device
        return device.target

    @property
    def masked_target(self) -> str:
        return self.device.masked_target

    def keep(self, code: str) -> None:
        # Replaces (and so invalidates) the older code; the throttling failure count is left alone.
        device = self.device
        device.set_code(code)
        changed = [
            *CODE_FIELDS,
            *(
                name
                for name in self.previous
                if name not in CODE_FIELDS and getattr(device, name) != self.previous[name]
            ),
        ]
        self.previous = {name: self.previous[name] for name in changed}
        device.save(update_fields=changed)

    def undo(self) -> None:
        # Put the previous code back, unless the row moved on meanwhile (another send, or a sign-in).
        device = self.device
        type(device).objects.filter(pk=device.pk, code_hash=device.code_hash).update(**self.previous)

    def delivered(self) -> None:
        pass


def send_code(request, holder, *, method: str, purpose: str, caps, deliver) -> SentCode:
    """Send a fresh code through `holder` (a StoredTarget or an enrolment.NewTarget); see the module's story.

    `caps(target)` lists the SendCaps to count (it may raise TwoFactorError when no code may go to `target`);
    `deliver(target, code)` hands the code over or raises delivery.DeliveryError. `method` names the code in
    events and logs (a method's key, or the rescue code's). Cooldown, caps and delivery failures raise
    TwoFactorError (429, 429, 503).
    """
    user = request.user
    code = generate_numeric_code(CODE_DIGITS)
    with transaction.atomic():  # with the database store, a refused cap takes back the counts before it
        target = holder.reserve()
        consume_caps(user, caps(target))
        holder.keep(code)
    try:
        deliver(target, code)
    except delivery.DeliveryError as failure:
        holder.undo()
        raise _delivery_failed(request, method, holder.masked_target, purpose, failure) from None
    holder.delivered()
    masked = holder.masked_target
    logger.info("Sent the %s code (%s) to %s for user %s", method, purpose, masked, user.pk)
    if purpose == delivery.RESCUE:
        emit(Kind.RESCUE_CODE_SENT, user=user, request=request, method=method, target=masked)
    else:
        emit(Kind.CODE_SENT, user=user, request=request, method=method, target=masked, purpose=purpose)
    return SentCode(masked_target=masked, cooldown_seconds=app_settings.COOLDOWN_SECONDS)


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
    return TwoFactorError("delivery_failed", DELIVERY_FAILED.get(purpose, DELIVERY_FAILED_DEFAULT), status=503)


def not_a_code_method() -> TwoFactorError:
    return TwoFactorError("invalid_method", _("This method does not send codes."), fields={"method": "invalid"})


__all__ = ["SendCap", "SentCode", "StoredTarget", "not_a_code_method", "send_code"]
