"""A hardware token's device: its RFC 4226 key (encrypted at rest, like every secret) and its counter."""

from django.db import models
from django_otp.oath import hotp

from twofactor import crypto
from twofactor.codes import normalize_numeric_code
from twofactor.models import TwoFactorDevice

LOOK_AHEAD = 5  # presses of the button the site did not see that are still accepted
DIGITS = 8  # RFC 4226 codes have 6 to 8 digits; this token shows 8


class HardwareTokenDevice(TwoFactorDevice):
    method = "hotp"
    encrypted_fields = ("encrypted_key",)

    encrypted_key = models.TextField()
    counter = models.PositiveIntegerField(default=0, help_text="The next counter value the token will show.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], name="hardware_token_one_per_user")]

    @property
    def key(self) -> bytes:
        return crypto.decrypt(self.encrypted_key)

    def check_code(self, code: str) -> bool:
        code = normalize_numeric_code(code, DIGITS)
        if code is None:
            return False
        key = self.key
        for counter in range(self.counter, self.counter + LOOK_AHEAD):
            if hotp(key, counter, digits=DIGITS) == int(code):
                self.counter = counter + 1  # this code, and every earlier one, never works again
                return True
        return False
