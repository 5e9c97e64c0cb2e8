"""The one function through which every code is checked.

It locks the device row for the whole check (`select_for_update` inside
`transaction.atomic`; on SQLite the immediate transaction serialises writers), so of many
concurrent submissions of one code exactly one is accepted, and every failure is counted:
the throttle counter is read and written under the same lock.
"""

import logging
import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_otp.models import Device

logger = logging.getLogger("twofactor.verification")


@dataclass(frozen=True)
class VerifyResult:
    """What happened to one submitted code."""

    accepted: bool
    device: Device | None  # a twofactor.models.TwoFactorDevice
    throttled: bool = False
    retry_after: int = 0
    failure_count: int = 0


def verify_code(device: Device, code: str) -> VerifyResult:
    """Check `code` against `device` exactly once, under a row lock, honouring throttling."""
    return verify_first(type(device).objects.filter(pk=device.pk), code)


def verify_first(devices: QuerySet, code: str) -> VerifyResult:
    """`verify_code` for the first confirmed device of `devices` (a queryset of one device model), found and
    locked in one query; the result's `device` is None when there is none."""
    with transaction.atomic():
        locked = devices.select_for_update().filter(confirmed=True).first()
        if locked is None:
            return VerifyResult(accepted=False, device=None)
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            wait = (info["locked_until"] - timezone.now()).total_seconds() if info else 1
            return VerifyResult(
                accepted=False,
                device=locked,
                throttled=True,
                retry_after=max(1, math.ceil(wait)),
                failure_count=locked.throttling_failure_count,
            )
        if locked.check_code(code):
            locked.throttle_reset(commit=False)
            locked.set_last_used_timestamp(commit=False)
            locked.save()
            logger.info("code accepted for device %s", locked.persistent_id)
            return VerifyResult(accepted=True, device=locked)
        locked.throttle_increment(commit=True)
        logger.info("code rejected for device %s (failure %d)", locked.persistent_id, locked.throttling_failure_count)
        return VerifyResult(accepted=False, device=locked, failure_count=locked.throttling_failure_count)
