"""Two-factor methods as django-otp devices.

Each device only knows how to check a code against its own state (`check_code`); the
row locking, throttling and exactly-once bookkeeping live in `twofactor.verification`,
which every code check goes through.
"""
import time
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import CooldownMixin, Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from phonenumber_field.modelfields import PhoneNumberField

from .. import crypto
from ..app_settings import app_settings
from ..codes import hash_code, matches_hash, normalize_backup_code, normalize_numeric_code


class TwoFactorDevice(ThrottlingMixin, TimestampMixin, Device):
    """What every method shares: django-otp throttling, creation and last-use times."""

    #: Short name used in URLs, the API and events ("totp", "email", "sms", "backup").
    method: str = ""

    class Meta:
        abstract = True

    def get_throttle_factor(self) -> int:
        return app_settings.THROTTLE_FACTOR

    def check_code(self, code: str) -> bool:
        """Check a code against this device's state, marking it used on success.

        Called only by `twofactor.verification.verify_code`, with the row locked.
        """
        raise NotImplementedError

    def verify_token(self, token) -> bool:
        # django-otp's entry point goes through the locked, exactly-once path as well.
        from ..verification import verify_code

        return verify_code(self, str(token)).accepted

    @property
    def label(self) -> str:
        return self.name


class TOTPDevice(TwoFactorDevice):
    """An authenticator app (RFC 6238), its key encrypted at rest."""

    method = "totp"

    encrypted_key = models.TextField(help_text=_("The shared key, encrypted with TWOFACTOR_ENCRYPTION_KEYS."))
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1, help_text=_("Time steps accepted either side."))
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1, help_text=_("The last time step accepted; never accepted twice."))

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @property
    def key(self) -> bytes:
        return crypto.decrypt(self.encrypted_key)

    def set_key(self, key: bytes) -> None:
        self.encrypted_key = crypto.encrypt(key)

    def check_code(self, code: str) -> bool:
        code = normalize_numeric_code(code, self.digits)
        if code is None:
            return False
        totp = TOTP(self.key, self.step, 0, self.digits, self.drift)
        totp.time = time.time()
        # min_t rejects a code of an already-accepted step: a code is good once.
        if totp.verify(int(code), self.tolerance, self.last_t + 1):
            self.last_t = totp.t()
            self.drift = totp.drift
            return True
        return False


class BackupCodeDevice(TwoFactorDevice):
    """A set of single-use backup codes, stored only as salted hashes."""

    method = "backup"

    class Meta(Device.Meta):
        verbose_name = _("backup codes")
        verbose_name_plural = _("backup codes")

    def check_code(self, code: str) -> bool:
        normalized = normalize_backup_code(code)
        if normalized is None:
            return False
        match = None
        # Compare against every unused code so the time taken does not tell which one matched.
        for backup_code in self.codes.filter(used_at__isnull=True):
            if matches_hash(normalized, backup_code.code_hash) and match is None:
                match = backup_code
        if match is None:
            return False
        match.used_at = timezone.now()
        match.save(update_fields=["used_at"])
        return True

    @property
    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("backup code")


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
        code = normalize_numeric_code(code, 6)
        if code is None or not self.code_hash or self.valid_until is None:
            return False
        if timezone.now() > self.valid_until:
            return False
        if not matches_hash(code, self.code_hash):
            return False
        self.code_hash = ""
        self.valid_until = None
        self.last_generated_timestamp = None
        return True


class EmailDevice(SentCodeDevice):
    method = "email"

    email = models.EmailField()

    class Meta(Device.Meta):
        verbose_name = _("code by email")
        verbose_name_plural = _("codes by email")

    @property
    def target(self) -> str:
        return self.email

    @property
    def masked_target(self) -> str:
        return masked_email(self.email)


class SMSDevice(SentCodeDevice):
    method = "sms"

    phone_number = PhoneNumberField()

    class Meta(Device.Meta):
        verbose_name = _("code by text message")
        verbose_name_plural = _("codes by text message")

    @property
    def target(self) -> str:
        return self.phone_number.as_e164

    @property
    def masked_target(self) -> str:
        return masked_phone(self.phone_number.as_e164)


#: Device classes by method name, in the order methods are offered.
DEVICE_CLASSES: dict[str, type[TwoFactorDevice]] = {
    "totp": TOTPDevice,
    "sms": SMSDevice,
    "email": EmailDevice,
    "backup": BackupCodeDevice,
}


def masked_email(address: str) -> str:
    """An address as shown to whoever is signing in: the first letter and the domain."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}"


def masked_phone(number: str) -> str:
    """An E.164 number as shown to whoever is signing in: the country code and the last two digits."""
    return f"{number[:3]}{'•' * max(len(number) - 5, 2)}{number[-2:]}"
