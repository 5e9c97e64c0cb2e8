"""The SMS device's phone number column, without a phone-number library.

The number is parsed, checked and normalised to E.164 before it is stored (twofactor.methods.sms.phone, which
needs the [sms] extra); the column holds the E.164 text, as django-phonenumber-field's field of the same name
stored it (varchar 128), so a project that does not offer text messages loads and migrates the model without
phonenumbers installed.
"""

from django.db import models


class PhoneNumberField(models.CharField):
    """A phone number in E.164 ("+14155550123"), read and written as text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 128)
        super().__init__(*args, **kwargs)
