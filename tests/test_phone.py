"""twofactor.methods.sms.phone: numbers parsed, checked and normalised to E.164 before any text is sent."""

import pytest
from django.core.exceptions import ValidationError

from twofactor.methods.sms.phone import parse_phone


@pytest.mark.parametrize(
    "raw, region, e164",
    [
        ("+14155550123", "US", "+14155550123"),
        ("+1 (415) 555-0123", "US", "+14155550123"),
        ("415.555.0123", "US", "+14155550123"),
        ("07911 123456", "GB", "+447911123456"),
        ("+44 7911 123456", "US", "+447911123456"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("+1 800 555 0199", "US", "+18005550199"),
    ],
)
def test_valid_numbers_become_e164(settings, raw, region, e164):
    settings.PHONENUMBER_DEFAULT_REGION = region
    assert parse_phone(raw).as_e164 == e164


@pytest.mark.parametrize(
    "raw, region, code",
    [
        ("", "US", "required"),
        ("   ", "US", "required"),
        ("+1 800 FLOWERS", "US", "invalid_characters"),
        ("call me", "US", "invalid_characters"),
        ("415 555 0123 x12", "US", "invalid_characters"),
        ("+1" + "5" * 50, "US", "invalid_length"),
        ("12", "US", "invalid_length"),
        ("+1 415 555 01", "US", "invalid_length"),
        ("06 12 34 56 78", "US", "invalid"),
        ("(415) 155-0123", "US", "invalid"),
        ("+", "US", "invalid_characters"),
        ("+999 1234 5678", "US", "invalid"),
        ("+1 900 555 0123", "US", "premium_rate"),
        ("+44 9090 123456", "GB", "premium_rate"),
        ("+49 900 1234567", "DE", "premium_rate"),
        ("+33 8 10 12 34 56", "FR", "premium_rate"),
    ],
)
def test_unusable_numbers_are_refused_with_a_reason(settings, raw, region, code):
    settings.PHONENUMBER_DEFAULT_REGION = region
    with pytest.raises(ValidationError) as failure:
        parse_phone(raw)
    assert failure.value.code == code
    assert failure.value.messages[0].endswith(".")


def test_without_a_region_only_international_numbers_are_read(settings):
    settings.PHONENUMBER_DEFAULT_REGION = None
    with pytest.raises(ValidationError) as failure:
        parse_phone("(415) 555-0123")
    assert failure.value.code == "no_region"
    assert parse_phone("+14155550123").as_e164 == "+14155550123"
