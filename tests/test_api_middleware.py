"""A partially signed-in API session reaches only the endpoints of its pending step; the rest answer 401."""

import pytest
from django.urls import reverse

from tests.support.api_client import ApiClient, error_of
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from tests.test_api_endpoint import ENDPOINTS, endpoint_ids, url_of

pytestmark = pytest.mark.django_db

ALLOWED = {
    "verify": {
        "session",
        "logout",
        "send_code",
        "verify",
        "rescue",
        "openapi",
        "verify_passkey_begin",
        "verify_passkey_complete",
    },
    # With the test-only method's set-up step (tests/hardware_token).
    "setup": {
        "session",
        "logout",
        "reauthenticate",
        "devices",
        "setup_totp",
        "setup_email",
        "setup_sms",
        "setup_hotp",
        "setup_confirm",
        "openapi",
        "setup_passkey_begin",
        "setup_passkey_complete",
    },
}


def call(api: ApiClient, pattern, body=""):
    method = pattern.callback.api_methods[0].lower()
    if method == "get":
        return api.django.get(url_of(pattern))
    return getattr(api.django, method)(
        url_of(pattern), body, content_type="application/json", headers={"X-CSRFToken": api.csrf_token}
    )


@pytest.fixture
def pending_api(request, db):
    """A session that gave its password and is in the state named by the test's `pending` parameter."""
    user = make_user()
    if request.param == "verify":
        add_totp(user)
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == request.param
    return api


@pytest.mark.parametrize("pending_api", ["verify", "setup"], indirect=True)
@pytest.mark.parametrize("pattern", ENDPOINTS, ids=endpoint_ids)
def test_only_the_pending_steps_endpoints_answer(pending_api, pattern, request):
    pending = request.node.callspec.params["pending_api"]
    response = call(pending_api, pattern)
    if pattern.name in ALLOWED[pending]:
        assert response.status_code != 401, (pattern.name, response.content)
    else:
        error = error_of(response, 401, "two_factor_required")
        assert error["message"] in (
            "Complete the second sign-in step first.",
            "Set up a two-factor method to continue.",
        )
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("pending_api", ["verify"], indirect=True)
def test_unknown_api_addresses_are_blocked_too(pending_api):
    error_of(pending_api.django.get("/api/v1/nothing-here"), 401, "two_factor_required")


@pytest.mark.parametrize("pending_api", ["verify"], indirect=True)
def test_the_pages_stay_closed_to_a_pending_api_session(pending_api):
    response = pending_api.django.get(reverse("twofactor:overview"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("twofactor:verify"))


def test_an_expired_pending_sign_in_answers_401_and_signs_out(totp_user, settings):
    settings.TWOFACTOR_PENDING_SIGN_IN_SECONDS = 0
    api = ApiClient()
    api.login("alice", PASSWORD)
    error = error_of(api.get("/2fa/devices"), 401, "sign_in_expired")
    assert error["message"] == "Your sign-in expired. Please sign in again."
    assert api.get("/session").json()["authenticated"] is False
