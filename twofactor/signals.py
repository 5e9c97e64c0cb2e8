"""Signals for every security event, so another project can react.

Each is sent with `user`, `request` (may be None, e.g. from a management command) and
`data` (a dict without secrets or codes). `security_event` is sent for every kind as well,
with `kind`. The audit log and the notification mails are receivers (twofactor.receivers).
"""

from django.dispatch import Signal

from .models import SecurityEvent

Kind = SecurityEvent.Kind

security_event = Signal()

signed_in = Signal()
code_failed = Signal()
throttled = Signal()
method_added = Signal()
method_removed = Signal()
backup_codes_generated = Signal()
backup_code_used = Signal()
code_sent = Signal()
delivery_failed = Signal()
remembered_browser_used = Signal()
new_location = Signal()
rescue_filed = Signal()
rescue_code_sent = Signal()
rescue_handled = Signal()
two_factor_reset = Signal()
session_ended = Signal()
password_changed = Signal()
staff_action_refused = Signal()
password_failed = Signal()
method_renamed = Signal()
browser_trusted = Signal()
trusted_browsers_revoked = Signal()
password_alert = Signal()
password_ceiling = Signal()
browser_unlocked = Signal()
sign_in_disowned = Signal()
password_guessing = Signal()
backup_codes_low = Signal()
rescue_session = Signal()

SIGNALS: dict[str, Signal] = {
    Kind.SIGNED_IN: signed_in,
    Kind.CODE_FAILED: code_failed,
    Kind.THROTTLED: throttled,
    Kind.METHOD_ADDED: method_added,
    Kind.METHOD_REMOVED: method_removed,
    Kind.BACKUP_CODES_GENERATED: backup_codes_generated,
    Kind.BACKUP_CODE_USED: backup_code_used,
    Kind.CODE_SENT: code_sent,
    Kind.DELIVERY_FAILED: delivery_failed,
    Kind.REMEMBERED_BROWSER_USED: remembered_browser_used,
    Kind.NEW_LOCATION: new_location,
    Kind.RESCUE_FILED: rescue_filed,
    Kind.RESCUE_CODE_SENT: rescue_code_sent,
    Kind.RESCUE_HANDLED: rescue_handled,
    Kind.RESET: two_factor_reset,
    Kind.SESSION_ENDED: session_ended,
    Kind.PASSWORD_CHANGED: password_changed,
    Kind.STAFF_ACTION_REFUSED: staff_action_refused,
    Kind.PASSWORD_FAILED: password_failed,
    Kind.METHOD_RENAMED: method_renamed,
    Kind.BROWSER_TRUSTED: browser_trusted,
    Kind.TRUSTED_BROWSERS_REVOKED: trusted_browsers_revoked,
    Kind.PASSWORD_ALERT: password_alert,
    Kind.PASSWORD_CEILING: password_ceiling,
    Kind.BROWSER_UNLOCKED: browser_unlocked,
    Kind.SIGN_IN_DISOWNED: sign_in_disowned,
    Kind.PASSWORD_GUESSING: password_guessing,
    Kind.BACKUP_CODES_LOW: backup_codes_low,
    Kind.RESCUE_SESSION: rescue_session,
}


def emit(kind: str, *, user, request=None, **data) -> None:
    """Send the signal of `kind`, then `security_event`."""
    SIGNALS[kind].send(sender=kind, user=user, request=request, data=data)
    security_event.send(sender=kind, kind=kind, user=user, request=request, data=data)
