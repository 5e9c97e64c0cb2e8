"""Step-up (twofactor.decorators, flows.step_up): a fresh second factor, never a password, for the host's views,
the API, twofactor's own re-authentication (passkeys count) and the admin actions that weaken an account."""

import json

import pytest
from django.test import Client

from tests.support.api_client import ApiClient, error_of
from tests.support.devices import add_totp
from tests.support.soft_authenticator import SoftAuthenticator
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import state
from twofactor.methods.passkey.models import PasskeyDevice
from twofactor.models import RescueRequest

pytestmark = pytest.mark.django_db

STALE_SECONDS = 301


@pytest.fixture(autouse=True)
def _host_views(settings):
    settings.ROOT_URLCONF = "tests.support.step_up_urls"


def make_stale(client, seconds: float = STALE_SECONDS) -> None:
    """The session proved its second factor `seconds` earlier than it did (as if the user came back later)."""
    session = client.session
    stamps = session[state.REAUTH_KEY]
    stamps["code_at"] -= seconds
    stamps["password_at"] = stamps.get("password_at", 0) - seconds
    session[state.REAUTH_KEY] = stamps
    session.save()


@pytest.fixture
def signed_in(db):
    """(client, totp) of alice, signed in with her authenticator just now."""
    user = make_user()
    _device, totp = add_totp(user)
    client = Client()
    sign_in(client)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return client, totp


def _next_totp(totp, monkeypatch):
    """A code of the next 30-second step (the one used at sign-in cannot be used twice)."""
    from tests.support.authenticator_clock import AuthenticatorClock

    return AuthenticatorClock(monkeypatch).code(totp)


def test_a_fresh_session_opens_the_view(signed_in):
    client, _totp = signed_in
    assert client.get("/payout/").content == b'<form method="post">payout form</form>'


def test_a_stale_session_is_asked_for_a_code_not_a_password(signed_in):
    """The freshness check: remove it and the stale session opens the view."""
    client, _totp = signed_in
    make_stale(client)
    response = client.get("/payout/")
    assert response.status_code == 302 and response["Location"] == "/2fa/confirm/?next=%2Fpayout%2F"
    page = client.get(response["Location"]).content.decode()
    assert 'name="code"' in page and 'type="password"' not in page and "Confirm it" in page


def test_a_password_is_no_answer_to_step_up(signed_in):
    client, _totp = signed_in
    make_stale(client)
    refused = client.post("/2fa/confirm/?next=/payout/", {"password": PASSWORD, "next": "/payout/"})
    assert refused.status_code == 400 and "Enter the code." in refused.content.decode()
    assert client.get("/payout/").status_code == 302  # still not fresh


def test_a_code_answers_step_up_rotates_the_key_and_returns_to_the_view(signed_in, monkeypatch):
    client, totp = signed_in
    make_stale(client)
    key = client.session.session_key
    response = client.post("/2fa/confirm/", {"code": _next_totp(totp, monkeypatch), "next": "/payout/"})
    assert response.status_code == 302 and response["Location"] == "/payout/"
    assert client.session.session_key != key
    assert client.get("/payout/").status_code == 200


def test_a_wrong_code_is_refused(signed_in):
    client, _totp = signed_in
    make_stale(client)
    refused = client.post("/2fa/confirm/", {"code": "000000", "next": "/payout/"})
    assert refused.status_code == 400 and client.get("/payout/").status_code == 302


def test_a_post_is_not_replayed_and_the_page_says_so(signed_in):
    client, _totp = signed_in
    make_stale(client)
    response = client.post("/payout/", {"amount": "500"}, HTTP_REFERER="http://testserver/payout/?from=menu")
    assert response.status_code == 302
    assert response["Location"] == "/2fa/confirm/?next=%2Fpayout%2F%3Ffrom%3Dmenu&resubmit=1"
    page = client.get(response["Location"]).content.decode()
    assert "What you sent was not kept" in page


def test_max_age_is_per_view_and_the_class_based_mixin_works(signed_in):
    client, _totp = signed_in
    make_stale(client, 90)
    assert client.get("/payout/").status_code == 200  # 300 s
    assert client.get("/close/").status_code == 302  # 60 s
    assert client.get("/export/").json() == {"export": "ready"}  # 120 s
    make_stale(client, 60)
    assert client.get("/export/").status_code == 302


def test_json_requests_get_401_step_up_required_with_max_age(signed_in):
    client, _totp = signed_in
    make_stale(client)
    answer = client.get("/payout/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["code"] == "step_up_required" and error["max_age"] == 300 and error["message"]
    assert client.get("/export/", HTTP_ACCEPT="application/json").json()["error"]["max_age"] == 120


def test_a_remembered_browser_proved_no_factor_and_is_asked(settings):
    user = make_user()
    _device, totp = add_totp(user)
    first = Client()
    sign_in(first)
    assert first.post("/2fa/verify/", {"code": totp.now(), "remember": "on"}).status_code == 302
    again = Client()
    again.cookies = first.cookies
    again.post("/accounts/logout/")
    sign_in(again)
    assert again.get("/").status_code == 200  # the remembered browser skipped the second step
    assert again.get("/payout/").status_code == 302


def test_a_user_without_a_method_is_told_to_set_one_up(settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    make_user()
    client = Client()
    sign_in(client)
    response = client.get("/payout/")
    assert response["Location"].startswith("/2fa/confirm/")
    page = client.get(response["Location"]).content.decode()
    assert "no two-factor method yet" in page and 'href="/2fa/setup/?next=/payout/"' in page


# The API


def test_the_api_round_trip(signed_in, monkeypatch, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 0  # the wrong code below would make the right one wait a second
    client, totp = signed_in
    make_stale(client)
    api = ApiClient()
    api.django.cookies = client.cookies
    assert api.django.get("/export/", HTTP_ACCEPT="application/json").status_code == 401
    error_of(api.post("/2fa/step-up", {"password": PASSWORD}), 400, "validation_error")
    error_of(api.post("/2fa/step-up", {"code": "000000"}), 400, "invalid_code")
    answer = api.post("/2fa/step-up", {"code": _next_totp(totp, monkeypatch), "method": "totp"})
    assert answer.status_code == 200 and answer.json()["confirmed"] is True
    assert api.django.get("/export/", HTTP_ACCEPT="application/json").json() == {"export": "ready"}


def test_the_api_refuses_step_up_without_a_method(settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    make_user()
    api = ApiClient()
    api.login("alice", PASSWORD)
    error_of(api.post("/2fa/step-up", {"code": "123456"}), 400, "invalid_method")


def test_the_openapi_document_describes_step_up():
    document = ApiClient().get("/openapi.json").json()
    assert "/2fa/step-up" in document["paths"]
    assert (
        "step_up_required"
        in document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
    )


# Passkeys count as a fresh factor


@pytest.fixture
def passkey_user(db):
    """(api, key): alice holds only a passkey (and its backup codes), signed in with it just now."""
    make_user()
    key = SoftAuthenticator()
    api = ApiClient()
    api.login("alice", PASSWORD)
    options = api.post("/2fa/setup/passkey/begin", {"name": "Laptop"}).json()["publicKey"]
    stored = api.post("/2fa/setup/passkey/complete", {"credential": json.dumps(key.create(options)), "name": "Laptop"})
    assert stored.status_code == 200, stored.content
    return api, key


def _assertion(api: ApiClient, key: SoftAuthenticator) -> str:
    options = api.post("/2fa/verify/passkey/begin").json()["publicKey"]
    return json.dumps(key.get(options))


def test_a_passkey_answers_step_up_through_the_api(passkey_user):
    api, key = passkey_user
    make_stale(api.django)
    assert api.django.get("/export/", HTTP_ACCEPT="application/json").status_code == 401
    answer = api.post("/2fa/step-up", {"credential": _assertion(api, key), "method": "passkey"})
    assert answer.status_code == 200, answer.content
    assert api.django.get("/export/", HTTP_ACCEPT="application/json").status_code == 200


def test_a_passkey_answers_the_confirm_page(passkey_user):
    api, key = passkey_user
    make_stale(api.django)
    page = api.django.get("/2fa/confirm/?next=/payout/").content.decode()
    assert 'data-passkey="authenticate"' in page and 'type="password"' not in page
    credential = _assertion(api, key)
    response = api.django.post(
        "/2fa/confirm/",
        {"credential": credential, "method": "passkey", "next": "/payout/", "csrfmiddlewaretoken": api.csrf_token},
    )
    assert response.status_code == 302 and response["Location"] == "/payout/"


def test_a_passkey_only_user_re_authenticates_with_the_passkey_not_a_backup_code(passkey_user):
    api, key = passkey_user
    make_stale(api.django)
    device = PasskeyDevice.objects.get()
    error_of(api.delete(f"/2fa/devices/passkey-{device.pk}", {}), 403, "reauthentication_required")
    page = api.django.get("/2fa/reauthenticate/").content.decode()
    assert 'data-passkey="authenticate"' in page
    answer = api.post(
        "/reauthenticate", {"password": PASSWORD, "credential": _assertion(api, key), "method": "passkey"}
    )
    assert answer.status_code == 200, answer.content
    from twofactor.methods.backup.models import BackupCode

    assert not BackupCode.objects.filter(used_at__isnull=False).exists()  # no backup code spent


def test_re_authentication_with_a_passkey_still_needs_the_password(passkey_user):
    api, key = passkey_user
    error_of(
        api.post("/reauthenticate", {"password": "wrong", "credential": _assertion(api, key), "method": "passkey"}),
        400,
        "invalid_credentials",
    )


# The admin: resetting someone's two-factor and approving a rescue request


@pytest.fixture
def staff(db):
    admin = make_user("root", is_staff=True, is_superuser=True)
    _device, totp = add_totp(admin)
    client = Client()
    sign_in(client, "root")
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return client, totp


def test_a_stale_staff_session_confirms_before_resetting_someone(staff, monkeypatch):
    client, totp = staff
    target = make_user("bob")
    add_totp(target)
    make_stale(client)
    page = f"/admin/accounts/user/{target.pk}/two-factor-reset/"
    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith("/2fa/confirm/?next=")
    assert client.post(page, {"confirmed": "yes", "note": "checked by phone"}).status_code == 302
    assert state.devices_of(target)  # nothing reset
    client.post("/2fa/confirm/", {"code": _next_totp(totp, monkeypatch), "next": page})
    assert client.get(page).status_code == 200  # the confirmation page now
    client.post(page, {"confirmed": "yes", "note": "checked by phone"})
    assert not state.devices_of(target)


def test_a_stale_staff_session_confirms_before_approving_a_rescue_request(staff):
    client, _totp = staff
    target = make_user("bob")
    add_totp(target)
    rescue = RescueRequest.objects.create(user=target, message="lost my phone")
    make_stale(client)
    changelist = "/admin/twofactor/rescuerequest/"
    response = client.post(
        changelist,
        {"action": "approve", "_selected_action": [rescue.pk], "confirmed": "yes", "note": "called them"},
        HTTP_REFERER=f"http://testserver{changelist}",
    )
    assert response.status_code == 302
    assert response["Location"] == "/2fa/confirm/?next=%2Fadmin%2Ftwofactor%2Frescuerequest%2F&resubmit=1"
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open" and state.devices_of(target)
    # Denying weakens nothing: no step-up.
    client.post(changelist, {"action": "deny", "_selected_action": [rescue.pk]})
    assert (
        "Deny rescue requests"
        in client.post(changelist, {"action": "deny", "_selected_action": [rescue.pk]}).content.decode()
    )


def test_the_flow_refuses_a_stale_staff_reset_whatever_the_caller():
    from django.test import RequestFactory

    from twofactor import flows

    staff_user = make_user("root", is_staff=True, is_superuser=True)
    target = make_user("bob")
    add_totp(target)
    request = RequestFactory().post("/")
    request.user = staff_user
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    with pytest.raises(flows.TwoFactorError) as refused:
        flows.reset_two_factor(target, actor=staff_user, request=request, note="n")
    assert refused.value.code == "step_up_required" and state.devices_of(target)
    flows.reset_two_factor(target, note="from the shell")  # the operator's shell is not asked
    assert not state.devices_of(target)
