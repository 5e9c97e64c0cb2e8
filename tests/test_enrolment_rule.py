"""A factor is only added by a session that proved one (flows.setup.require_enrolment_allowed)."""

import time

import pytest

from tests.support.api_client import ApiClient, error_of, last_emailed_code
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from twofactor.methods.email.models import EmailDevice
from twofactor.models import UserSession

pytestmark = pytest.mark.django_db


def test_a_setup_session_expires_after_the_set_up_lifetime(user, settings):
    settings.TWOFACTOR_SETUP_SECONDS = 1
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "setup"
    time.sleep(1.1)
    error_of(api.post("/2fa/setup/totp"), 401, "sign_in_expired")
    assert not UserSession.objects.filter(user=user).exists()


def test_adding_a_second_method_needs_recent_reauthentication(settings):
    user = make_user()
    _device, totp = add_totp(user)
    settings.TWOFACTOR_REAUTH_SECONDS = 1
    api = ApiClient()
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    time.sleep(1.1)
    error_of(api.post("/2fa/setup/email"), 403, "reauthentication_required")
    settings.TWOFACTOR_REAUTH_SECONDS = 300
    assert api.post("/reauthenticate", {"password": PASSWORD, "code": totp.at(time.time() + 30)}).status_code == 200
    assert api.post("/2fa/setup/email").status_code == 200
    assert api.post("/2fa/setup/confirm", {"code": last_emailed_code()}).status_code == 200
    assert EmailDevice.objects.filter(user=user).exists()


def test_a_session_that_did_not_pass_the_second_step_adds_nothing(settings, client):
    user = make_user()
    add_totp(user)
    settings.TWOFACTOR_ALLOWED_PATHS = ["/api/v1/2fa/setup/", "/2fa/setup/"]  # even if a project let it through
    api = ApiClient()
    api.login("alice", PASSWORD)
    error_of(api.post("/2fa/setup/email"), 403, "second_factor_required")
    error_of(api.post("/2fa/setup/sms", {"phone": "+14155550123"}), 403, "second_factor_required")
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    response = client.get("/2fa/setup/email/")
    assert response.status_code == 302 and response.url == "/2fa/"


def test_a_stale_optional_session_reauthenticates_before_its_first_method(user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    settings.TWOFACTOR_SETUP_SECONDS = 1
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "none"
    time.sleep(1.1)
    error_of(api.post("/2fa/setup/email"), 403, "reauthentication_required")
    assert api.post("/reauthenticate", {"password": PASSWORD}).status_code == 200
    assert api.post("/2fa/setup/email").status_code == 200


def test_confirming_a_method_ends_only_the_unproven_sessions(settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    user = make_user()
    unproven = ApiClient()
    unproven.login("alice", PASSWORD)
    owner = ApiClient()
    owner.login("alice", PASSWORD)
    owner.post("/2fa/setup/email")
    owner.post("/2fa/setup/confirm", {"code": last_emailed_code()})
    assert unproven.get("/session").json()["authenticated"] is False
    assert owner.get("/session").json()["verified"] is True
    assert UserSession.objects.filter(user=user).count() == 1


def test_an_enrolment_started_while_allowed_is_checked_again_at_confirmation(user):
    api = ApiClient()
    api.login("alice", PASSWORD)
    assert api.post("/2fa/setup/email", {"email": "mine@example.com"}).status_code == 200
    add_totp(user)  # meanwhile a method appeared (a confirmation that won the race, a staff action)
    error_of(api.post("/2fa/setup/confirm", {"code": last_emailed_code()}), 403, "second_factor_required")
    assert not EmailDevice.objects.exists()


def test_re_authenticating_makes_a_session_the_newest_password_proof_again(user, settings):
    """Of two sessions that know the password only the newest may add a first method; re-authenticating
    makes a session the newest again (its record's password time moves), and the other loses the right."""
    settings.TWOFACTOR_REQUIRED = "optional"
    first, second = ApiClient(), ApiClient()
    first.login("alice", PASSWORD)
    second.login("alice", PASSWORD)
    error_of(first.post("/2fa/setup/email"), 403, "reauthentication_required")
    assert first.post("/reauthenticate", {"password": PASSWORD}).status_code == 200
    error_of(second.post("/2fa/setup/email"), 403, "reauthentication_required")
    assert first.post("/2fa/setup/email").status_code == 200


def test_the_session_that_adds_a_method_is_not_among_the_sessions_it_ends(user, settings):
    """Adding a method ends the other unproven sessions, never the one adding it: its record stays (same row,
    same sign-in time) and the security record counts only the others."""
    from twofactor.models import SecurityEvent

    settings.TWOFACTOR_REQUIRED = "optional"
    owner, parked = ApiClient(), ApiClient()
    parked.login("alice", PASSWORD)
    owner.login("alice", PASSWORD)
    record = UserSession.objects.order_by("-pk").first()
    owner.post("/2fa/setup/email")
    assert owner.post("/2fa/setup/confirm", {"code": last_emailed_code()}).status_code == 200
    assert owner.get("/session").json()["verified"] is True
    assert list(UserSession.objects.filter(user=user).values_list("pk", "password_at")) == [
        (record.pk, record.password_at)
    ]
    added = SecurityEvent.objects.get(user=user, kind=SecurityEvent.Kind.METHOD_ADDED)
    assert added.data["sessions_ended"] == 1


def test_another_users_later_sign_in_does_not_take_the_right_to_enrol(user, settings):
    """'The newest password sign-in' is counted among the account's own sessions only."""
    settings.TWOFACTOR_REQUIRED = "optional"
    alice = ApiClient()
    alice.login("alice", PASSWORD)
    make_user("bob")
    ApiClient().login("bob", PASSWORD)
    assert alice.post("/2fa/setup/email").status_code == 200


def test_a_session_without_a_record_re_authenticates_before_its_first_method(user, settings):
    """A session the list of sessions does not know (signed in before the app was installed) cannot prove it is
    the newest sign-in: it re-authenticates first, which records it."""
    settings.TWOFACTOR_REQUIRED = "optional"
    api = ApiClient()
    api.login("alice", PASSWORD)
    UserSession.objects.filter(user=user).delete()
    error_of(api.post("/2fa/setup/email"), 403, "reauthentication_required")
    assert api.post("/reauthenticate", {"password": PASSWORD}).status_code == 200
    assert api.post("/2fa/setup/email").status_code == 200


def test_adding_a_method_leaves_the_users_other_verified_sessions_signed_in(settings):
    """Only sessions that never passed a second step end when a method is added: the user's phone, signed in
    with the authenticator app, stays signed in while the laptop adds a code by email."""
    user = make_user()
    _device, totp = add_totp(user)
    phone, laptop = ApiClient(), ApiClient()
    phone.login("alice", PASSWORD)
    phone.verify(totp.now())
    laptop.login("alice", PASSWORD)
    laptop.verify(totp.at(time.time() + 30))
    assert laptop.post("/2fa/setup/email").status_code == 200
    assert laptop.post("/2fa/setup/confirm", {"code": last_emailed_code()}).status_code == 200
    assert phone.get("/session").json()["verified"] is True
    assert UserSession.objects.filter(user=user).count() == 2


def test_a_password_only_session_is_recorded_for_its_user_without_a_method(user, settings):
    """Without a method (optional site) the session's two-factor record names its user, and its row in the list of
    sessions names no method: removing a method later must not match it by accident."""
    settings.TWOFACTOR_REQUIRED = "optional"
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "none"
    record = api.django.session["twofactor"]
    assert (record["user_id"], record["state"]) == (user.pk, "none")
    assert UserSession.objects.get(user=user).device_id == ""


def test_ten_wrong_confirmation_codes_cancel_the_enrolment_with_a_429(user):
    """Guessing the confirmation code of a method being added: the tenth wrong code cancels the set-up, in the
    API's throttle shape (429, retry_after, Retry-After), and the right code is no use afterwards."""
    api = ApiClient()
    api.login("alice", PASSWORD)
    assert api.post("/2fa/setup/email").status_code == 200
    code = last_emailed_code()
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(9):
        error_of(api.post("/2fa/setup/confirm", {"code": wrong}), 400, "invalid_code")
    response = api.post("/2fa/setup/confirm", {"code": wrong})
    error = error_of(response, 429, "throttled")
    assert error["message"] == "Too many wrong codes. The set-up was cancelled; please start again."
    assert error["retry_after"] == 1 and response["Retry-After"] == "1"
    assert api.post("/2fa/setup/confirm", {"code": code}).status_code != 200
    assert not EmailDevice.objects.filter(user=user).exists()


def test_the_enrolment_refusals_say_what_to_do(user, settings):
    """Each refusal of the enrolment rule answers with its code and the sentence a client shows."""
    add_totp(user)
    settings.TWOFACTOR_ALLOWED_PATHS = ["/api/v1/2fa/setup/"]  # let the flow itself answer, as a project may
    pending_step = ApiClient()
    pending_step.login("alice", PASSWORD)
    error = error_of(pending_step.post("/2fa/setup/email"), 403, "second_factor_required")
    assert error["message"] == "Sign in with one of your two-factor methods before adding another."

    settings.TWOFACTOR_REQUIRED = "optional"
    make_user("bob")
    first, second = ApiClient(), ApiClient()
    first.login("bob", PASSWORD)
    second.login("bob", PASSWORD)
    error = error_of(first.post("/2fa/setup/email"), 403, "reauthentication_required")
    assert error["message"] == (
        "For your security, enter your password again before setting up two-factor authentication."
    )
    error = error_of(second.post("/2fa/setup/confirm", {"code": "123456"}), 409, "no_pending_setup")
    assert error["message"] == "There is no set-up in progress, or it expired. Please start again."


def test_a_method_already_in_use_is_not_set_up_twice(settings):
    user = make_user()
    _device, totp = add_totp(user)
    api = ApiClient()
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    error = error_of(api.post("/2fa/setup/totp"), 409, "conflict")
    assert error["message"] == "You already use this method. Remove it first if you want to set it up again."
