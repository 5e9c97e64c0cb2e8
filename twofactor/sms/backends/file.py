"""Writes each text message to its own file in TWOFACTOR_SMS_FILE_PATH."""

import os
import uuid
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured

from twofactor.app_settings import app_settings
from twofactor.sms.message import SMSDeliveryError, SMSMessage

from .base import BaseSMSBackend
from .console import format_message


class SMSBackend(BaseSMSBackend):
    """One .sms file per message, in `file_path` (default TWOFACTOR_SMS_FILE_PATH)."""

    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        path = file_path or app_settings.SMS_FILE_PATH
        if not path:
            raise ImproperlyConfigured("Set TWOFACTOR_SMS_FILE_PATH to a folder for the file SMS backend.")
        self.file_path = os.path.abspath(path)
        try:
            os.makedirs(self.file_path, exist_ok=True)
        except OSError as error:
            raise ImproperlyConfigured(
                f"TWOFACTOR_SMS_FILE_PATH {self.file_path!r} is not a folder that can be created ({error.strerror})."
            ) from error
        if not os.access(self.file_path, os.W_OK):
            raise ImproperlyConfigured(f"TWOFACTOR_SMS_FILE_PATH {self.file_path!r} is not writable.")

    def send_message(self, message: SMSMessage) -> None:
        # Timestamp first so a directory listing reads in sending order; the uuid keeps names unique.
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.sms"
        try:
            with open(os.path.join(self.file_path, name), "x", encoding="utf-8") as stream:
                stream.write(format_message(message))
        except OSError as error:
            raise SMSDeliveryError(f"Could not write a text message to {self.file_path} ({error.strerror}).") from None
