"""Managing an account's methods and sessions; the staff reset."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .. import device_cookie, mailbox, password_guard, remember, state
from ..app_settings import app_settings
from ..core import registry
from ..errors import TwoFactorError
from ..models import RescueCodeDevice, TrustedBrowser, UserSession
from ..signals import Kind, emit
from ..state import grace
from .signin import require_recent_authentication
from .step_up import require_fresh_second_factor


def _current_key(request) -> str | None:
    return getattr(getattr(request, "session", None), "session_key", None)


def remove_method(request, ref: str) -> None:
    """Remove one method or device, named by its `ref` (recent re-authentication required); sessions it
    verified end at once.

    Removing the last method turns two-factor off (recovery codes go with it), which the
    site allows only when it does not require two-factor of this user.
    """
    require_recent_authentication(request)
    user = request.user
    with transaction.atomic():
        devices = state.devices_of(user, for_update=True)
        recovery = {m.key for m in registry.recovery()}
        device = next((device for device in devices if device.ref == ref and device.method not in recovery), None)
        if device is None:
            raise TwoFactorError("not_found", _("You do not use that method."), status=404)
        method = device.method
        remaining = [other for other in devices if other.method not in recovery and other != device]
        if not remaining and state.required_for(user):
            raise TwoFactorError(
                "conflict",
                _("This site requires two-factor authentication: add another method before removing this one."),
                status=409,
            )
        if remaining and mailbox.is_staff(user) and not mailbox.holds_staff_method(remaining):
            # Left with a mailbox-bound method alone, a reset by email would be all it takes to the admin.
            raise TwoFactorError(
                "conflict",
                _("Staff accounts keep one of these: %(methods)s. Add another before removing this one.")
                % {"methods": mailbox.staff_method_names()},
                status=409,
            )
        removed = [device] if remaining else [d for d in devices if d == device or d.method in recovery]
        removed_ids = [d.persistent_id for d in removed]
        remember.revoke_all(user, reason=remember.Reason.METHOD_REMOVED, request=request)
        for item in removed:
            item.delete()
    ended = state.end_sessions(
        UserSession.objects.filter(user=user, device_id__in=removed_ids).exclude(session_key=_current_key(request))
    )
    emit(Kind.METHOD_REMOVED, user=user, request=request, method=method, name=device.name, sessions_ended=ended)
    if not remaining:
        current = state.read(request)
        if current is not None:
            state.begin(request, user)  # no methods left: the session is now in state "none"


def end_what_device_opened(request, user, device_id: str, *, reason: str) -> int:
    """End what one device opened, other than this session: the sessions whose second step it was and the browsers
    it made trusted (a set of backup codes replaced: a code read off the old printout opened them). Returns how many
    sessions ended."""
    remember.revoke(
        TrustedBrowser.objects.filter(user=user, device_id=device_id), user=user, reason=reason, request=request
    )
    return state.end_sessions(
        UserSession.objects.filter(user=user, device_id=device_id).exclude(session_key=_current_key(request))
    )


def turn_off(request) -> None:
    """Remove every method (recent re-authentication required), where the site does not require two-factor."""
    require_recent_authentication(request)
    user = request.user
    if state.required_for(user):
        raise TwoFactorError("conflict", _("This site requires two-factor authentication."), status=409)
    removed_ids = []
    with transaction.atomic():
        remember.revoke_all(user, reason=remember.Reason.METHOD_REMOVED, request=request)
        for device in state.devices_of(user, for_update=True):
            removed_ids.append(device.persistent_id)
            device.delete()
            if not registry.for_device(device).recovery:
                emit(Kind.METHOD_REMOVED, user=user, request=request, method=device.method)
    state.end_sessions(
        UserSession.objects.filter(user=user, device_id__in=removed_ids).exclude(session_key=_current_key(request))
    )
    state.begin(request, user)


def sign_out_session(request, session_id: int) -> None:
    """End one of the user's other sessions (recent re-authentication required)."""
    require_recent_authentication(request)
    sessions = UserSession.objects.filter(user=request.user, pk=session_id).exclude(session_key=_current_key(request))
    if not state.end_sessions(sessions):
        raise TwoFactorError("not_found", _("That session is already signed out."), status=404)
    emit(Kind.SESSION_ENDED, user=request.user, request=request, count=1)


def sign_out_other_sessions(request) -> int:
    """End every session of the user but this one (recent re-authentication required: a session left open
    somewhere must not sign its owner out everywhere else)."""
    require_recent_authentication(request)
    ended = state.end_sessions(UserSession.objects.filter(user=request.user).exclude(session_key=_current_key(request)))
    emit(Kind.SESSION_ENDED, user=request.user, request=request, count=ended)
    return ended


def password_changed(request, user, *, by_email: bool = False, actor=None) -> None:
    """After a password change or reset: every other session of the user ends now, no browser is trusted any more,
    and the change is recorded and announced (a mail to the account's address and a text to its phones, see
    twofactor.notifications).

    `by_email`: the password was reset through a link mailed to the user: while it is the account's password, the
    mailbox stands in for no second factor (twofactor.mailbox).
    `actor`: a staff member set it (the user admin's password form).
    """
    keep = _current_key(request) if getattr(request, "user", None) == user else None
    state.end_sessions(UserSession.objects.filter(user=user).exclude(session_key=keep))
    reason = remember.Reason.PASSWORD_RESET if by_email else remember.Reason.PASSWORD_CHANGED
    remember.revoke_all(user, reason=reason, request=request, actor=actor)
    password_guard.forget_failures(user)  # the guesses were at the old password
    mailbox.password_changed(user, by_email=by_email)  # whether the mailbox knows the password now
    if keep:
        state.mark_password_entered(request)
        # update_session_auth_hash gave this session a new key: keep it listed, and revocable, under that key.
        current = state.read(request)
        state.record_session(
            request,
            user.pk,
            device_id=current.device_id if current else "",
            verified=bool(current and current.verified),
        )
        if current and current.state in (state.VERIFIED, state.NONE):
            device_cookie.issue(request, user)  # every device cookie died with the old password; this one goes on
    staff = {"by_staff": True, "actor": actor.pk, "actor_name": actor.get_username()} if actor is not None else {}
    emit(Kind.PASSWORD_CHANGED, user=user, request=request, by_email=by_email, **staff)


def require_standing(actor, user, *, request=None, action: str) -> None:
    """Staff act only on accounts below them: never on their own, on a superuser's only as a superuser, never on
    one holding a permission they lack. A refusal is recorded and raised (403 "outranked").

    `actor` None is the operator's shell (manage.py twofactor_reset), which may act on anyone.
    """
    if actor is None:
        return
    reason = standing_refusal(actor, user)
    if reason is None:
        return
    emit(
        Kind.STAFF_ACTION_REFUSED,
        user=user,
        request=request,
        action=action,
        reason=reason,
        actor=actor.pk,
        actor_name=actor.get_username(),
    )
    raise TwoFactorError("outranked", OUTRANKED[reason]() % {"username": user.get_username()}, status=403)


#: Why a staff member may not act on an account, in the words the admin shows them.
OUTRANKED = {
    "self": lambda: _("You cannot do this to your own account: ask another administrator."),
    "superuser": lambda: _("%(username)s is a superuser: only a superuser can do this."),
    "permission": lambda: _(
        "%(username)s holds permissions you do not have: ask an administrator who has them to do this."
    ),
}


def standing_refusal(actor, user) -> str | None:
    """ "self", "superuser" or "permission" when `actor` may not act on `user`'s account, else None."""
    if actor.pk == user.pk:
        return "self"
    if actor.is_superuser:
        return None
    if user.is_superuser:
        return "superuser"
    if user.get_all_permissions() - actor.get_all_permissions():
        return "permission"
    return None


def grant_refusal(actor, *, superuser: bool = False, staff: bool = False, permissions=()) -> set[str]:
    """What `actor` would grant beyond their own rank: "is_superuser", "is_staff" and each permission
    ("app_label.codename") they do not hold themselves. Empty when the grant stays within their rank.

    A permission in the admin never reaches past its holder: whoever may change users or groups hands out
    only what they have (else `change_user` alone would make its holder anything).
    """
    if actor.is_superuser:
        return set()
    beyond = set(permissions) - actor.get_all_permissions()
    if superuser:
        beyond.add("is_superuser")
    if staff and not actor.is_staff:
        beyond.add("is_staff")
    return beyond


def record_refused_grant(actor, user, *, request=None, beyond: set[str]) -> None:
    """A grant beyond the actor's rank was refused: recorded on the account it was for (or the actor's)."""
    emit(
        Kind.STAFF_ACTION_REFUSED,
        user=user or actor,
        request=request,
        action="grant",
        reason="grant",
        granted=", ".join(sorted(beyond)),  # the record keeps text, not lists
        actor=actor.pk,
        actor_name=actor.get_username(),
    )


def require_staff_step_up(actor, request) -> None:
    """A staff member weakening someone else's account proves a fresh second factor first (401
    "step_up_required", TWOFACTOR_REAUTH_SECONDS): a session left open at a desk cannot reset anyone. The
    operator's shell (no actor or no request) is not asked."""
    if actor is not None and request is not None:
        require_fresh_second_factor(request, app_settings.REAUTH_SECONDS)


def reset_user(user, *, actor=None, request=None, note: str = "", rescue: bool = False, notify: bool = True) -> int:
    """Remove every method of `user`, end all their sessions and revoke their trusted browsers (staff action,
    shell command; `rescue`: approving a request for help). At the next sign-in the user must enrol a method
    again. Returns the number of methods removed. A staff `actor` must outrank `user` (`require_standing`).
    `notify=False` records the reset without mailing the user (the demo user's reset by `seed_demo`, which no
    administrator did).
    """
    require_standing(actor, user, request=request, action="reset")
    require_staff_step_up(actor, request)
    with transaction.atomic():
        reason = remember.Reason.RESCUE if rescue else remember.Reason.RESET
        remember.revoke_all(user, reason=reason, request=request, actor=actor)
        removed = 0
        for method in registry.methods():
            devices = method.get_model().objects.filter(user=user)
            removed += devices.count()
            devices.delete()
        # An outstanding rescue code must not outlive the reset either.
        RescueCodeDevice.objects.filter(user=user).delete()
        # "Set up a new method at your next sign-in": a reset account gets no grace period.
        grace.end_grace(user)
    state.end_sessions(UserSession.objects.filter(user=user))
    emit(
        Kind.RESET,
        user=user,
        request=request,
        actor=getattr(actor, "pk", None),
        actor_name=actor.get_username() if actor is not None else "",
        methods_removed=removed,
        note=note,
        **({} if notify else {"notify": False}),
    )
    return removed
