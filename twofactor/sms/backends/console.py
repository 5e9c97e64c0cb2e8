"""Writes text messages to the terminal, so developers can read their codes."""

import sys
import threading

from twofactor.sms.message import SMSMessage

from .base import BaseSMSBackend


class SMSBackend(BaseSMSBackend):
    """Prints each message (To and Body) to `stream`, sys.stdout by default."""

    def __init__(self, *args, stream=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()  # keeps blocks from two threads apart

    def send_message(self, message: SMSMessage) -> None:
        with self._lock:
            self.stream.write(format_message(message))
            self.stream.flush()


def format_message(message: SMSMessage) -> str:
    """The readable block written for one message."""
    return f"To: {message.to}\nBody: {message.body}\n{'-' * 79}\n"
