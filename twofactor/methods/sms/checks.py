"""The text-message method's system checks: run only while TWOFACTOR_METHODS offers it (`SMSMethod.check`)."""

from django.conf import settings
from django.core.checks import Error
from django.utils.module_loading import import_string

from ...sms import BACKENDS
from .settings import sms_settings


def backend_errors() -> list[Error]:
    """twofactor.E008: an SMS backend that cannot be loaded, or the Twilio/file backend without its settings."""
    name = sms_settings.SMS_BACKEND
    try:
        backend_class = import_string(BACKENDS.get(name, name))
    except ImportError:
        backend_class = None
    if not callable(getattr(backend_class, "send_messages", None)):
        return [
            Error(
                f"TWOFACTOR_SMS_BACKEND is {name!r}, which is not an SMS backend.",
                hint=f"Use one of {', '.join(BACKENDS)}, or the dotted path of a BaseSMSBackend subclass.",
                id="twofactor.E008",
            )
        ]
    if backend_class.__module__ == "twofactor.sms.backends.twilio":
        missing = [
            f"TWOFACTOR_{setting}"
            for setting in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
            if not getattr(sms_settings, setting)
        ]
        if not (sms_settings.TWILIO_FROM_NUMBER or sms_settings.TWILIO_MESSAGING_SERVICE_SID):
            missing.append("TWOFACTOR_TWILIO_FROM_NUMBER or TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID")
        if missing:
            return [
                Error(
                    f"The Twilio SMS backend is chosen but {'; '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                    "not set.",
                    hint="Set TWOFACTOR_TWILIO_ACCOUNT_SID, TWOFACTOR_TWILIO_AUTH_TOKEN and TWOFACTOR_TWILIO_FROM_NUMBER "
                    "or TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID, or choose another TWOFACTOR_SMS_BACKEND.",
                    id="twofactor.E008",
                )
            ]
    if backend_class.__module__ == "twofactor.sms.backends.file" and not sms_settings.SMS_FILE_PATH:
        return [
            Error(
                "The file SMS backend is chosen but TWOFACTOR_SMS_FILE_PATH is not set.",
                hint="Set TWOFACTOR_SMS_FILE_PATH to a writable folder, or choose another TWOFACTOR_SMS_BACKEND.",
                id="twofactor.E008",
            )
        ]
    return []


HINT_E011 = (
    "Set TWOFACTOR_SMS_BACKEND to twilio (with the TWOFACTOR_TWILIO_* settings), "
    "or leave the SMS method out of TWOFACTOR_METHODS."
)


def log_errors() -> list[Error]:
    """twofactor.E011: with DEBUG off, texts must be sent, never written to the log or to files."""
    backend = BACKENDS.get(sms_settings.SMS_BACKEND, sms_settings.SMS_BACKEND)
    if settings.DEBUG or backend not in (BACKENDS["console"], BACKENDS["file"]):
        return []
    return [
        Error(
            f"With DEBUG off, text messages go to {backend}, which writes them out instead of sending them: "
            "sign-in codes would land in the log or in files, and reach no one.",
            hint=HINT_E011,
            id="twofactor.E011",
        )
    ]
