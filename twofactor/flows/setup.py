"""Enrolling a method: pending in the session until a code from it is confirmed, then stored.

The pending enrolment is one record in the session:
    request.session["twofactor_setup"] = {"method": <key>, "started_at": …, "failures": 0, …}
with what the method needs to check the code (an encrypted key; a target and a hashed code for methods
that send codes, see flows.challenge). The method's `confirm_pending` turns it into a device.
"""

import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .. import state
from ..methods import registry
from ..models import TwoFactorDevice
from ..signals import Kind, emit
from .errors import TwoFactorError

PENDING_KEY = "twofactor_setup"
PENDING_LIFETIME_SECONDS = 30 * 60
MAX_PENDING_FAILURES = 10


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


def ensure_method_is_new(user, method: str) -> None:
    if any(device.method == method for device in state.devices_of(user)):
        raise TwoFactorError(
            "conflict",
            _("You already use this method. Remove it first if you want to set it up again."),
            status=409,
        )


def confirm(request, code: str) -> StoredMethod:
    """Store the pending method once a code from it checks out."""
    record = pending(request)
    if record is None:
        raise TwoFactorError(
            "no_pending_setup", _("There is no set-up in progress, or it expired. Please start again."), status=409
        )
    method = registry.get(record.get("method"))
    if method is None:
        clear_pending(request)
        raise TwoFactorError(
            "no_pending_setup", _("There is no set-up in progress, or it expired. Please start again."), status=409
        )
    return store_method(request, method.confirm_pending(request, record, code))


def record_failure(request, record: dict) -> None:
    record["failures"] = record.get("failures", 0) + 1
    if record["failures"] >= MAX_PENDING_FAILURES:
        clear_pending(request)
        raise TwoFactorError(
            "throttled",
            _("Too many wrong codes. The set-up was cancelled; please start again."),
            status=429,
            retry_after=1,
        )
    request.session[PENDING_KEY] = record


def store_method(request, device: TwoFactorDevice) -> StoredMethod:
    """Save a confirmed device; the first method also gets a set of backup codes."""
    user = request.user
    with transaction.atomic():
        # Lock the user row so two concurrent confirmations cannot store the method twice.
        get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
        if type(device).objects.filter(user=user, confirmed=True).exists():
            raise TwoFactorError("conflict", _("This method is already set up."), status=409)
        device.save()
        codes = None
        for recovery in registry.recovery():
            if not recovery.get_model().objects.filter(user=user).exists():
                codes = recovery.provision(user) or codes
    clear_pending(request)
    emit(Kind.METHOD_ADDED, user=user, request=request, method=device.method, name=device.name)
    if codes:
        emit(Kind.BACKUP_CODES_GENERATED, user=user, request=request, count=len(codes))
    state.mark_verified(request, device)
    return StoredMethod(device=device, backup_codes=codes)
