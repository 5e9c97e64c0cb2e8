"""Every signal receiver of the app, connected once by TwoFactorConfig.ready(): the session's two-factor state at
login and logout, the audit log, new-location detection and the notification mails (twofactor.notifications)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete
from django.utils import translation

from . import alerts, device_cookie, locations, notifications, remember, state
from .client_info import client_ip, user_agent
from .core import registry
from .models import SecurityEvent, UserSession
from .signals import SIGNALS, Kind, rescue_filed, security_event, signed_in

#: Events done by the user in a request of their own: they record the page's language, so that mails sent on
#: a staff member's action (a rescue request answered, a reset) reach the user in the user's language.
SPOKEN = {Kind.SIGNED_IN, Kind.RESCUE_FILED}


def record_security_event(sender, kind, user, request, data, **kwargs) -> None:
    data = {key: value for key, value in data.items() if isinstance(value, (str, int, float, bool, type(None)))}
    if kind in SPOKEN and request is not None and translation.get_language():
        data["language"] = translation.get_language()
    SecurityEvent.objects.create(
        user=user if getattr(user, "pk", None) else None,
        kind=kind,
        ip=client_ip(request),
        user_agent=user_agent(request),
        data=data,
    )


def on_login(sender, request, user, **kwargs) -> None:
    """The password step succeeded: start the second step, unless a remembered browser vouches for it."""
    if request is None or not hasattr(request, "session"):
        return
    trusted = remember.trusted_browser(request, user)  # the device that made this browser trusted vouches
    new = state.begin(request, user, remembered_device=trusted)
    state.mark_password_entered(request)
    state.record_session(
        request, user.pk, device_id=trusted.device_id if trusted else "", verified=trusted is not None, password=True
    )
    if new.state in (state.VERIFIED, state.NONE):
        device_cookie.issue(request, user)  # a complete sign-in: this browser is now known to the account
    if trusted is not None:
        remember.on_remembered_sign_in(request, user, trusted)


def on_logout(sender, request, user, **kwargs) -> None:
    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


def connect() -> None:
    """Connect every receiver (idempotent: each has a dispatch_uid)."""
    user_logged_in.connect(on_login, dispatch_uid="twofactor.state.on_login")
    user_logged_out.connect(on_logout, dispatch_uid="twofactor.state.on_logout")
    security_event.connect(record_security_event, dispatch_uid="twofactor.audit")
    signed_in.connect(locations.on_signed_in, dispatch_uid="twofactor.locations.on_signed_in")
    for kind in notifications.USER_MAILS:
        SIGNALS[kind].connect(notifications.notify_user, dispatch_uid=f"twofactor.notifications.notify_user.{kind}")
    rescue_filed.connect(notifications.notify_rescue_desk, dispatch_uid="twofactor.notifications.notify_rescue_desk")
    for kind in (Kind.CODE_FAILED, Kind.THROTTLED):
        SIGNALS[kind].connect(alerts.on_second_step_refused, dispatch_uid=f"twofactor.alerts.password_known.{kind}")
    for kind in notifications.PHONE_NOTICES:
        SIGNALS[kind].connect(notifications.notify_phones, dispatch_uid=f"twofactor.notifications.notify_phones.{kind}")
    try:
        methods = registry.methods()
    except ImproperlyConfigured:  # a bad TWOFACTOR_METHODS is reported by the system checks
        methods = []
    for method in methods:
        if not method.recovery:
            post_delete.connect(
                remember.on_device_deleted, sender=method.get_model(), dispatch_uid=f"twofactor.remember.{method.key}"
            )
