"""Codes by text message: a 6-digit code texted at each sign-in (Twilio, or another SMS backend)."""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ... import delivery, sms
from ...client_info import budget_address
from ...errors import TwoFactorError
from ...models.devices import masked_phone
from ...sent_code.caps import SendCap, digest, too_many_codes
from ...sent_code.method import SentCodeMethod
from . import checks
from .forms import PhoneSetupForm
from .models import SMSDevice
from .phone import region_allowed
from .settings import SMSSettings, sms_settings
from .setup import KEY, begin_sms_setup

logger = logging.getLogger("twofactor.sms")


def sms_unavailable(retry_after: int) -> TwoFactorError:
    return TwoFactorError(
        "throttled",
        _("Text messages are not available right now. Try again later, or use another method."),
        status=429,
        retry_after=retry_after,
    )


class SMSMethod(SentCodeMethod):
    key = KEY
    settings_class = SMSSettings
    label = _("Text message")
    in_sentence = _("a text message")
    offer = _("Text message (SMS)")
    model = "twofactor.SMSDevice"
    admin_fields = ("phone_number",)
    target_form_class = PhoneSetupForm
    setup_title = _("Get codes by text message")
    setup_intro = _("At each sign-in we will text you a 6-digit code. First, confirm that your phone receives it.")
    setup_sent = _("We texted a 6-digit code to %(target)s. Enter it to confirm the number.")
    setup_change_target = _("Use a different number")
    setup_note = _("Message and data rates may apply. Premium-rate and shared-cost numbers are not accepted.")
    api_summary = _("Send a confirmation code to a phone number.")

    def check(self):
        """twofactor.E008 (an SMS backend that cannot work) and E011 (texts written out with DEBUG off); run only
        while the method is offered."""
        return [*checks.backend_errors(), *checks.log_errors()]

    def deliver(self, target, code, *, purpose, user, host=""):
        delivery.send_code_sms(target, code, purpose=purpose, user=user, host=host)

    def send_notice(self, device, text):
        try:
            return bool(sms.send_sms(device.phone_number, text))
        except (sms.SMSDeliveryError, ImproperlyConfigured) as error:  # the event itself is done and recorded
            logger.warning("Could not text a notice to %s: %s", device.masked_target, error)
            return False

    def mask(self, target):
        return masked_phone(target)

    def check_target(self, target):
        if not region_allowed(target):
            raise TwoFactorError(
                "invalid_method",
                _("This site cannot send text messages to your number's country any more. Use another method."),
                status=400,
            )

    def send_caps(self, request, target, *, enrolment):
        if enrolment:
            # Texts to numbers being enrolled (not proven) spend budgets of their own, per number, per client
            # address and site-wide: sign-up spam can neither flood a number, nor spend the texts people signing
            # in need, nor keep a number's owner from the sign-in texts to it.
            return [
                SendCap(
                    f"twofactor:send:phone-enrolment:{digest(target)}",
                    sms_settings.SMS_ENROLMENT_LIMIT_PER_PHONE_HOUR,
                    too_many_codes,
                ),
                SendCap(
                    f"twofactor:send:sms-enrolment-ip:{budget_address(request)}",
                    sms_settings.SMS_ENROLMENT_LIMIT_PER_IP_HOUR,
                    too_many_codes,
                ),
                SendCap(
                    "twofactor:send:sms-site-enrolment",
                    sms_settings.SMS_ENROLMENT_LIMIT_SITE_HOUR,
                    sms_unavailable,
                    logging.WARNING,
                ),
            ]
        return [
            SendCap(f"twofactor:send:phone:{digest(target)}", sms_settings.SEND_LIMIT_PER_PHONE_HOUR, too_many_codes),
            SendCap("twofactor:send:sms-site", sms_settings.SMS_LIMIT_SITE_HOUR, sms_unavailable, logging.WARNING),
        ]

    def begin_setup(self, request, data):
        return begin_sms_setup(request, data["phone"])

    def new_device(self, user, target):
        return SMSDevice(user=user, name=str(_("Code by text message")), phone_number=target, confirmed=True)
