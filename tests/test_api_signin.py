"""The second sign-in step through the API: POST /2fa/verify, /2fa/challenge and /reauthenticate."""

import socket
import time

import pytest
from django.core import mail

from tests.support.api_client import ApiClient, error_of, last_emailed_code, last_texted_code
from tests.support.devices import add_email, add_sms
from tests.support.users import PASSWORD
from twofactor import remember, sms
from twofactor.methods.email.models import EmailDevice
from twofactor.models import SecurityEvent, UserSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return ApiClient()


@pytest.fixture(autouse=True)
def _empty_outboxes():
    sms.outbox.clear()
    mail.outbox = []


def test_verify_with_an_authenticator_code_completes_sign_in(api, totp_user):
    user, device, totp = totp_user
    api.login("alice", PASSWORD)
    pending_key = api.django.cookies["sessionid"].value
    session = api.verify(totp.now())
    assert session["verified"] is True and session["two_factor"]["state"] == "none"
    new_key = api.django.cookies["sessionid"].value
    assert new_key != pending_key  # the session key is rotated at the second step
    assert UserSession.objects.get(session_key=new_key).device_id == device.persistent_id
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SIGNED_IN).exists()
    assert api.get("/2fa/devices").status_code == 200


def test_a_wrong_code_is_refused_and_the_step_stays_pending(api, totp_user):
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    wrong = f"{(int(totp.now()) + 1) % 1000000:06d}"
    error_of(api.post("/2fa/verify", {"code": wrong}), 400, "invalid_code")
    assert api.get("/session").json()["two_factor"]["state"] == "verify"


def test_a_code_of_the_wrong_shape_is_a_validation_error(api, totp_user):
    api.login("alice", PASSWORD)
    error = error_of(api.post("/2fa/verify", {"code": "12ab"}), 400, "validation_error")
    assert set(error["fields"]) == {"code"}


def test_repeated_wrong_codes_are_throttled_with_retry_after(api, totp_user, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 10  # a 10-second back-off: a slow machine cannot outlast it between requests
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    wrong = f"{(int(totp.now()) + 1) % 1000000:06d}"
    error_of(api.post("/2fa/verify", {"code": wrong}), 400, "invalid_code")
    response = api.post("/2fa/verify", {"code": totp.now()})
    error = error_of(response, 429, "throttled")
    assert error["retry_after"] >= 1
    assert response["Retry-After"] == str(error["retry_after"])


def test_a_code_is_accepted_once(api, totp_user):
    _user, _device, totp = totp_user
    code = totp.now()
    api.login("alice", PASSWORD)
    api.verify(code)
    other = ApiClient()
    other.login("alice", PASSWORD)
    error_of(other.post("/2fa/verify", {"code": code}), 400, "invalid_code")


def test_verify_without_a_pending_step_is_a_conflict(api, totp_user):
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    error_of(api.post("/2fa/verify", {"code": totp.at(time.time() + 30)}), 409, "conflict")


def test_verify_needs_sign_in(api, db):
    error_of(api.post("/2fa/verify", {"code": "123456"}), 401, "not_authenticated")


def test_verify_with_a_method_the_user_lacks(api, totp_user):
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    error = error_of(api.post("/2fa/verify", {"code": totp.now(), "method": "sms"}), 400, "invalid_method")
    assert error["message"] == "Choose one of your two-factor methods."
    assert error["fields"] == {"method": "unknown"}


def test_without_remember_in_the_body_no_cookie_is_set(api, totp_user):
    """Remembering the browser is opt-in: a client that does not ask gets no cookie."""
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    response = api.post("/2fa/verify", {"code": totp.now()})
    assert response.status_code == 200 and remember.COOKIE_NAME not in response.cookies


def test_a_code_goes_to_the_primary_method_when_the_offered_one_was_removed_meanwhile(client, totp_user, settings):
    """The pending sign-in offers email; the email method is removed elsewhere before the code comes: a code of
    the authenticator app (the primary method) still completes the step."""
    user, _device, totp = totp_user
    add_email(user)
    assert client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    client.post("/2fa/verify/", {"action": "use", "method": "email"})
    assert client.session["twofactor"]["method"] == "email"
    EmailDevice.objects.filter(user=user).delete()
    response = client.post("/2fa/verify/", {"code": totp.now()})
    assert response.status_code == 302 and not response.url.startswith("/2fa/verify/")
    assert client.session["twofactor"]["state"] == "verified"


def test_a_wrong_code_and_the_throttle_are_recorded_with_method_address_and_counts(api, totp_user, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 10
    user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    wrong = f"{(int(totp.now()) + 1) % 1000000:06d}"
    error_of(api.post("/2fa/verify", {"code": wrong}), 400, "invalid_code")
    error = error_of(api.post("/2fa/verify", {"code": totp.now()}), 429, "throttled")
    failed = SecurityEvent.objects.get(user=user, kind=SecurityEvent.Kind.CODE_FAILED)
    assert (failed.ip, failed.data) == ("127.0.0.1", {"method": "totp", "failures": 1})
    paused = SecurityEvent.objects.get(user=user, kind=SecurityEvent.Kind.THROTTLED)
    assert (paused.ip, paused.data) == ("127.0.0.1", {"method": "totp", "retry_after": error["retry_after"]})


def test_remember_sets_a_cookie_that_skips_the_next_second_step(api, totp_user):
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    response = api.post("/2fa/verify", {"code": totp.now(), "remember": True})
    assert response.status_code == 200
    cookie = response.cookies[remember.COOKIE_NAME]
    assert cookie["httponly"] and cookie.value
    api.post("/logout")
    session = api.login("alice", PASSWORD)
    assert session["verified"] is True and session["two_factor"]["state"] == "none"


def test_without_remember_no_cookie_is_set(api, totp_user):
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    response = api.post("/2fa/verify", {"code": totp.now(), "remember": False})
    assert remember.COOKIE_NAME not in response.cookies


def test_sign_in_with_a_code_by_email(api, user):
    add_email(user)
    assert api.login("alice", PASSWORD)["two_factor"]["primary_method"] == "email"
    response = api.post("/2fa/challenge", {"method": "email"})
    assert response.status_code == 200, response.content
    assert response.json() == {"sent_to": "a••••@example.com", "cooldown_seconds": 60}
    assert mail.outbox[-1].to == ["alice@example.com"]
    session = api.verify(last_emailed_code(), method="email")
    assert session["verified"] is True


def test_sign_in_with_a_code_by_text_message(api, user):
    add_sms(user)
    api.login("alice", PASSWORD)
    response = api.post("/2fa/challenge", {"method": "sms"})
    assert response.status_code == 200, response.content
    assert sms.outbox[-1].to == "+14155550123"
    assert api.verify(last_texted_code(), method="sms")["verified"] is True


def test_asking_again_during_the_cooldown_is_throttled(api, user):
    add_email(user)
    api.login("alice", PASSWORD)
    assert api.post("/2fa/challenge", {"method": "email"}).status_code == 200
    response = api.post("/2fa/challenge", {"method": "email"})
    error = error_of(response, 429, "throttled")
    assert 1 <= error["retry_after"] <= 60
    assert response["Retry-After"] == str(error["retry_after"])
    assert len(mail.outbox) == 1


def test_challenge_for_a_method_the_user_lacks(api, totp_user):
    api.login("alice", PASSWORD)
    error_of(api.post("/2fa/challenge", {"method": "email"}), 400, "invalid_method")
    error = error_of(api.post("/2fa/challenge", {"method": "totp"}), 400, "validation_error")
    assert set(error["fields"]) == {"method"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_that_is_down_answers_503_and_changes_nothing(api, user, settings):
    device = add_email(user)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    api.login("alice", PASSWORD)
    error_of(api.post("/2fa/challenge", {"method": "email"}), 503, "delivery_failed")
    device.refresh_from_db()
    assert device.code_hash == ""
    assert api.get("/session").json()["two_factor"]["state"] == "verify"


# Re-authentication


def test_reauthenticate_needs_the_password_and_a_code(api, totp_user):
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    error = error_of(api.post("/reauthenticate", {"password": PASSWORD}), 400, "validation_error")
    assert set(error["fields"]) == {"code"}
    next_code = totp.at(time.time() + 30)
    error_of(
        api.post("/reauthenticate", {"password": "wrong-password-123", "code": next_code}), 400, "invalid_credentials"
    )
    response = api.post("/reauthenticate", {"password": PASSWORD, "code": next_code, "method": "totp"})
    assert response.status_code == 200, response.content
    assert response.json() == {"reauthenticated": True, "valid_seconds": 300}


def test_reauthenticate_refuses_even_the_right_password_after_repeated_wrong_ones(api, totp_user, settings):
    """The API's re-authentication shares the password throttle: 429 with retry_after, and no step up."""
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 3
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    error = error_of(
        api.post("/reauthenticate", {"password": "wrong-password-123", "code": "123456"}), 400, "invalid_credentials"
    )
    assert error["fields"] == {"password": "invalid"} and error["message"] == "That password is not correct."
    # The browser is known now (it completed a sign-in): 3 of its own budget, then 3 of its address's.
    for _attempt in range(5):
        response = api.post("/reauthenticate", {"password": "wrong-password-123", "code": "123456"})
        assert response.status_code in (400, 429), response.content
    response = api.post("/reauthenticate", {"password": PASSWORD, "code": totp.at(time.time() + 30), "method": "totp"})
    error = error_of(response, 429, "throttled")
    assert error["retry_after"] >= 1 and response["Retry-After"] == str(error["retry_after"])


def test_reauthenticate_with_a_code_sent_by_email(api, user, settings):
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    add_email(user)
    api.login("alice", PASSWORD)
    api.post("/2fa/challenge", {"method": "email"})
    api.verify(last_emailed_code(), method="email")
    assert api.post("/2fa/challenge", {"method": "email"}).status_code == 200
    response = api.post("/reauthenticate", {"password": PASSWORD, "code": last_emailed_code(), "method": "email"})
    assert response.status_code == 200, response.content


def test_reauthenticate_without_methods_needs_only_the_password(api, user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    api.login("alice", PASSWORD)
    assert api.post("/reauthenticate", {"password": PASSWORD}).status_code == 200
    assert api.post("/reauthenticate", {"password": PASSWORD, "code": "123456"}).status_code == 200


def test_reauthenticate_is_not_reachable_before_the_second_step(api, totp_user):
    api.login("alice", PASSWORD)
    error_of(api.post("/reauthenticate", {"password": PASSWORD}), 401, "two_factor_required")
