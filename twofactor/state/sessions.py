"""The user's sessions as rows (UserSession): kept in step with the session key, and ended to revoke them.

Revocation works by deleting sessions (see `end_sessions`), never by a per-request check.
"""

import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from ..app_settings import app_settings
from ..client_info import client_ip, user_agent
from ..models import UserSession
from .reauth import REAUTH_KEY


def rotate_key(request) -> None:
    """A step up (re-authentication): a new session key, so a key captured before it is worth nothing."""
    old_key = request.session.session_key
    request.session.cycle_key()
    if old_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def record_session(
    request,
    user_id: int,
    *,
    old_key: str | None = None,
    device_id: str = "",
    verified: bool = False,
    password: bool = False,
) -> None:
    """Keep the session's row in UserSession in step with its (possibly new) key.

    `password`: the session just proved the password (sign-in, re-authentication).
    """
    if request.session.session_key is None:
        request.session.save()
    values = {
        "user_id": user_id,
        "session_key": request.session.session_key,
        "ip": client_ip(request),
        "user_agent": user_agent(request),
        "expires_at": request.session.get_expiry_date(),
    }
    if verified:
        values.update(device_id=device_id, verified_at=timezone.now())
    if password:
        values.update(password_at=timezone.now())
    keys = [key for key in (old_key, request.session.session_key) if key]
    updated = UserSession.objects.filter(session_key__in=keys).update(**values)
    if not updated:
        UserSession.objects.create(**values)


def is_newest_recent_password_proof(request, user) -> bool:
    """Whether this session proved the password within SETUP_SECONDS and no other session of `user` did since.

    The rule for adding a first method: of two sessions that know the password, only the latest
    may enrol, so a session parked by someone else loses that right once the owner signs in.
    """
    stamps = request.session.get(REAUTH_KEY, {})
    if stamps.get("password_at", 0) < time.time() - app_settings.SETUP_SECONDS:
        return False
    key = request.session.session_key
    mine = UserSession.objects.filter(session_key=key, user=user).values_list("password_at", flat=True).first()
    if mine is None:
        return False
    return not UserSession.objects.filter(user=user, password_at__gt=mine).exclude(session_key=key).exists()


def end_unproven_sessions(request, user) -> int:
    """End every other session of `user` that has not passed a second step (a method was just added)."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    return end_sessions(UserSession.objects.filter(user=user, verified_at__isnull=True).exclude(session_key=key))


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def live_sessions(user):
    """The user's UserSession rows, after forgetting those whose session has ended.

    A row's `expires_at` is only a hint: Django moves a session's expiry whenever it saves it. A row past
    its hint is kept (with a new horizon) while its session still loads, so revocation never misses it.
    """
    store = _session_store()
    horizon = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    for record in UserSession.objects.filter(user=user, expires_at__lt=timezone.now()):
        if store(session_key=record.session_key).load():
            UserSession.objects.filter(pk=record.pk).update(expires_at=horizon)
        else:
            record.delete()
    return UserSession.objects.filter(user=user)


def end_sessions(sessions) -> int:
    """Delete these sessions from the session store (signing them out at once) and their rows."""
    store = _session_store()
    ended = 0
    for record in list(sessions):
        store(session_key=record.session_key).delete()
        record.delete()
        ended += 1
    return ended
