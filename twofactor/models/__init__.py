from .devices import (
    DEVICE_CLASSES,
    BackupCode,
    BackupCodeDevice,
    EmailDevice,
    SentCodeDevice,
    SMSDevice,
    TOTPDevice,
    TwoFactorDevice,
)
from .records import KnownLocation, RateCounter, RescueCodeDevice, RescueRequest, SecurityEvent, UserSession

__all__ = [
    "DEVICE_CLASSES",
    "BackupCode",
    "BackupCodeDevice",
    "EmailDevice",
    "KnownLocation",
    "RateCounter",
    "RescueCodeDevice",
    "RescueRequest",
    "SecurityEvent",
    "SentCodeDevice",
    "SMSDevice",
    "TOTPDevice",
    "TwoFactorDevice",
    "UserSession",
]
