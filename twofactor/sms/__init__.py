"""Text messages, sent through small backends shaped like django.core.mail's.

    from twofactor.sms import send_sms
    send_sms("+14155550123", "Your code is 123456")

The backend is TWOFACTOR_SMS_BACKEND: a short name (console, file, locmem, twilio) or the
dotted path of a BaseSMSBackend subclass.
"""

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from twofactor.app_settings import app_settings

from .backends.base import BaseSMSBackend
from .message import SMSDeliveryError, SMSMessage

__all__ = ["BACKENDS", "BaseSMSBackend", "SMSDeliveryError", "SMSMessage", "get_connection", "outbox", "send_sms"]

BACKENDS = {name: f"twofactor.sms.backends.{name}.SMSBackend" for name in ("console", "file", "locmem", "twilio")}

#: Messages sent through the locmem backend, like django.core.mail.outbox.
outbox: list[SMSMessage] = []


def get_connection(backend: str | None = None, fail_silently: bool = False, **kwargs) -> BaseSMSBackend:
    """Return an instance of the named backend (default: TWOFACTOR_SMS_BACKEND)."""
    name = backend or app_settings.SMS_BACKEND
    try:
        backend_class = import_string(BACKENDS.get(name, name))
    except ImportError as error:
        raise ImproperlyConfigured(
            f"TWOFACTOR_SMS_BACKEND {name!r} is neither one of {', '.join(BACKENDS)} "
            "nor the dotted path of an importable backend class."
        ) from error
    return backend_class(fail_silently=fail_silently, **kwargs)


def send_sms(to: str, body: str, connection: BaseSMSBackend | None = None, fail_silently: bool = False) -> int:
    """Send one text message; return 1 if it was sent (0 when a failure was silenced)."""
    connection = connection or get_connection(fail_silently=fail_silently)
    return connection.send_messages([SMSMessage(to, body)])
