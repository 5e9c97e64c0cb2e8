"""The security record in the words a user reads: "Authenticator app added", not "method_added (totp)".

Each event kind has a sentence; the event's data (the method, a masked address, a count, how a sign-in or a
password change happened) picks a more precise one where it has it. Methods are named through the registry,
and a method gives the sentences for its own reasons to refuse an answer (`Method.rejection_reasons`).
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import delivery
from .browsers import describe_family
from .core import registry
from .models import RescueRequest, SecurityEvent

Kind = SecurityEvent.Kind

#: The flows record the rescue code by email as method "rescue" (it is no method of the registry).
RESCUE = "rescue"

#: A sentence per kind; %(method)s is the method's name as users see it, %(target)s a masked address or number.
WITH_METHOD = {
    Kind.METHOD_ADDED: lambda: _("%(method)s added"),
    Kind.METHOD_REMOVED: lambda: _("%(method)s removed"),
    Kind.REMEMBERED_BROWSER_USED: lambda: _("Second step skipped on a remembered browser (%(method)s)"),
}
#: Sentences that name the method mid-sentence, as people say it (`Method.in_sentence`: "a backup code").
IN_SENTENCE = {
    Kind.SIGNED_IN: lambda: _("Signed in with %(method)s"),
    Kind.CODE_FAILED: lambda: _("A wrong answer was given for %(method)s"),
    Kind.THROTTLED: lambda: _("Too many wrong answers for %(method)s: sign-in paused for a while"),
}
WITH_NAMED_METHOD = {
    Kind.METHOD_ADDED: lambda: _("%(method)s “%(name)s” added"),
    Kind.METHOD_REMOVED: lambda: _("%(method)s “%(name)s” removed"),
}
WITH_TARGET = {
    Kind.CODE_SENT: lambda: _("Code sent to %(target)s"),
    Kind.DELIVERY_FAILED: lambda: _("A code could not be sent to %(target)s"),
    Kind.RESCUE_CODE_SENT: lambda: _("Rescue code sent to %(target)s"),
}
#: A code sent for a purpose other than signing in says so.
CODE_SENT_FOR = {
    delivery.CONFIRM: lambda: _("Code to confirm a new method sent to %(target)s"),
    delivery.RESCUE: lambda: _("Rescue code sent to %(target)s"),
}
PLAIN = {
    Kind.SIGNED_IN: lambda: _("Signed in"),
    Kind.CODE_FAILED: lambda: _("A wrong code was entered"),
    Kind.THROTTLED: lambda: _("Too many wrong codes: sign-in paused for a while"),
    Kind.METHOD_ADDED: lambda: _("Two-factor method added"),
    Kind.METHOD_REMOVED: lambda: _("Two-factor method removed"),
    Kind.BACKUP_CODES_GENERATED: lambda: _("New backup codes made"),
    Kind.BACKUP_CODE_USED: lambda: _("A backup code was used"),
    Kind.CODE_SENT: lambda: _("Code sent"),
    Kind.DELIVERY_FAILED: lambda: _("A code could not be sent"),
    Kind.REMEMBERED_BROWSER_USED: lambda: _("Second step skipped on a remembered browser"),
    Kind.NEW_LOCATION: lambda: _("Signed in from a new browser and network"),
    Kind.RESCUE_FILED: lambda: _("Asked the administrators for help"),
    Kind.RESCUE_CODE_SENT: lambda: _("Rescue code sent by email"),
    Kind.RESCUE_HANDLED: lambda: _("The administrators answered a request for help"),
    Kind.RESET: lambda: _("Two-factor turned off by the administrators"),
    Kind.SESSION_ENDED: lambda: _("A session was signed out"),
    Kind.PASSWORD_CHANGED: lambda: _("Password changed"),
    Kind.PASSWORD_FAILED: lambda: _("A wrong password was entered in a signed-in session"),
    Kind.METHOD_RENAMED: lambda: _("A two-factor method was renamed"),
    Kind.PASSWORD_CEILING: lambda: _(
        "Too many wrong passwords from elsewhere: new browsers paused, a link to let yours in was mailed"
    ),
    Kind.BROWSER_UNLOCKED: lambda: _("A browser was let in with the link mailed to you"),
    Kind.RESCUE_SESSION: lambda: _(
        "A session signed in with a rescue code by email: it cannot change your methods for a while"
    ),
    Kind.STAFF_ACTION_REFUSED: lambda: _(
        "A staff member without the rank for it tried to act on this account: refused"
    ),
    Kind.BROWSER_TRUSTED: lambda: _("A browser was remembered: it skips the second step"),
    Kind.TRUSTED_BROWSERS_REVOKED: lambda: _("Remembered browsers forgotten"),
    Kind.SIGN_IN_DISOWNED: lambda: _("A sign-in was reported with “Not you?”"),
    Kind.BACKUP_CODES_LOW: lambda: _("Few backup codes left: you were mailed to make a new set"),
    Kind.PASSWORD_GUESSING: lambda: _("Many wrong passwords were tried from one address: you were told, nobody got in"),
    Kind.PASSWORD_ALERT: lambda: _(
        "Your password was given but the second step failed: you were alerted, change your password"
    ),
}

#: Why remembered browsers were forgotten (twofactor.remember.Reason), %(count)d of them, as one sentence.
REVOKED_BECAUSE = {
    "revoked": lambda count: ngettext(
        "You stopped remembering %(count)d browser", "You stopped remembering %(count)d browsers", count
    ),
    "not_you": lambda count: ngettext(
        "%(count)d remembered browser forgotten from a “Not you?” link",
        "%(count)d remembered browsers forgotten from a “Not you?” link",
        count,
    ),
    "staff": lambda count: ngettext(
        "The administrators forgot %(count)d remembered browser",
        "The administrators forgot %(count)d remembered browsers",
        count,
    ),
    "password_changed": lambda count: ngettext(
        "%(count)d remembered browser forgotten because the password changed",
        "%(count)d remembered browsers forgotten because the password changed",
        count,
    ),
    "password_reset": lambda count: ngettext(
        "%(count)d remembered browser forgotten because the password was reset",
        "%(count)d remembered browsers forgotten because the password was reset",
        count,
    ),
    "method_removed": lambda count: ngettext(
        "%(count)d remembered browser forgotten because a two-factor method was removed",
        "%(count)d remembered browsers forgotten because a two-factor method was removed",
        count,
    ),
    "backup_codes_replaced": lambda count: ngettext(
        "%(count)d remembered browser forgotten because the backup code it was trusted on was replaced",
        "%(count)d remembered browsers forgotten because the backup codes they were trusted on were replaced",
        count,
    ),
    "reset": lambda count: ngettext(
        "%(count)d remembered browser forgotten because the administrators reset two-factor",
        "%(count)d remembered browsers forgotten because the administrators reset two-factor",
        count,
    ),
    "rescue": lambda count: ngettext(
        "%(count)d remembered browser forgotten because the administrators approved a request for help",
        "%(count)d remembered browsers forgotten because the administrators approved a request for help",
        count,
    ),
    "expired": lambda count: ngettext(
        "%(count)d remembered browser expired: it asks for a code again",
        "%(count)d remembered browsers expired: they ask for a code again",
        count,
    ),
}
#: The same, for one browser named in words (%(browser)s: "Firefox on Windows").
REVOKED_ONE_BECAUSE = {
    "revoked": lambda: _("You stopped remembering %(browser)s"),
    "not_you": lambda: _("%(browser)s forgotten from a “Not you?” link"),
    "staff": lambda: _("The administrators stopped remembering %(browser)s"),
    "password_changed": lambda: _("%(browser)s no longer remembered: the password changed"),
    "password_reset": lambda: _("%(browser)s no longer remembered: the password was reset"),
    "method_removed": lambda: _("%(browser)s no longer remembered: a two-factor method was removed"),
    "backup_codes_replaced": lambda: _("%(browser)s no longer remembered: the backup codes were replaced"),
    "reset": lambda: _("%(browser)s no longer remembered: the administrators reset two-factor"),
    "rescue": lambda: _("%(browser)s no longer remembered: the administrators approved a request for help"),
    "expired": lambda: _("%(browser)s no longer remembered: its time is up"),
}


def describe(event: SecurityEvent) -> str:
    """One sentence for `event` in the active language."""
    data = event.data or {}
    special = _special(event.kind, data)
    if special:
        return special
    method = registry.get(data.get("method"))
    if method is not None:
        name = str(method.title)
        device_name = data.get("name")
        if event.kind in WITH_NAMED_METHOD and device_name and device_name != name:
            return capfirst_sentence(WITH_NAMED_METHOD[event.kind]() % {"method": name, "name": device_name})
        if event.kind in IN_SENTENCE:
            return capfirst_sentence(IN_SENTENCE[event.kind]() % {"method": method.in_sentence})
        if event.kind in WITH_METHOD:
            return capfirst_sentence(WITH_METHOD[event.kind]() % {"method": name})
    if event.kind in WITH_TARGET and data.get("target"):
        return WITH_TARGET[event.kind]() % {"target": data["target"]}
    if event.kind in PLAIN:
        return PLAIN[event.kind]()
    return event.get_kind_display()


def _special(kind: str, data: dict) -> str:
    """The sentences that depend on more than the method or the address ('' when none applies)."""
    method = registry.get(data.get("method"))
    count = data.get("count")
    if kind == Kind.SIGNED_IN:
        if data.get("method") == RESCUE:
            return _("Signed in with a rescue code sent by email")
        if data.get("remembered"):
            return _("Signed in on a remembered browser")
        if data.get("passwordless") and method is not None:
            return _("Signed in with %(method)s alone, without a password") % {"method": method.in_sentence}
    if kind == Kind.CODE_FAILED:
        reason = data.get("reason")
        if method is not None and reason in method.rejection_reasons:
            return str(method.rejection_reasons[reason])
        if data.get("method") == RESCUE:
            return _("A wrong rescue code was entered")
    if kind == Kind.THROTTLED and data.get("method") == RESCUE:
        return _("Too many wrong rescue codes: sign-in paused for a while")
    if kind == Kind.CODE_SENT and data.get("target") and data.get("purpose") in CODE_SENT_FOR:
        return CODE_SENT_FOR[data["purpose"]]() % {"target": data["target"]}
    if kind == Kind.BACKUP_CODES_GENERATED and isinstance(count, int) and count > 0:
        return ngettext("%(count)d new backup code made", "%(count)d new backup codes made", count) % {"count": count}
    if kind == Kind.BACKUP_CODE_USED and isinstance(data.get("remaining"), int):
        left = data["remaining"]
        return ngettext(
            "A backup code was used: %(count)d is left", "A backup code was used: %(count)d are left", left
        ) % {"count": left}
    if kind == Kind.SESSION_ENDED and isinstance(count, int) and count > 1:
        return ngettext("%(count)d session was signed out", "%(count)d sessions were signed out", count) % {
            "count": count
        }
    if kind == Kind.BROWSER_TRUSTED and isinstance(data.get("days"), int):
        days = data["days"]
        return ngettext(
            "%(browser)s remembered: it skips the second step for %(count)d day",
            "%(browser)s remembered: it skips the second step for %(count)d days",
            days,
        ) % {"browser": _browser(data), "count": days}
    if kind in (Kind.PASSWORD_GUESSING, Kind.PASSWORD_CEILING) and isinstance(data.get("attempts"), int):
        attempts = data["attempts"]
        if kind == Kind.PASSWORD_CEILING:
            return ngettext(
                "At least %(count)d wrong password in a day: new browsers paused, you were mailed a link to let yours in",
                "At least %(count)d wrong passwords in a day: new browsers paused, you were mailed a link to let yours in",
                attempts,
            ) % {"count": attempts}
        return ngettext(
            "At least %(count)d wrong password in a day, many from one address: you were told, nobody got in",
            "At least %(count)d wrong passwords in a day, many from one address: you were told, nobody got in",
            attempts,
        ) % {"count": attempts}
    if kind == Kind.BACKUP_CODES_LOW and isinstance(data.get("remaining"), int):
        left = data["remaining"]
        return ngettext(
            "Only %(count)d backup code left: you were mailed to make a new set",
            "Only %(count)d backup codes left: you were mailed to make a new set",
            left,
        ) % {"count": left}
    if kind == Kind.SIGN_IN_DISOWNED and "browser" in data:
        if data.get("session_ended"):
            return _("A sign-in from %(browser)s was reported with “Not you?” and signed out") % {
                "browser": _browser(data)
            }
        return _("A sign-in from %(browser)s was reported with “Not you?”; it had ended already") % {
            "browser": _browser(data)
        }
    if kind == Kind.PASSWORD_ALERT and data.get("network"):
        return _(
            "Your password was given from %(browser)s on the network %(network)s, but the second step failed: "
            "you were alerted, change your password"
        ) % {"browser": _browser(data), "network": data["network"]}
    if kind == Kind.TRUSTED_BROWSERS_REVOKED and isinstance(count, int):
        reason = data.get("reason")
        if count == 1 and "browser" in data and reason in REVOKED_ONE_BECAUSE:
            return REVOKED_ONE_BECAUSE[reason]() % {"browser": _browser(data)}
        if reason in REVOKED_BECAUSE:
            return REVOKED_BECAUSE[reason](count) % {"count": count}
    if kind == Kind.PASSWORD_CHANGED and data.get("by_email"):
        return _("Password reset with a link sent by email")
    if kind == Kind.PASSWORD_CHANGED and data.get("by_staff"):
        return _("An administrator set a new password")
    if kind == Kind.METHOD_RENAMED and method is not None and data.get("old_name") and data.get("name"):
        return capfirst_sentence(
            _("%(method)s “%(old_name)s” renamed “%(name)s”")
            % {"method": method.title, "old_name": data["old_name"], "name": data["name"]}
        )
    if kind == Kind.STAFF_ACTION_REFUSED and data.get("action") in ("reset", "approve"):
        return _("A staff member without the rank for it tried to reset two-factor on this account: refused")
    if kind == Kind.RESCUE_FILED and data.get("added_to_open"):
        return _("Added more to an open request for help")
    if kind == Kind.RESCUE_HANDLED:
        if data.get("status") == RescueRequest.Status.APPROVED:
            return _("The administrators approved a request for help and turned two-factor off")
        if data.get("status") == RescueRequest.Status.DENIED:
            return _("The administrators declined a request for help")
    return ""


def _browser(data: dict) -> str:
    return describe_family(data.get("browser") or "", data.get("system") or "")


def capfirst_sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
