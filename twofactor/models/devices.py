"""What every method's device shares, as django-otp devices.

Each method's own device model lives in its package (twofactor/methods/<name>/models.py). Each device only knows how to check a code against its own state (`check_code`); the
row locking, throttling and exactly-once bookkeeping live in `twofactor.verification`,
which every code check goes through.
"""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django_otp.models import CooldownMixin, Device, ThrottlingMixin, TimestampMixin

from ..app_settings import app_settings
from ..codes import hash_code
from ..sent_code.checking import matches
from ..verification import verify_code


class TwoFactorDevice(ThrottlingMixin, TimestampMixin, Device):
    """What every method shares: django-otp throttling, creation and last-use times."""

    #: The key of the method (twofactor.core.method.Method) this device belongs to.
    method: str = ""
    #: Fields holding a secret encrypted with twofactor.crypto (re-encrypted by twofactor_rotate_keys).
    encrypted_fields: tuple[str, ...] = ()
    #: A user holds one device of this kind (the model's UniqueConstraint says so too); False lets a user
    #: hold several, each with its own name.
    one_per_user: bool = True

    class Meta:
        abstract = True

    @property
    def ref(self) -> str:
        """How pages and the API name this device to its owner: the method, or method-pk when there may be several."""
        return self.method if self.one_per_user else f"{self.method}-{self.pk}"

    def already_stored(self) -> bool:
        """Whether saving this new device would repeat one the user holds (asked with the user's row locked)."""
        return self.one_per_user and type(self).objects.filter(user=self.user, confirmed=True).exists()

    def get_throttle_factor(self) -> int:
        return app_settings.THROTTLE_FACTOR

    def check_code(self, code: str) -> bool:
        """Check a code against this device's state, marking it used on success.

        Called only by `twofactor.verification.verify_code`, with the row locked.
        """
        raise NotImplementedError

    def verify_token(self, token) -> bool:
        # django-otp's entry point goes through the locked, exactly-once path as well.
        return verify_code(self, str(token)).accepted


class SentCodeDevice(CooldownMixin, TwoFactorDevice):
    """A method whose 6-digit code is sent on demand (email, SMS).

    Only a salted hash of the latest code is kept; a newer code replaces it, and a
    successful check clears it, so every code is good once.
    """

    code_hash = models.CharField(max_length=128, blank=True, default="")
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def get_cooldown_duration(self) -> int:
        return app_settings.COOLDOWN_SECONDS

    @property
    def target(self) -> str:
        raise NotImplementedError

    @property
    def masked_target(self) -> str:
        raise NotImplementedError

    def set_code(self, code: str) -> None:
        self.code_hash = hash_code(code)
        self.valid_until = timezone.now() + timedelta(seconds=app_settings.CODE_VALIDITY_SECONDS)
        self.last_generated_timestamp = timezone.now()

    def check_code(self, code: str) -> bool:
        if self.valid_until is None or timezone.now() > self.valid_until:
            return False
        if not matches(code, self.code_hash):  # the one comparison of a sent code (twofactor.sent_code.checking)
            return False
        self.code_hash = ""
        self.valid_until = None
        self.last_generated_timestamp = None
        return True


def masked_email(address: str) -> str:
    """An address as shown to whoever is signing in: the first letter and the domain."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}"


def masked_phone(number: str) -> str:
    """An E.164 number as shown to whoever is signing in: the country code and the last two digits."""
    return f"{number[:3]}{'•' * max(len(number) - 5, 2)}{number[-2:]}"
