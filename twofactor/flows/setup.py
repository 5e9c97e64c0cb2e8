"""Enrolling a method: pending in the session until a code from it is confirmed, then stored.

The pending enrolment is one record in the session (twofactor.state.enrolment) with what the method needs to
check the code (an encrypted key; a target and a hashed code for methods that send codes, see
twofactor.sent_code.enrolment). The method's `confirm_pending` turns it into a device.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .. import mailbox, state
from ..core import registry
from ..errors import TwoFactorError
from ..models import TwoFactorDevice
from ..sent_code.enrolment import send_setup_code
from ..sent_code.sending import SentCode
from ..signals import Kind, emit
from ..state.enrolment import PENDING_KEY, clear_pending, pending, record_failure, save_pending
from .signin import require_full_session, require_recent_authentication

__all__ = [
    "PENDING_KEY",
    "PendingCode",
    "StoredMethod",
    "clear_pending",
    "confirm",
    "current_setup",
    "ensure_method_is_new",
    "pending",
    "record_failure",
    "require_enrolment_allowed",
    "require_staff_method_first",
    "resend_setup_code",
    "save_pending",
    "send_setup_code",
    "store_method",
]


@dataclass(frozen=True)
class StoredMethod:
    device: TwoFactorDevice
    backup_codes: list[str] | None  # shown once, when this was the first method


@dataclass(frozen=True)
class PendingCode:
    """An enrolment waiting for the code that was sent to its target."""

    method: str
    masked_target: str


def require_enrolment_allowed(request, *, at_confirm: bool = False) -> None:
    """A method is added only by a session that proved a factor (the same rule for pages, API and admin).

    With methods already: the session passed its second step, and (when starting) re-authenticated
    recently, as for removing one. Without any: the session is the account's newest password
    sign-in (or re-authentication), younger than TWOFACTOR_SETUP_SECONDS.
    """
    user = request.user
    require_full_session(request)
    current = state.read(request)
    if any(not registry.for_device(device).recovery for device in state.devices_of(user)):
        if current is None or not current.verified or current.user_id != user.pk:
            raise TwoFactorError(
                "second_factor_required",
                _("Sign in with one of your two-factor methods before adding another."),
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


def ensure_method_is_new(user, method: str) -> None:
    """A method the user may start setting up: not one they hold, and for staff, a staff method first."""
    devices = state.devices_of(user)
    if any(device.method == method for device in devices):
        raise TwoFactorError(
            "conflict",
            _("You already use this method. Remove it first if you want to set it up again."),
            status=409,
        )
    require_staff_method_first(user, method, devices)


def require_staff_method_first(user, method: str, devices=None) -> None:
    """Staff and superusers hold a method that is not mailbox-bound (TWOFACTOR_STAFF_METHODS) before any other: a
    code by email alone would let whoever resets their password by email into the admin (twofactor.mailbox)."""
    if not mailbox.is_staff(user) or mailbox.staff_method(method):
        return
    if not mailbox.holds_staff_method(state.devices_of(user) if devices is None else devices):
        raise TwoFactorError(
            "staff_method_required",
            _("Staff accounts set up one of these first: %(methods)s. Then you may add other methods.")
            % {"methods": mailbox.staff_method_names()},
            status=403,
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


def resend_setup_code(request, method: str) -> SentCode:
    """Send a new code to the target of the enrolment in progress (the older code stops working)."""
    ensure_method_is_new(request.user, method)
    require_enrolment_allowed(request)
    record = pending(request)
    if not record or record.get("method") != method or not record.get("target"):
        raise TwoFactorError(
            "no_pending_setup", _("There is no set-up in progress, or it expired. Please start again."), status=409
        )
    return send_setup_code(request, registry.get(method), record["target"])


def current_setup(request, method: str) -> PendingCode | None:
    """The enrolment in progress for `method`, if a code was sent; conflict if the method exists."""
    ensure_method_is_new(request.user, method)
    record = pending(request)
    if not record or record.get("method") != method or not record.get("code_hash"):
        return None
    return PendingCode(method=method, masked_target=registry.get(method).mask(record["target"]))


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
        require_staff_method_first(user, device.method)
        if device.already_stored():
            raise TwoFactorError("conflict", _("This method is already set up."), status=409)
        device.save()
        codes = None
        for recovery in registry.recovery():
            if not recovery.get_model().objects.filter(user=user).exists():
                codes = recovery.provision(user) or codes
    clear_pending(request)
    ended = state.end_unproven_sessions(request, user)
    emit(Kind.METHOD_ADDED, user=user, request=request, method=device.method, name=device.name, sessions_ended=ended)
    if codes:
        emit(Kind.BACKUP_CODES_GENERATED, user=user, request=request, count=len(codes))
    state.mark_verified(request, device)
    return StoredMethod(device=device, backup_codes=codes)
