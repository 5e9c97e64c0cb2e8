from ..core.loading import import_builtin_models
from .devices import SentCodeDevice, TwoFactorDevice
from .mailbox import MailboxPassword
from .policy import EnrolmentDeadline
from .records import (
    KnownLocation,
    RateCounter,
    RescueCodeDevice,
    RescueRequest,
    SecurityEvent,
    TrustedBrowser,
    UserSession,
)

# The built-in methods keep their device models in this app (label "twofactor", tables unchanged),
# whether or not TWOFACTOR_METHODS offers them, so the migrations always match.
import_builtin_models()

__all__ = [
    "EnrolmentDeadline",
    "KnownLocation",
    "MailboxPassword",
    "RateCounter",
    "RescueCodeDevice",
    "RescueRequest",
    "SecurityEvent",
    "SentCodeDevice",
    "TrustedBrowser",
    "TwoFactorDevice",
    "UserSession",
]
