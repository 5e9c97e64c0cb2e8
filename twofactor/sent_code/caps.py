"""What limits sending: hourly caps (per account, and each method's own), the cooldown's answer, target keys."""

import hashlib
import hmac
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import ngettext

from .. import ratelimit
from ..app_settings import app_settings
from ..errors import TwoFactorError

logger = logging.getLogger("twofactor.challenge")

HOUR = 3600


@dataclass(frozen=True)
class SendCap:
    """An hourly cap on sent codes: `key` counts them, `error(retry_after)` is raised once `limit` is reached."""

    key: str
    limit: int
    error: object = None  # a callable (retry_after) -> TwoFactorError; too_many_codes when None
    log_level: int = logging.INFO
    name: str = ""  # in the log line; the key's third part ("account", "phone", …) when empty


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
                cap.name or cap.key.split(":")[2],
                cap.limit,
            )
            raise (cap.error or too_many_codes)(decision.retry_after)


def digest(target: str) -> str:
    """A rate-limit key part for a phone number or address that keeps it out of the counters table."""
    return hmac.new(settings.SECRET_KEY.encode(), target.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


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
