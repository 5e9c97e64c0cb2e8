"""The base class every SMS backend extends, like django.core.mail.backends.base."""

import logging
from collections.abc import Sequence

from twofactor.sms.message import SMSDeliveryError, SMSMessage, masked_number

logger = logging.getLogger("twofactor.sms")


class BaseSMSBackend:
    """Sends text messages somewhere; usable as a context manager around open() and close().

    Subclasses override send_message() (one message, raising SMSDeliveryError on failure)
    or, like Django's email backends, send_messages() itself.
    """

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        self.fail_silently = fail_silently

    def open(self) -> bool:
        """Open a connection if the backend needs one; return True if this call opened it."""
        return False

    def close(self) -> None:
        """Close the connection opened by open()."""

    def __enter__(self):
        try:
            self.open()
        except Exception:
            self.close()
            raise
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.close()

    def send_messages(self, messages: Sequence[SMSMessage]) -> int:
        """Send the messages; return how many were sent. Raises SMSDeliveryError unless fail_silently."""
        if not messages:
            return 0
        sent = 0
        opened = self.open()
        try:
            for message in messages:
                try:
                    self.send_message(message)
                except SMSDeliveryError as error:
                    # The error's text is safe by contract; the body is never logged.
                    logger.warning("Text message to %s not sent: %s", masked_number(message.to), error)
                    if not self.fail_silently:
                        raise
                else:
                    sent += 1
        finally:
            if opened:
                self.close()
        return sent

    def send_message(self, message: SMSMessage) -> None:
        """Send one message or raise SMSDeliveryError."""
        raise NotImplementedError("Subclasses of BaseSMSBackend must override send_message() or send_messages().")
