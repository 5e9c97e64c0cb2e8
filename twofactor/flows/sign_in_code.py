"""The code a method that sends codes (email, text message) sends at sign-in and for re-authentication: on
demand (`send_sign_in_code`, the API's POST /2fa/challenge and the page's "send me a code"), once as the sign-in
page opens (`send_on_arrival`), and what the page says of it (`code_status`)."""

import math
from dataclasses import dataclass

from django.utils import timezone

from .. import delivery
from ..core import registry
from ..sent_code.sending import SentCode, StoredTarget, not_a_code_method, send_code

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
    the code sent moments ago still works, and the page says when another may be asked for. A method that does
    not send on arrival (`Method.sends_on_arrival`), or sends no code, is sent nothing."""
    chosen = registry.get(method)
    if chosen is None or not (chosen.sends_code and chosen.sends_on_arrival):
        return
    record = request.session.get(ARRIVAL_KEY) or {}
    if record.get("sign_in") != started_at:
        record = {"sign_in": started_at, "methods": []}
    if method in record["methods"]:
        return
    request.session[ARRIVAL_KEY] = {"sign_in": started_at, "methods": [*record["methods"], method]}
    device = chosen.devices(request.user).first()
    if device is None or not device.generate_is_allowed()[0]:
        return
    send_sign_in_code(request, method)


def send_sign_in_code(request, method: str) -> SentCode:
    """Send a fresh code to the user's device of `method` (cooldown, caps, delivery failure → TwoFactorError)."""
    user = request.user
    sender = registry.get(method)
    if sender is None or not sender.sends_code:
        raise not_a_code_method()
    refused = sender.refusal(user)
    if refused is not None:
        raise refused
    return send_code(
        request,
        StoredTarget(sender.get_model().objects.filter(user=user, confirmed=True)),
        method=method,
        purpose=delivery.SIGN_IN,
        caps=lambda target: sender.caps(request, target, enrolment=False),
        deliver=lambda target, code: sender.deliver(
            target, code, purpose=delivery.SIGN_IN, user=user, host=delivery.origin_host(request)
        ),
    )
