"""The authenticator-app method's device: an RFC 6238 key, encrypted at rest."""

import time

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.oath import TOTP

from ... import crypto
from ...codes import normalize_numeric_code
from ...models.devices import TwoFactorDevice


class TOTPDevice(TwoFactorDevice):
    """An authenticator app (RFC 6238), its key encrypted at rest."""

    method = "totp"
    encrypted_fields = ("encrypted_key",)

    encrypted_key = models.TextField(help_text=_("The shared key, encrypted with TWOFACTOR_ENCRYPTION_KEYS."))
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1, help_text=_("Time steps accepted either side."))
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1, help_text=_("The last time step accepted; never accepted twice."))

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")
        # A user holds one device of a kind.
        constraints = [models.UniqueConstraint(fields=["user"], name="twofactor_one_totp_device_per_user")]

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
