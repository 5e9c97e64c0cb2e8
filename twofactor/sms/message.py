"""A text message and the error raised when one cannot be delivered."""

import re
from dataclasses import dataclass, field

E164 = re.compile(r"^\+[1-9]\d{1,14}$")


@dataclass
class SMSMessage:
    """One text message: `to` is an E.164 number such as +14155550123."""

    to: str
    # Bodies carry codes, so they stay out of reprs (tracebacks, debug pages, logs).
    body: str = field(repr=False)

    def __post_init__(self) -> None:
        self.to = str(self.to)  # accepts phonenumber_field's PhoneNumber, whose str() is E.164
        if not E164.match(self.to):
            raise ValueError("An SMSMessage needs an E.164 phone number such as +14155550123.")


class SMSDeliveryError(Exception):
    """A text message was not delivered; the message is safe to log (never the body)."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # HTTP status from the provider, when there was one
        self.code = code  # the provider's own error code, when there was one


def masked_number(number: str) -> str:
    """The number with all but its last two digits hidden, for logs."""
    return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]
