"""Keeps text messages in twofactor.sms.outbox, for tests."""

import copy

from twofactor import sms
from twofactor.sms.message import SMSMessage

from .base import BaseSMSBackend


class SMSBackend(BaseSMSBackend):
    """Appends a copy of each message to twofactor.sms.outbox, like Django's locmem email backend."""

    def send_message(self, message: SMSMessage) -> None:
        # Looked up on the module each time, so tests may replace the list.
        sms.outbox.append(copy.copy(message))
