"""Each method's code format (`Method.code_format`): the shared forms take a code in the format of the method it
is for, refuse anything else before a device is asked, and draw the input for it. The test-only hardware token
(tests/hardware_token) shows 8-digit codes; the built-in methods 6 digits, backup codes 16 symbols."""

import pytest

from tests.support.api_client import ApiClient, error_of
from tests.support.users import PASSWORD, sign_in
from twofactor.core.code_format import SIX_DIGITS, CodeFormat
from twofactor.forms import ReauthenticateForm, SetupConfirmForm, VerifyForm
from twofactor.models import SecurityEvent

BACKUP = "ABCD-EFGH-JKMN-PQRS"


def errors(form) -> list[str]:
    assert not form.is_valid()
    return form.errors["code"]


def test_a_code_is_checked_against_the_format_of_the_method_it_names():
    assert VerifyForm({"code": "1234 5678", "method": "hotp"}).is_valid()
    assert errors(VerifyForm({"code": "123456", "method": "hotp"})) == ["Enter the 8-digit code."]
    assert errors(VerifyForm({"code": "12345678", "method": "totp"})) == ["Enter the 6-digit code."]
    assert errors(VerifyForm({"code": "123456", "method": "backup"})) == [
        "Enter a backup code like ABCD-EFGH-JKMN-PQRS."
    ]


def test_without_a_method_any_active_methods_format_will_do(settings):
    for code in ("123456", "12345678", BACKUP, "abcd efgh jkmn pqrs", "ABCD-EFGH-JKMN-PQR0"):
        assert VerifyForm({"code": code}).is_valid(), code
    assert errors(VerifyForm({"code": "12345"})) == [
        "Enter the 6-digit code, or a backup code like ABCD-EFGH-JKMN-PQRS, or the 8-digit code."
    ]
    settings.TWOFACTOR_METHODS = [m for m in settings.TWOFACTOR_METHODS if "hardware_token" not in m]
    assert errors(VerifyForm({"code": "12345678"})) == [
        "Enter the 6-digit code, or a backup code like ABCD-EFGH-JKMN-PQRS."
    ]  # the built-in methods' sentence, as before formats were the methods'


def test_re_authentication_and_confirmation_follow_the_same_formats():
    assert ReauthenticateForm({"password": "x", "code": "12345678", "method": "hotp"}).is_valid()
    assert errors(ReauthenticateForm({"password": "x", "code": "12345678", "method": "totp"})) == [
        "Enter the 6-digit code."
    ]
    assert SetupConfirmForm({"code": "12345678"}, method="hotp").is_valid()
    assert errors(SetupConfirmForm({"code": "123456"}, method="hotp")) == ["Enter the 8-digit code."]
    # Backup codes are made, never confirmed: not a format a new method's code may have.
    assert errors(SetupConfirmForm({"code": BACKUP})) == ["Enter the 6-digit code, or the 8-digit code."]


def test_the_input_is_drawn_for_the_format():
    assert SIX_DIGITS.widget_attrs() == {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
    assert CodeFormat(length=8).widget_attrs()["pattern"] == "[0-9]{8}"
    words = CodeFormat(length=10, alphabet="ABCDEFGHJK", input_mode="text", autocomplete="off", separators="-")
    assert words.widget_attrs() == {"inputmode": "text", "autocomplete": "off"}
    assert words.normalize("abcde-fghjk") == "ABCDEFGHJK" and words.normalize("ABCDE-FGHJI") is None
    assert SetupConfirmForm(method="hotp")["code"].field.widget.attrs["pattern"] == "[0-9]{8}"


@pytest.mark.django_db
def test_the_sign_in_page_draws_the_offered_methods_input(client, totp_user):
    user, device, totp = totp_user
    sign_in(client)
    page = client.get("/2fa/verify/").content.decode()
    assert 'inputmode="numeric"' in page and 'pattern="[0-9]{6}"' in page and 'autocomplete="one-time-code"' in page
    page = client.get("/2fa/verify/?method=backup").content.decode()  # not a method of this user: totp's input
    assert 'pattern="[0-9]{6}"' in page


@pytest.mark.django_db
def test_a_code_in_no_format_is_refused_before_any_device_is_asked(client, totp_user):
    user, device, totp = totp_user
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": "1234567", "method": "totp"})
    assert response.status_code == 400 and b"Enter the 6-digit code." in response.content
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert not SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.CODE_FAILED).exists()
    api = ApiClient()
    api.login("alice", PASSWORD)
    failure = error_of(api.post("/2fa/verify", {"code": "12345678", "method": "totp"}), 400, "validation_error")
    assert failure["fields"] == {"code": "Enter the 6-digit code."}
