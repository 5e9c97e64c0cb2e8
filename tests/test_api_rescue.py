"""POST /2fa/rescue: the lost-device path of a pending sign-in, through the API only."""

import pyotp
import pytest
from django.core import mail

from tests.support.api_client import ApiClient, error_of, last_emailed_code
from tests.support.users import PASSWORD, make_user
from twofactor.models import RescueRequest, SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_mail_outbox():
    mail.outbox = []


@pytest.fixture
def pending(totp_user):
    """A user who gave the password but lost the phone with the authenticator."""
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "verify"
    return api


def test_sign_in_with_a_rescue_code_mailed_to_the_account(pending, totp_user):
    user, _device, _totp = totp_user
    response = pending.post("/2fa/rescue", {"option": "email"})
    assert response.status_code == 200, response.content
    assert response.json() == {"option": "email", "sent_to": "a••••@example.com", "cooldown_seconds": 60}
    assert mail.outbox[-1].to == ["alice@example.com"]
    response = pending.post("/2fa/rescue", {"option": "email_code", "code": last_emailed_code()})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["option"] == "email_code"
    assert answer["session"]["verified"] is True and answer["session"]["two_factor"]["state"] == "none"
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.RESCUE_CODE_SENT).exists()
    # Signed in, the user can now see and replace the lost method.
    assert [device["method"] for device in pending.get("/2fa/devices").json()["devices"]] == ["totp"]


def test_a_wrong_rescue_code_is_refused(pending):
    pending.post("/2fa/rescue", {"option": "email"})
    wrong = f"{(int(last_emailed_code()) + 1) % 1000000:06d}"
    error_of(pending.post("/2fa/rescue", {"option": "email_code", "code": wrong}), 400, "invalid_code")
    assert pending.get("/session").json()["two_factor"]["state"] == "verify"


def test_entering_a_code_before_asking_for_one_is_a_conflict(pending):
    error_of(pending.post("/2fa/rescue", {"option": "email_code", "code": "123456"}), 409, "no_code_sent")


def test_email_code_needs_a_code(pending):
    error = error_of(pending.post("/2fa/rescue", {"option": "email_code"}), 400, "validation_error")
    assert set(error["fields"]) == {"code"}


def test_asking_again_during_the_cooldown_is_throttled(pending):
    pending.post("/2fa/rescue", {"option": "email"})
    response = pending.post("/2fa/rescue", {"option": "email"})
    error = error_of(response, 429, "throttled")
    assert response["Retry-After"] == str(error["retry_after"])
    assert len(mail.outbox) == 1


def test_rescue_codes_by_email_can_be_turned_off(pending, settings):
    settings.TWOFACTOR_RESCUE_BY_EMAIL = False
    error_of(pending.post("/2fa/rescue", {"option": "email"}), 403, "rescue_by_email_disabled")
    assert mail.outbox == []


def test_file_a_rescue_request_and_add_to_it(pending, totp_user, settings):
    settings.TWOFACTOR_RESCUE_EMAIL = ["help@example.com"]
    user, _device, _totp = totp_user
    response = pending.post("/2fa/rescue", {"option": "help", "message": "Lost my phone <b>today</b>."})
    assert response.status_code == 200, response.content
    assert response.json() == {"option": "help", "filed": True}
    assert pending.post("/2fa/rescue", {"option": "help", "message": "Call me on my desk phone."}).status_code == 200
    rescue = RescueRequest.objects.get(user=user)
    assert rescue.status == RescueRequest.Status.OPEN
    assert "Lost my phone <b>today</b>." in rescue.message and "desk phone" in rescue.message
    assert pending.get("/session").json()["two_factor"]["state"] == "verify"


def test_a_rescue_request_may_have_no_message(pending, totp_user):
    assert pending.post("/2fa/rescue", {"option": "help"}).status_code == 200
    assert RescueRequest.objects.get(user=totp_user[0]).message == ""


def test_a_too_long_message_is_refused(pending):
    message = "x" * (RescueRequest.MESSAGE_MAX_LENGTH + 1)
    error = error_of(pending.post("/2fa/rescue", {"option": "help", "message": message}), 400, "validation_error")
    assert set(error["fields"]) == {"message"}
    assert not RescueRequest.objects.exists()


def test_rescue_submissions_are_rate_limited(pending, settings):
    settings.TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR = 2
    for _submission in range(2):
        assert pending.post("/2fa/rescue", {"option": "help", "message": "help"}).status_code == 200
    error_of(pending.post("/2fa/rescue", {"option": "help", "message": "help"}), 429, "throttled")


def test_an_unknown_option_is_a_validation_error(pending):
    error = error_of(pending.post("/2fa/rescue", {"option": "phone_a_friend"}), 400, "validation_error")
    assert set(error["fields"]) == {"option"}


def test_a_backup_code_rescues_through_verify(db):
    make_user()
    api = ApiClient()
    api.login("alice", PASSWORD)
    enrolment = api.post("/2fa/setup/totp").json()
    codes = api.post("/2fa/setup/confirm", {"code": pyotp.parse_uri(enrolment["otpauth_uri"]).now()}).json()
    api.post("/logout")
    api.login("alice", PASSWORD)
    assert api.verify(codes["backup_codes"][3], method="backup")["verified"] is True


def test_rescue_is_only_for_a_pending_sign_in(pending, totp_user):
    _user, _device, totp = totp_user
    pending.verify(totp.now())
    error_of(pending.post("/2fa/rescue", {"option": "help"}), 409, "not_pending")


def test_rescue_needs_a_password_step_first(db):
    error_of(ApiClient().post("/2fa/rescue", {"option": "email"}), 401, "not_authenticated")
