"""Lost devices: the rescue page's options, and the staff decisions on rescue requests.

A user whose password step succeeded but who cannot pass the second step may
- use a recovery code (backup codes: the ordinary `flows.verify(request, code, method=<its key>)`),
- ask for a one-time code mailed to the account's address (`send_rescue_code`, then
  `verify_rescue_code`), when TWOFACTOR_RESCUE_BY_EMAIL allows it, or
- file a rescue request for the administrators (`file_rescue_request`).
Staff then approve (two-factor is reset) or deny it (`approve_rescue_request`, `deny_rescue_request`).
Every submission counts against TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR.
"""

import math
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import delivery, mailbox, ratelimit, state
from ..app_settings import app_settings
from ..client_info import budget_address, client_ip, user_agent
from ..core import registry
from ..core.method import Method
from ..errors import TwoFactorError
from ..models import RescueCodeDevice, RescueRequest
from ..models.devices import masked_email
from ..sent_code.caps import HOUR, SendCap, account_cap
from ..sent_code.sending import SentCode, StoredTarget, send_code
from ..signals import Kind, emit
from ..users import account_address
from .manage import require_staff_step_up, require_standing, reset_user
from .signin import check_device_code, pending_sign_in

TRIMMED_MARKER = "[…]\n"


@dataclass(frozen=True)
class RescueOptions:
    """What the rescue page can offer this user right now."""

    recovery: list[Method]  # recovery methods (backup codes) the user can still use
    email: bool  # a code may be mailed to the account's address
    email_refused: str  # why not, when the site offers codes by email but not to this account now
    masked_email: str
    code_sent: bool  # a mailed rescue code is waiting to be entered
    code_valid_minutes: int
    open_request: RescueRequest | None


def rescue_options(request) -> RescueOptions:
    """The options of the rescue page for the user whose second step is pending."""
    user = _pending_user(request)
    recovery = [
        method for method in registry.recovery() if any(method.usable(device) for device in method.devices(user))
    ]
    address = account_address(user)
    device = RescueCodeDevice.objects.filter(user=user, confirmed=True).first()
    refused = email_rescue_refusal(user) if app_settings.RESCUE_BY_EMAIL and address else None
    return RescueOptions(
        recovery=recovery,
        email=app_settings.RESCUE_BY_EMAIL and bool(address) and refused is None,
        email_refused=str(refused.message) if refused else "",
        masked_email=masked_email(address) if address else "",
        code_sent=bool(device and device.valid_until and device.valid_until > timezone.now()),
        code_valid_minutes=max(1, math.ceil(app_settings.CODE_VALIDITY_SECONDS / 60)),
        open_request=RescueRequest.objects.filter(user=user, status=RescueRequest.Status.OPEN).first(),
    )


# The user's side


def email_rescue_refusal(user) -> TwoFactorError | None:
    """Why a rescue code by email may not replace this user's second step, if it may not.

    The mailbox must never stand in for both factors: not for staff (whose session opens the
    admin), and not for anyone whose password was set through that same mailbox (twofactor.mailbox), however
    long ago.
    """
    if user.is_staff or user.is_superuser:
        return TwoFactorError(
            "rescue_by_email_refused",
            _(
                "Staff accounts cannot be rescued with a code by email: your mailbox alone must never open the "
                "admin. Use a backup code, or ask the administrators for help."
            ),
            status=403,
        )
    if mailbox.password_from_mailbox(user):
        return TwoFactorError(
            "rescue_by_email_refused",
            _(
                "Your password was reset by email, so a code by email cannot replace your second step as well: "
                "whoever reads your mailbox would have both. Use a backup code, or ask the administrators for help."
            ),
            status=403,
        )
    return None


def send_rescue_code(request) -> SentCode:
    """Mail a one-time code to the account's address (valid CODE_VALIDITY_SECONDS, 10 minutes by default)."""
    user = _pending_user(request)
    if not app_settings.RESCUE_BY_EMAIL:
        raise TwoFactorError(
            "rescue_by_email_disabled",
            _("This site does not send rescue codes by email. Use a backup code or ask the administrators for help."),
            status=403,
        )
    refused = email_rescue_refusal(user)
    if refused is not None:
        raise refused
    address = account_address(user)
    if not address:
        raise TwoFactorError(
            "no_email", _("Your account has no email address. Ask the administrators for help instead."), status=409
        )
    RescueCodeDevice.objects.get_or_create(
        user=user, defaults={"name": str(_("Rescue code by email")), "confirmed": False}
    )
    return send_code(
        request,
        StoredTarget(RescueCodeDevice.objects.filter(user=user), prepare=lambda device: device.aim_at(address)),
        method=RescueCodeDevice.method,
        purpose=delivery.RESCUE,
        # A rescue code is a code sent to the account: it spends the account's hourly cap on codes as well.
        caps=lambda target: [account_cap(user), _submission_cap(user)],
        deliver=lambda target, code: delivery.send_code_email(
            target, code, purpose=delivery.RESCUE, user=user, host=delivery.origin_host(request)
        ),
    )


def verify_rescue_code(request, code: str) -> None:
    """Complete the pending sign-in with the mailed rescue code (once, under a row lock, throttled)."""
    user = _pending_user(request)
    refused = email_rescue_refusal(user)  # also for a code mailed before the refusal began
    if refused is not None:
        raise refused
    device = RescueCodeDevice.objects.filter(user=user).first()
    if device is None:
        raise TwoFactorError("no_code_sent", _("Ask for a rescue code first."), status=409)
    state.mark_verified(request, check_device_code(request, user, device, code))
    emit(Kind.SIGNED_IN, user=user, request=request, method=device.method, remembered=False)
    # A limited session (flows.signin.require_full_session), and the owner told on every channel: the mailbox may be
    # the intruder's, the phone is not.
    emit(Kind.RESCUE_SESSION, user=user, request=request, hours=app_settings.RESCUE_WAIT_HOURS)


def file_rescue_request(request, message: str) -> RescueRequest:
    """Ask the administrators for help; a second submission adds to the user's open request."""
    user = _pending_user(request)
    message = clean_message(message)
    _count_submission(user, request)
    with transaction.atomic():
        rescue, created = _open_request_for_update(user, message, request)
        if not created:
            rescue.message = _appended(rescue.message, message)
            rescue.save(update_fields=["message", "updated_at"])
    emit(
        Kind.RESCUE_FILED,
        user=user,
        request=request,
        rescue_request=rescue.pk,
        added_to_open=not created,
        message_length=len(message),
    )
    return rescue


def clean_message(message) -> str:
    """The message as stored: text, stripped, without NUL characters, at most MESSAGE_MAX_LENGTH long."""
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise TwoFactorError("invalid_message", _("The message must be text."), fields={"message": "invalid"})
    message = message.replace("\x00", "").strip()
    limit = RescueRequest.MESSAGE_MAX_LENGTH
    if len(message) > limit:
        raise TwoFactorError(
            "invalid_message",
            _("Keep your message under %(limit)d characters (it has %(length)d).")
            % {"limit": limit, "length": len(message)},
            fields={"message": "max_length"},
        )
    return message


# The staff's side


def approve_rescue_request(rescue: RescueRequest, *, actor, request=None, note: str = "") -> RescueRequest:
    """Approve an open request: reset the user's two-factor (every method and session goes). The actor must
    outrank the user (flows.manage.require_standing), checked before anything changes."""
    require_standing(actor, rescue.user, request=request, action="approve")
    require_staff_step_up(actor, request)
    with transaction.atomic():
        rescue = _lock_open(rescue)
        _mark_handled(rescue, RescueRequest.Status.APPROVED, actor, note)
        _emit_handled(rescue, actor, request, note)
        reset_user(rescue.user, actor=actor, request=request, note=note, rescue=True)
    return rescue


def deny_rescue_request(rescue: RescueRequest, *, actor, request=None, note: str = "") -> RescueRequest:
    """Deny an open request; the user's methods stay as they are (the actor must outrank the user too)."""
    require_standing(actor, rescue.user, request=request, action="deny")
    with transaction.atomic():
        rescue = _lock_open(rescue)
        _mark_handled(rescue, RescueRequest.Status.DENIED, actor, note)
        _emit_handled(rescue, actor, request, note)
    return rescue


def reset_two_factor(user, *, actor=None, request=None, note: str = "") -> int:
    """Staff reset outside a rescue request (user admin, shell): `reset_user`, then close any open request.

    An open request left behind could later be approved by mistake and wipe the methods the
    user enrolled after this reset. Returns the number of methods removed. A staff `actor` must outrank
    `user` (flows.manage.require_standing); the shell (no actor) may reset anyone.
    """
    require_standing(actor, user, request=request, action="reset")
    with transaction.atomic():
        removed = reset_user(user, actor=actor, request=request, note=note)
        RescueRequest.objects.filter(user=user, status=RescueRequest.Status.OPEN).update(
            status=RescueRequest.Status.APPROVED,
            handled_by=actor,
            handled_at=timezone.now(),
            staff_note=note,
            updated_at=timezone.now(),
        )
    return removed


# Shared steps


def _pending_user(request):
    """The user of a sign-in waiting for its second step; rescue makes no sense otherwise."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise TwoFactorError("not_authenticated", _("Sign in with your password first."), status=401)
    if pending_sign_in(request) is None:
        raise TwoFactorError("not_pending", _("There is no sign-in waiting for its second step."), status=409)
    return user


def _submission_cap(user) -> SendCap:
    """Every rescue submission (a code asked for, a request filed) counts against RESCUE_LIMIT_PER_ACCOUNT_HOUR."""
    return SendCap(
        f"twofactor:rescue:{user.pk}", app_settings.RESCUE_LIMIT_PER_ACCOUNT_HOUR, _too_many_attempts, name="rescue"
    )


def _count_submission(user, request=None) -> None:
    """One rescue submission for the account; a request for the staff also counts against the client address
    (TWOFACTOR_RESCUE_REQUESTS_PER_IP_HOUR), so throw-away accounts cannot flood the rescue desk."""
    limits = [ratelimit.Limit(f"twofactor:rescue:{user.pk}", app_settings.RESCUE_LIMIT_PER_ACCOUNT_HOUR, HOUR)]
    if request is not None:
        limits.append(
            ratelimit.Limit(
                f"twofactor:rescue-ip:{budget_address(request)}", app_settings.RESCUE_REQUESTS_PER_IP_HOUR, HOUR
            )
        )
    decision = ratelimit.consume_all(limits)
    if not decision.allowed:
        raise _too_many_attempts(decision.retry_after)


def _too_many_attempts(retry_after: int) -> TwoFactorError:
    minutes = max(1, math.ceil(retry_after / 60))
    return TwoFactorError(
        "throttled",
        ngettext(
            "Too many rescue attempts. Try again in %(minutes)d minute.",
            "Too many rescue attempts. Try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        status=429,
        retry_after=retry_after,
    )


def _open_request_for_update(user, message: str, request) -> tuple[RescueRequest, bool]:
    """The user's open request, locked, or a new one (created, True)."""
    open_requests = RescueRequest.objects.select_for_update().filter(user=user, status=RescueRequest.Status.OPEN)
    existing = open_requests.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():  # a savepoint: a concurrent submission may have created it first
            return RescueRequest.objects.create(
                user=user, message=message, ip=client_ip(request), user_agent=user_agent(request)
            ), True
    except IntegrityError:
        return open_requests.get(), False


def _appended(existing: str, message: str) -> str:
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    combined = f"{existing}\n\n--- {stamp} ---\n{message}".strip()
    limit = RescueRequest.STORED_MAX_LENGTH
    if len(combined) > limit:
        combined = TRIMMED_MARKER + combined[-(limit - len(TRIMMED_MARKER)) :]
    return combined


def _lock_open(rescue: RescueRequest) -> RescueRequest:
    locked = RescueRequest.objects.select_for_update().select_related("user").filter(pk=rescue.pk).first()
    if locked is None or locked.status != RescueRequest.Status.OPEN:
        raise TwoFactorError("already_handled", _("This rescue request was already handled."), status=409)
    return locked


def _mark_handled(rescue: RescueRequest, status: str, actor, note: str) -> None:
    rescue.status = status
    rescue.handled_by = actor
    rescue.handled_at = timezone.now()
    rescue.staff_note = note
    rescue.save(update_fields=["status", "handled_by", "handled_at", "staff_note", "updated_at"])


def _emit_handled(rescue: RescueRequest, actor, request, note: str) -> None:
    emit(
        Kind.RESCUE_HANDLED,
        user=rescue.user,
        request=request,
        rescue_request=rescue.pk,
        status=rescue.status,
        actor=getattr(actor, "pk", None),
        actor_name=actor.get_username() if actor is not None else "",
        note=note[:500],
    )
