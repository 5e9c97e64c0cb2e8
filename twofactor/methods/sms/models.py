"""The text-message method's device: a 6-digit code texted on demand."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from ...models.devices import SentCodeDevice, masked_phone
from .fields import PhoneNumberField


class SMSDevice(SentCodeDevice):
    method = "sms"

    phone_number = PhoneNumberField()

    class Meta(Device.Meta):
        verbose_name = _("code by text message")
        verbose_name_plural = _("codes by text message")
        # A user holds one device of a kind.
        constraints = [models.UniqueConstraint(fields=["user"], name="twofactor_one_sms_device_per_user")]

    @property
    def target(self) -> str:
        return str(self.phone_number)

    @property
    def masked_target(self) -> str:
        return masked_phone(str(self.phone_number))
