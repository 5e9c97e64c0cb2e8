"""A verified request costs no query beyond Django's session authentication, yet revocation is immediate."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.support.authenticator_clock import AuthenticatorClock
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import flows
from twofactor.core import registry
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.passkey.models import PasskeyDevice
from twofactor.models import UserSession

TWO_FACTOR_MIDDLEWARE = "twofactor.middleware.TwoFactorMiddleware"


def _queries_of(client: Client, path: str) -> list[str]:
    client.get(path)  # warm up: the first request after a sign-in may still write the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def baseline_site(settings):
    settings.ROOT_URLCONF = "tests.support.baseline_urls"


def _plain_site_queries(settings) -> list[str]:
    """A user of a site without the two-factor requirement, on a plain `login_required` page."""
    middleware = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = [name for name in middleware if name != TWO_FACTOR_MIDDLEWARE]
    settings.TWOFACTOR_REQUIRED = "optional"
    make_user("plain")
    client = Client()
    sign_in(client, "plain")
    try:
        return _queries_of(client, "/plain/")
    finally:
        settings.MIDDLEWARE = middleware
        settings.TWOFACTOR_REQUIRED = "all"


def test_a_verified_page_costs_what_a_plain_login_required_page_costs(baseline_site, settings, verified_client):
    verified = _queries_of(verified_client, "/")
    plain = _plain_site_queries(settings)
    assert len(verified) == len(plain), (verified, plain)
    assert not any("twofactor_" in sql for sql in verified), verified


def test_the_same_view_costs_the_same_behind_the_middleware(baseline_site, settings, verified_client):
    assert len(_queries_of(verified_client, "/plain/")) == len(_plain_site_queries(settings))


def test_a_verified_request_makes_only_the_session_and_user_queries(baseline_site, verified_client):
    queries = _queries_of(verified_client, "/")
    assert len(queries) == 2, queries
    assert "django_session" in queries[0] and "accounts_user" in queries[1]


# Revocation is immediate: the other sessions are gone from the session store.


@pytest.fixture
def two_sessions(db, monkeypatch):
    """(user, (clock, totp), this client, other client): two sessions of one user, verified with the authenticator."""
    user = make_user()
    _device, totp = add_totp(user)
    clock = AuthenticatorClock(monkeypatch)
    clients = []
    for _ in range(2):
        client = Client()
        sign_in(client)
        assert client.post("/2fa/verify/", {"code": clock.code(totp)}).status_code == 302
        assert client.get("/").status_code == 200
        clients.append(client)
    assert UserSession.objects.filter(user=user, verified_at__isnull=False).count() == 2
    return user, (clock, totp), clients[0], clients[1]


def _signed_out(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_removing_a_method_ends_the_other_sessions_it_verified(two_sessions):
    user, (clock, totp), this, other = two_sessions
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    # A third session, verified with a backup code, is not verified by the removed method.
    codes = replace_backup_codes(user)
    third = Client()
    sign_in(third)
    assert third.post("/2fa/verify/", {"code": codes[0]}).status_code == 302

    response = this.post("/2fa/reauthenticate/", {"password": PASSWORD, "code": clock.code(totp), "method": "totp"})
    assert response.status_code == 302
    assert this.post("/2fa/methods/totp/remove/").url == "/2fa/"

    assert _signed_out(other)
    assert this.get("/").status_code == 200
    assert third.get("/").status_code == 200


def test_an_admin_reset_ends_every_session(two_sessions):
    user, _clock, this, other = two_sessions
    flows.reset_user(user)
    assert _signed_out(this)
    assert _signed_out(other)
    assert not UserSession.objects.filter(user=user).exists()


def test_a_password_change_ends_the_other_sessions(two_sessions):
    _user, _clock, this, other = two_sessions
    new_password = PASSWORD + "-changed"
    response = this.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert _signed_out(other)
    assert this.get("/").status_code == 200


def test_the_session_that_changed_the_password_stays_revocable(two_sessions):
    user, _clock, this, _other = two_sessions
    new_password = PASSWORD + "-changed"
    this.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    # It is still listed under "where you are signed in", under its new key …
    key = this.cookies["sessionid"].value
    assert UserSession.objects.filter(user=user, session_key=key).exists()
    # … so a later reset still reaches it.
    flows.reset_user(user)
    assert _signed_out(this)


def test_signing_out_another_session_from_the_list(two_sessions):
    user, _clock, this, other = two_sessions
    other_key = other.cookies["sessionid"].value
    record = UserSession.objects.get(user=user, session_key=other_key)
    page = this.get("/2fa/").content.decode()
    assert f"/2fa/sessions/{record.pk}/end/" in page
    assert this.post(f"/2fa/sessions/{record.pk}/end/").url == "/2fa/"
    assert _signed_out(other)
    assert this.get("/").status_code == 200


# The second sign-in step: the device is found and locked in one query, the session renamed in one.

SECOND_STEP_STATEMENTS = (
    8  # session, user, device locked and updated, session renamed with its data, its record, location, event
)


def _statements(captured) -> list[str]:
    """The statements a request sent, without the savepoints the test's transaction adds."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def _second_step(client: Client, code: str) -> list[str]:
    sign_in(client)
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/2fa/verify/", {"code": code})
    assert response.status_code == 302 and response.url == "/", response
    return _statements(captured)


def test_the_second_step_costs_at_most_the_peers_statements(totp_user, monkeypatch):
    _user, _device, totp = totp_user
    clock = AuthenticatorClock(monkeypatch)
    first = _second_step(Client(), clock.code(totp))  # the account's first location: recorded
    again = _second_step(Client(), clock.code(totp))  # a known location: its time updated
    assert len(first) <= SECOND_STEP_STATEMENTS, "\n".join(first)
    assert len(again) <= SECOND_STEP_STATEMENTS, "\n".join(again)
    assert sum("twofactor_totpdevice" in sql for sql in again) == 2, again  # locked read, update


def test_the_second_step_loads_no_list_of_the_other_methods_held(totp_user, monkeypatch):
    """Passkeys are offered (in the registry) and the user holds one, and backup codes: the authenticator code is
    still checked in the peer's statements, and neither the passkeys nor the backup codes are read."""
    user, _device, totp = totp_user
    assert "passkey" in {method.key for method in registry.methods()}
    PasskeyDevice.objects.create(
        user=user, name="Laptop", credential_id=b"\x01" * 16, public_key=b"not-a-key", user_handle=b"\x02" * 32
    )
    replace_backup_codes(user)
    clock = AuthenticatorClock(monkeypatch)
    statements = _second_step(Client(), clock.code(totp))
    assert len(statements) <= SECOND_STEP_STATEMENTS, "\n".join(statements)
    assert not any("twofactor_passkeydevice" in sql or "twofactor_backupcode" in sql for sql in statements)
