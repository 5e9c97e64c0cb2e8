"""GET /session, POST /login (with its throttle) and POST /logout."""

import pytest

from tests.support.api_client import ApiClient, error_of
from tests.support.users import PASSWORD, make_user
from twofactor.app_settings import app_settings
from twofactor.password_guard import WINDOW_SECONDS as PASSWORD_WINDOW_SECONDS

#: Outside a grace period the session shape has no deadline.
NO_DEADLINE = {"deadline": None, "days_left": None}

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return ApiClient()


def test_anonymous_session_shape_sets_the_csrf_cookie(api):
    response = api.get("/session")
    assert response.status_code == 200
    assert response.json() == {
        "authenticated": False,
        "verified": False,
        "user": None,
        "two_factor": {"required": False, "state": "none", "methods": [], "primary_method": None, **NO_DEADLINE},
    }
    assert response.cookies["csrftoken"].value
    assert "no-store" in response["Cache-Control"]


def test_login_with_a_method_leaves_the_second_step_pending(api, totp_user):
    user, _device, _totp = totp_user
    session = api.login("alice", PASSWORD)
    assert session == {
        "authenticated": True,
        "verified": False,
        "user": {"id": user.pk, "username": "alice", "email": "a••••@example.com"},  # masked: only the password
        "two_factor": {
            "required": True,
            "state": "verify",
            "methods": ["totp"],
            "primary_method": "totp",
            **NO_DEADLINE,
        },
    }
    assert api.get("/session").json() == session


def test_login_accepts_the_email_address_in_any_case(api, totp_user):
    assert api.login("ALICE@example.com", PASSWORD)["user"]["username"] == "alice"


def test_login_without_a_method_on_a_site_that_requires_one_asks_for_setup(api, user):
    two_factor = api.login("alice", PASSWORD)["two_factor"]
    assert two_factor == {"required": True, "state": "setup", "methods": [], "primary_method": None, **NO_DEADLINE}


def test_login_without_a_method_when_optional_is_complete_but_not_verified(api, user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    session = api.login("alice", PASSWORD)
    assert session["verified"] is False
    assert session["two_factor"] == {
        "required": False,
        "state": "none",
        "methods": [],
        "primary_method": None,
        **NO_DEADLINE,
    }
    assert api.get("/2fa/devices").status_code == 200


def test_login_rotates_the_csrf_token(api, user):
    before = api.csrf_token
    api.login("alice", PASSWORD)
    assert api.csrf_token != before


@pytest.mark.parametrize(
    "username, password",
    [("alice", "wrong-password-123"), ("nobody", PASSWORD), ("nobody@example.com", PASSWORD), ("inactive", PASSWORD)],
)
def test_every_wrong_identity_or_password_gets_one_generic_error(api, user, username, password):
    make_user("inactive", is_active=False)
    error = error_of(api.post("/login", {"username": username, "password": password}), 401, "invalid_credentials")
    assert error["message"] == "The username, email or password is not correct."
    assert error["fields"] == {}
    assert api.get("/session").json()["authenticated"] is False


def test_an_empty_username_is_a_validation_error(api, user):
    error = error_of(api.post("/login", {"username": "", "password": PASSWORD}), 400, "validation_error")
    assert set(error["fields"]) == {"username"}


def test_login_failures_are_throttled_per_account_and_address(api, user):
    for _attempt in range(app_settings.PASSWORD_FAILURES_PER_ACCOUNT_IP):
        error_of(
            api.post("/login", {"username": "Alice", "password": "wrong-password-123"}), 401, "invalid_credentials"
        )
    response = api.post("/login", {"username": "alice", "password": PASSWORD})
    error = error_of(response, 429, "throttled")
    assert 1 <= error["retry_after"] <= PASSWORD_WINDOW_SECONDS
    assert response["Retry-After"] == str(error["retry_after"])
    # Another account from the same address is not locked out, nor this one from another address.
    make_user("bob")
    assert ApiClient().login("bob", PASSWORD)["authenticated"] is True
    assert ApiClient(REMOTE_ADDR="192.0.2.7").login("alice", PASSWORD)["authenticated"] is True


def test_login_failures_are_throttled_per_address(api, user, settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_IP = 3
    for number in range(3):
        error_of(api.post("/login", {"username": f"nobody{number}", "password": "x"}), 401, "invalid_credentials")
    error_of(api.post("/login", {"username": "alice", "password": PASSWORD}), 429, "throttled")
    other_address = ApiClient(REMOTE_ADDR="192.0.2.7")
    assert other_address.login("alice", PASSWORD)["authenticated"] is True


def test_logout_ends_the_session(api, totp_user):
    api.login("alice", PASSWORD)
    response = api.post("/logout")
    assert response.status_code == 200
    assert response.json()["authenticated"] is False
    assert api.get("/session").json()["authenticated"] is False


def test_logout_needs_the_csrf_header(api, totp_user):
    api.login("alice", PASSWORD)
    error_of(api.post("/logout", csrf=False), 403, "csrf_failed")
    assert api.get("/session").json()["authenticated"] is True


def test_verified_session_reports_state_none_and_verified(api, totp_user):
    _user, _device, totp = totp_user
    api.login("alice", PASSWORD)
    session = api.verify(totp.now())
    assert session["verified"] is True
    assert session["two_factor"]["state"] == "none"


def test_a_pending_session_must_log_out_before_logging_in_again(api, totp_user):
    api.login("alice", PASSWORD)
    error_of(api.post("/login", {"username": "alice", "password": PASSWORD}), 401, "two_factor_required")
