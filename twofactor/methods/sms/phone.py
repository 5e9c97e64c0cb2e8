"""Phone numbers for the SMS method: parsed, checked and normalised to E.164 before anything is sent.

National formats are read in PHONENUMBER_DEFAULT_REGION (django-phonenumber-field's setting).
Numbers that cost the sender extra (premium-rate, shared-cost) are refused, so a script cannot
turn the site's text messages into revenue for someone else.
"""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from .settings import sms_settings

MAX_PHONE_INPUT = 40
# Digits and the separators people type; letters (vanity numbers, "ext.") are refused outright.
ALLOWED_CHARACTERS = re.compile(r"^\+?[\d\s().\-/]+$")
REFUSED_TYPES = {phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST}


def default_region() -> str | None:
    """The region national numbers are read in, or None when only international numbers are accepted."""
    return getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or None


def parse_phone(raw: str) -> PhoneNumber:
    """A valid phone number that can receive the site's texts, or ValidationError with a plain sentence."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter your mobile phone number."), code="required")
    if len(text) > MAX_PHONE_INPUT:
        raise ValidationError(_("This phone number is too long."), code="invalid_length")
    if not ALLOWED_CHARACTERS.match(text):
        raise ValidationError(
            _("Enter a phone number with digits only, like +1 415 555 0123."), code="invalid_characters"
        )
    region = default_region()
    if not text.startswith("+") and region is None:
        raise ValidationError(
            _("Enter the number in international format, starting with + and the country code."), code="no_region"
        )
    try:
        number = PhoneNumber.from_string(text, region=region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("This is not a phone number. Check it and try again."), code="invalid") from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(
            _("This phone number is too short or too long. Include the area code."), code="invalid_length"
        )
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This is not a valid phone number. For a number in another country, start with + and the country code."),
            code="invalid",
        )
    if number.extension:
        raise ValidationError(_("Enter the number without an extension."), code="extension")
    if phonenumbers.number_type(number) in REFUSED_TYPES:
        raise ValidationError(
            _("Premium-rate and shared-cost numbers cannot receive codes. Enter your mobile number."),
            code="premium_rate",
        )
    if not region_allowed(number):
        raise ValidationError(
            _("This site cannot send text messages to numbers in that country. Choose another method."),
            code="region",
        )
    return number


def region_allowed(number) -> bool:
    """Whether TWOFACTOR_SMS_ALLOWED_REGIONS (empty: every region) lets texts go to `number`.

    The SMS-pumping defence: fraudsters request codes to expensive destinations they earn from.
    """
    allowed = sms_settings.SMS_ALLOWED_REGIONS
    if not allowed:
        return True
    if isinstance(number, str):
        number = phonenumbers.parse(number, None)
    return phonenumbers.region_code_for_number(number) in allowed
