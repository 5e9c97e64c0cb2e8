"""The security record in the words a user reads: "Authenticator app added", not "method_added (totp)"."""

from django.utils.translation import gettext as _

from .methods import registry
from .models import SecurityEvent

Kind = SecurityEvent.Kind

#: A sentence per kind; %(method)s is the method's name as users see it, %(target)s a masked address or number.
WITH_METHOD = {
    Kind.SIGNED_IN: lambda: _("Signed in with %(method)s"),
    Kind.METHOD_ADDED: lambda: _("%(method)s added"),
    Kind.METHOD_REMOVED: lambda: _("%(method)s removed"),
}
WITH_TARGET = {
    Kind.CODE_SENT: lambda: _("Code sent to %(target)s"),
    Kind.DELIVERY_FAILED: lambda: _("A code could not be sent to %(target)s"),
    Kind.RESCUE_CODE_SENT: lambda: _("Rescue code sent to %(target)s"),
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
    Kind.REMEMBERED_BROWSER_USED: lambda: _("Signed in on a remembered browser"),
    Kind.NEW_LOCATION: lambda: _("Signed in from a new browser and network"),
    Kind.RESCUE_FILED: lambda: _("Asked the administrators for help"),
    Kind.RESCUE_CODE_SENT: lambda: _("Rescue code sent by email"),
    Kind.RESCUE_HANDLED: lambda: _("The administrators answered a request for help"),
    Kind.RESET: lambda: _("Two-factor turned off by the administrators"),
    Kind.SESSION_ENDED: lambda: _("A session was signed out"),
    Kind.PASSWORD_CHANGED: lambda: _("Password changed"),
}


def describe(event: SecurityEvent) -> str:
    """One sentence for `event` in the active language."""
    data = event.data or {}
    method = registry.get(data.get("method"))
    if event.kind in WITH_METHOD and method is not None:
        name = str(method.title)
        return capfirst_sentence(WITH_METHOD[event.kind]() % {"method": name})
    if event.kind in WITH_TARGET and data.get("target"):
        return WITH_TARGET[event.kind]() % {"target": data["target"]}
    if event.kind in PLAIN:
        return PLAIN[event.kind]()
    return event.get_kind_display()


def capfirst_sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
