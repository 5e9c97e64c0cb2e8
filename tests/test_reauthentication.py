"""Re-authentication (flows.reauthenticate) proves the password and a code of the method named: pages and API.

A stolen session that knows the password must not step up with a made-up code, nor with a real code of one
method passed off as another's, and so must not remove methods.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.api_client import ApiClient, error_of
from tests.support.devices import add_email, add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

REAUTH_STAMPS = "twofactor_reauth"  # the session's re-authentication times (password_at, code_at)


def wrong_code(totp) -> str:
    """Six digits that no time step near now accepts."""
    near = {totp.at(time.time() + 30 * step) for step in range(-3, 4)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in near)


def next_step_code(totp) -> str:
    """A code of the next time step: accepted, and not spent by the sign-in."""
    return totp.at(time.time() + 30)


def make_stale(session) -> None:
    session[REAUTH_STAMPS] = {"password_at": 0, "code_at": 0}
    session.save()


@pytest.fixture
def alice():
    """(user, TOTP device, its generator): an authenticator app and codes by email, so either can be removed."""
    user = make_user()
    device, totp = add_totp(user)
    add_email(user)
    return user, device, totp


@pytest.fixture
def page_session(client, alice):
    """A browser past both steps whose re-authentication is stale."""
    _user, _device, totp = alice
    sign_in(client)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    make_stale(client.session)
    return client


@pytest.fixture
def api_session(alice):
    """An API client past both steps whose re-authentication is stale."""
    _user, _device, totp = alice
    api = ApiClient()
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    make_stale(api.django.session)
    return api


def failures(device) -> int:
    device.refresh_from_db()
    return device.throttling_failure_count


def wait_out_the_throttle(device) -> None:
    """As if the one-second wait after a wrong code had passed."""
    type(device).objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=1))


def assert_page_still_asks_to_reauthenticate(client, device) -> None:
    response = client.post("/2fa/methods/totp/remove/")
    assert response.status_code == 302 and response.url.startswith("/2fa/reauthenticate/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_page_the_right_password_with_a_wrong_code_is_refused(page_session, alice):
    _user, device, totp = alice
    response = page_session.post(
        "/2fa/reauthenticate/", {"password": PASSWORD, "code": wrong_code(totp), "method": "totp"}
    )
    assert response.status_code == 400
    assert "That code is not valid. Check it and try again." in response.content.decode()
    assert failures(device) == 1, "the code went through the device's throttled check"
    assert_page_still_asks_to_reauthenticate(page_session, device)
    # The same session with the right code steps up: the refusal was the code, nothing else.
    wait_out_the_throttle(device)
    response = page_session.post(
        "/2fa/reauthenticate/", {"password": PASSWORD, "code": next_step_code(totp), "method": "totp"}
    )
    assert response.status_code == 302
    assert page_session.post("/2fa/methods/totp/remove/").url == "/2fa/"


def test_api_the_right_password_with_a_wrong_code_is_refused(api_session, alice):
    _user, device, totp = alice
    refused = api_session.post("/reauthenticate", {"password": PASSWORD, "code": wrong_code(totp), "method": "totp"})
    error_of(refused, 400, "invalid_code")
    assert failures(device) == 1
    error_of(api_session.delete("/2fa/devices/totp"), 403, "reauthentication_required")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    wait_out_the_throttle(device)
    accepted = api_session.post(
        "/reauthenticate", {"password": PASSWORD, "code": next_step_code(totp), "method": "totp"}
    )
    assert accepted.status_code == 200
    assert api_session.delete("/2fa/devices/totp").status_code == 200


def test_page_the_authenticator_code_named_as_the_email_code_is_refused(page_session, alice):
    """A real code, but of another method than the one named: the email method checks it, and refuses it."""
    user, device, totp = alice
    response = page_session.post(
        "/2fa/reauthenticate/", {"password": PASSWORD, "code": next_step_code(totp), "method": "email"}
    )
    assert response.status_code == 400
    assert "That code is not valid. Check it and try again." in response.content.decode()
    assert failures(EmailDevice.objects.get(user=user)) == 1
    assert_page_still_asks_to_reauthenticate(page_session, device)


def test_api_the_authenticator_code_named_as_the_email_code_is_refused(api_session, alice):
    user, device, totp = alice
    refused = api_session.post(
        "/reauthenticate", {"password": PASSWORD, "code": next_step_code(totp), "method": "email"}
    )
    error_of(refused, 400, "invalid_code")
    assert failures(EmailDevice.objects.get(user=user)) == 1
    error_of(api_session.delete("/2fa/devices/totp"), 403, "reauthentication_required")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
