"""The email method's device: a 6-digit code mailed on demand."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from ...models.devices import SentCodeDevice, masked_email


class EmailDevice(SentCodeDevice):
    method = "email"

    email = models.EmailField()

    class Meta(Device.Meta):
        verbose_name = _("code by email")
        verbose_name_plural = _("codes by email")
        # A user holds one device of a kind.
        constraints = [models.UniqueConstraint(fields=["user"], name="twofactor_one_email_device_per_user")]

    @property
    def target(self) -> str:
        return self.email

    @property
    def masked_target(self) -> str:
        return masked_email(self.email)
