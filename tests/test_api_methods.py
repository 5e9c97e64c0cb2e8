"""Enrolling, listing and removing methods and regenerating backup codes, through the API only."""

import time
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from django.core import mail

from tests.support.api_client import ApiClient, error_of, last_emailed_code, last_texted_code
from tests.support.devices import add_totp
from tests.support.users import PASSWORD
from twofactor import sms
from twofactor.methods.backup.models import BackupCodeDevice
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.sms.models import SMSDevice
from twofactor.methods.totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outboxes():
    sms.outbox.clear()
    mail.outbox = []


@pytest.fixture
def api():
    return ApiClient()


def enrol_totp(api: ApiClient) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol an authenticator the way an app would: read otpauth_uri, compute a code, confirm."""
    response = api.post("/2fa/setup/totp")
    assert response.status_code == 200, response.content
    enrolment = response.json()
    uri = urlparse(enrolment["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    query = parse_qs(uri.query)
    assert query["secret"] == [enrolment["secret"]]
    assert enrolment["qr_svg"].startswith("<svg")
    totp = pyotp.parse_uri(enrolment["otpauth_uri"])  # an independent TOTP implementation
    response = api.post("/2fa/setup/confirm", {"code": totp.now()})
    assert response.status_code == 200, response.content
    return totp, response.json()["backup_codes"]


def test_enrolment_on_first_sign_in_with_an_independent_totp(api, user):
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "setup"
    response = api.post("/2fa/setup/totp")
    enrolment = response.json()
    assert pyotp.parse_uri(enrolment["otpauth_uri"]).issuer == "twofa_site"
    # A repeated call keeps the key the user may already have scanned; restart makes a new one.
    assert api.post("/2fa/setup/totp").json()["secret"] == enrolment["secret"]
    restarted = api.post("/2fa/setup/totp", {"restart": True}).json()
    assert restarted["secret"] != enrolment["secret"]
    totp = pyotp.parse_uri(restarted["otpauth_uri"])
    error_of(
        api.post("/2fa/setup/confirm", {"code": pyotp.parse_uri(enrolment["otpauth_uri"]).now()}), 400, "invalid_code"
    )
    response = api.post("/2fa/setup/confirm", {"code": totp.now()})
    assert response.status_code == 200, response.content
    confirmed = response.json()
    assert confirmed["device"]["method"] == "totp" and confirmed["device"]["primary"] is True
    assert len(confirmed["backup_codes"]) == 10
    assert confirmed["session"]["verified"] is True
    assert confirmed["session"]["two_factor"] == {
        "required": True,
        "state": "none",
        "methods": ["totp", "backup"],
        "primary_method": "totp",
        "deadline": None,
        "days_left": None,
    }
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1

    # The enrolled authenticator and a backup code both sign in later.
    api.post("/logout")
    api.login("alice", PASSWORD)
    assert api.verify(totp.at(time.time() + 30))["verified"] is True
    api.post("/logout")
    api.login("alice", PASSWORD)
    assert api.verify(confirmed["backup_codes"][0].lower())["verified"] is True


def test_nothing_is_stored_before_the_code_is_confirmed(api, user):
    api.login("alice", PASSWORD)
    api.post("/2fa/setup/totp")
    assert not TOTPDevice.objects.filter(user=user).exists()
    error_of(api.post("/2fa/setup/confirm", {"code": "abc"}), 400, "validation_error")
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_confirm_without_a_pending_enrolment_is_a_conflict(api, user):
    api.login("alice", PASSWORD)
    error_of(api.post("/2fa/setup/confirm", {"code": "123456"}), 409, "no_pending_setup")


def test_a_setup_session_may_reach_nothing_else(api, user):
    api.login("alice", PASSWORD)
    error_of(api.post("/2fa/backup-codes"), 401, "two_factor_required")
    assert api.get("/2fa/devices").json() == {"devices": []}


def test_enrolling_a_method_twice_is_a_conflict(api, totp_user):
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    error_of(api.post("/2fa/setup/totp"), 409, "conflict")


def test_enrol_email_with_the_code_mailed_to_the_account(api, user):
    api.login("alice", PASSWORD)
    response = api.post("/2fa/setup/email")
    assert response.status_code == 200, response.content
    assert response.json()["sent_to"] == "a••••@example.com"
    assert not EmailDevice.objects.filter(user=user).exists()
    confirmed = api.post("/2fa/setup/confirm", {"code": last_emailed_code()}).json()
    assert confirmed["device"]["method"] == "email"
    assert confirmed["device"]["target"] == "a••••@example.com"
    assert EmailDevice.objects.get(user=user).email == "alice@example.com"


def test_enrol_email_at_another_address(api, user):
    api.login("alice", PASSWORD)
    assert api.post("/2fa/setup/email", {"email": "other@example.org"}).status_code == 200
    assert mail.outbox[-1].to == ["other@example.org"]
    api.post("/2fa/setup/confirm", {"code": last_emailed_code()})
    assert EmailDevice.objects.get(user=user).email == "other@example.org"
    error = error_of(api.post("/2fa/setup/email", {"email": "x@example.org"}), 409, "conflict")
    assert error["message"]


def test_enrol_email_with_a_bad_address(api, user):
    api.login("alice", PASSWORD)
    error = error_of(api.post("/2fa/setup/email", {"email": "not an address"}), 400, "validation_error")
    assert set(error["fields"]) == {"email"}
    assert mail.outbox == []


def test_enrol_sms(api, user):
    api.login("alice", PASSWORD)
    response = api.post("/2fa/setup/sms", {"phone": "+1 415 555 0132"})
    assert response.status_code == 200, response.content
    assert sms.outbox[-1].to == "+14155550132"
    confirmed = api.post("/2fa/setup/confirm", {"code": last_texted_code()}).json()
    assert confirmed["device"]["method"] == "sms"
    assert str(SMSDevice.objects.get(user=user).phone_number) == "+14155550132"


@pytest.mark.parametrize("phone", ["call me", "+1 415", "+1 900 555 0123"])
def test_enrol_sms_refuses_bad_numbers_before_sending(api, user, phone):
    api.login("alice", PASSWORD)
    error = error_of(api.post("/2fa/setup/sms", {"phone": phone}), 400, "validation_error")
    assert set(error["fields"]) == {"phone"}
    assert sms.outbox == []


def test_enrol_sms_needs_a_phone(api, user):
    api.login("alice", PASSWORD)
    error = error_of(api.post("/2fa/setup/sms", {}), 400, "validation_error")
    assert set(error["fields"]) == {"phone"}


def test_devices_are_listed_without_secrets(api, totp_user):
    user, device, totp = totp_user
    EmailDevice.objects.create(user=user, name="Code by email", email=user.email, confirmed=True)
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    devices = api.get("/2fa/devices").json()["devices"]
    assert [entry["id"] for entry in devices] == ["totp", "email"]
    totp_entry = devices[0]
    assert totp_entry["primary"] is True and totp_entry["last_used_at"]
    assert set(totp_entry) == {
        "id",
        "method",
        "name",
        "target",
        "primary",
        "created_at",
        "last_used_at",
        "remaining_codes",
    }
    text = api.get("/2fa/devices").content.decode()
    assert device.encrypted_key not in text and totp.secret not in text


# Removing a method and regenerating backup codes need a recent password and code.


def signed_in_with_two_methods(api: ApiClient, user) -> pyotp.TOTP:
    api.login("alice", PASSWORD)
    totp, _codes = enrol_totp(api)
    api.post("/2fa/setup/email")
    api.post("/2fa/setup/confirm", {"code": last_emailed_code()})
    api.post("/logout")
    api.login("alice", PASSWORD)
    api.verify(totp.at(time.time() + 30))
    return totp


def test_removing_a_method_needs_recent_reauthentication(api, user, settings):
    settings.TWOFACTOR_REAUTH_SECONDS = 2
    totp = signed_in_with_two_methods(api, user)
    time.sleep(2.1)
    error_of(api.delete("/2fa/devices/email"), 403, "reauthentication_required")
    response = api.post("/reauthenticate", {"password": PASSWORD, "code": totp.at(time.time() + 60)})
    assert response.status_code == 200, response.content
    response = api.delete("/2fa/devices/email")
    assert response.status_code == 200, response.content
    assert [entry["id"] for entry in response.json()["devices"]] == ["totp", "backup"]
    assert not EmailDevice.objects.filter(user=user).exists()


def test_removing_needs_the_csrf_header(api, user):
    signed_in_with_two_methods(api, user)
    error_of(api.delete("/2fa/devices/email", csrf=False), 403, "csrf_failed")
    assert EmailDevice.objects.filter(user=user).exists()


def test_removing_the_last_required_method_is_a_conflict(api, user):
    api.login("alice", PASSWORD)
    enrol_totp(api)  # confirming counts as a fresh code; the login as a fresh password
    error_of(api.delete("/2fa/devices/totp"), 409, "conflict")
    error_of(api.delete("/2fa/devices/sms"), 404, "not_found")
    error_of(api.delete("/2fa/devices/backup"), 404, "not_found")
    assert TOTPDevice.objects.filter(user=user).exists()


def test_removing_the_last_optional_method_turns_two_factor_off(api, user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    api.login("alice", PASSWORD)
    enrol_totp(api)
    assert api.delete("/2fa/devices/totp").json() == {"devices": []}
    assert not BackupCodeDevice.objects.filter(user=user).exists()
    assert api.get("/session").json()["two_factor"]["state"] == "none"


def test_regenerating_backup_codes_needs_reauthentication_and_retires_the_old_set(api, user, settings):
    settings.TWOFACTOR_REAUTH_SECONDS = 2
    settings.TWOFACTOR_THROTTLE_FACTOR = 0  # no back-off after the old code is refused
    api.login("alice", PASSWORD)
    totp, first_codes = enrol_totp(api)
    time.sleep(2.1)
    error_of(api.post("/2fa/backup-codes"), 403, "reauthentication_required")
    api.post("/reauthenticate", {"password": PASSWORD, "code": first_codes[0]})
    response = api.post("/2fa/backup-codes")
    assert response.status_code == 200, response.content
    new_codes = response.json()["backup_codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(first_codes)

    api.post("/logout")
    api.login("alice", PASSWORD)
    error_of(api.post("/2fa/verify", {"code": first_codes[1]}), 400, "invalid_code")
    assert api.verify(new_codes[0])["verified"] is True


def test_backup_codes_without_a_method_is_a_conflict(api, user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    api.login("alice", PASSWORD)
    error_of(api.post("/2fa/backup-codes"), 409, "conflict")


def test_a_user_with_a_method_from_elsewhere_can_list_it(api, user):
    _device, totp = add_totp(user)
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    assert [entry["method"] for entry in api.get("/2fa/devices").json()["devices"]] == ["totp"]
