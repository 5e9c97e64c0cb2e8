""" "Remember this browser": skips the second step only, and dies with any change of password or methods."""

import time
import types

import pytest
from django.core import signing
from django.test import Client

from tests.support.authenticator_clock import AuthenticatorClock
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import flows, remember
from twofactor.methods.email.models import EmailDevice
from twofactor.models import SecurityEvent

COOKIE = remember.COOKIE_NAME


@pytest.fixture
def account(db, monkeypatch):
    """(user, device, codes) for a user with an authenticator app; codes() gives a fresh code each call."""
    user = make_user()
    device, totp = add_totp(user)
    clock = AuthenticatorClock(monkeypatch)
    return user, device, lambda: clock.code(totp)


def _remembered_client(codes) -> Client:
    """A browser that signed in with a code and ticked "remember this browser", then signed out."""
    client = Client()
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes(), "remember": "on"})
    assert response.status_code == 302
    assert COOKIE in response.cookies
    client.post("/accounts/logout/")
    return client


def _skips_second_step(client: Client) -> bool:
    sign_in(client)
    return client.get("/").status_code == 200


def test_the_cookie_is_signed_httponly_and_lives_remember_days(account, settings):
    settings.TWOFACTOR_REMEMBER_DAYS = 7
    _user, _device, codes = account
    client = Client()
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes(), "remember": "on"})
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 7 * 86400
    assert PASSWORD not in cookie.value


def test_without_the_box_ticked_no_cookie_is_set(account):
    _user, _device, codes = account
    client = Client()
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes()})
    assert COOKIE not in response.cookies


def test_a_remembered_browser_skips_only_the_second_step(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    # Without the password it is still signed out …
    assert client.get("/").url.startswith("/accounts/login/")
    # … and a wrong password is still refused.
    assert client.post("/accounts/login/", {"username": "alice", "password": "nope-nope-nope"}).status_code == 200
    assert client.get("/").url.startswith("/accounts/login/")
    assert _skips_second_step(client)
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.REMEMBERED_BROWSER_USED).count() == 1
    assert client.get("/").wsgi_request.user.is_verified()


def test_another_browser_still_needs_a_code(account):
    _user, _device, codes = account
    _remembered_client(codes)
    assert not _skips_second_step(Client())


def test_a_password_change_ends_the_remembered_browser(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    user.set_password(PASSWORD + "-new")
    user.save()
    user.set_password(PASSWORD)  # the same password again: a new salt, so a new hash
    user.save()
    assert not _skips_second_step(client)


def test_a_password_change_through_the_page_ends_the_remembered_browser(account):
    _user, _device, codes = account
    client = _remembered_client(codes)
    assert _skips_second_step(client)
    new_password = PASSWORD + "-new"
    client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "alice", "password": new_password})
    assert client.get("/").status_code == 302


def test_adding_a_method_ends_the_remembered_browser(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    assert not _skips_second_step(client)


def test_removing_a_method_ends_the_remembered_browser(account):
    user, _device, codes = account
    email = EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    client = _remembered_client(codes)
    email.delete()
    assert not _skips_second_step(client)


def test_an_admin_reset_ends_the_remembered_browser(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    flows.reset_user(user)
    add_totp(user)  # even after enrolling again
    assert not _skips_second_step(client)


def test_the_cookie_expires_after_remember_days(account, settings, monkeypatch):
    settings.TWOFACTOR_REMEMBER_DAYS = 2
    _user, _device, codes = account
    client = _remembered_client(codes)
    real = time.time
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: real() + 2 * 86400 + 60))
    assert not _skips_second_step(client)


def test_another_users_cookie_does_not_skip_the_step(account):
    _user, _device, codes = account
    client = _remembered_client(codes)
    bob = make_user("bob")
    add_totp(bob)
    sign_in(client, "bob")
    assert client.get("/").status_code == 302


def test_a_forged_cookie_is_ignored(account):
    user, device, _codes = account
    client = Client()
    forged = signing.dumps({"u": user.pk, "d": device.persistent_id, "f": "0" * 32}, salt="twofactor.remember")
    client.cookies[COOKIE] = forged
    assert not _skips_second_step(client)
    client = Client()
    client.cookies[COOKIE] = "garbage:value"
    assert not _skips_second_step(client)


def _valid_cookie(codes) -> str:
    return _remembered_client(codes).cookies[COOKIE].value


def test_a_cookie_whose_signature_was_altered_is_ignored(account):
    _user, _device, codes = account
    value = _valid_cookie(codes)
    payload, _sep, signature = value.rpartition(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert not _skips_second_step(_client_with_cookie(f"{payload}:{flipped}"))
    # The payload changed under the original signature (another device id) is refused as well.
    data = signing.loads(value, salt="twofactor.remember")
    other = signing.dumps({**data, "d": data["d"] + "0"}, salt="twofactor.remember", compress=True)
    assert not _skips_second_step(_client_with_cookie(f"{other.rpartition(':')[0]}:{signature}"))


def test_a_cookie_signed_with_another_key_or_for_another_purpose_is_ignored(account):
    _user, _device, codes = account
    data = signing.loads(_valid_cookie(codes), salt="twofactor.remember")
    # The very payload a valid cookie carries, signed with a key other than the site's …
    foreign = signing.dumps(data, key="another-site-secret-key-0123456789", salt="twofactor.remember", compress=True)
    assert not _skips_second_step(_client_with_cookie(foreign))
    # … or with the site's key for another purpose (another salt), as other signed values of the site are.
    elsewhere = signing.dumps(data, salt="django.contrib.sessions", compress=True)
    assert not _skips_second_step(_client_with_cookie(elsewhere))


def test_a_cookie_just_past_remember_days_is_ignored(account, settings, monkeypatch):
    settings.TWOFACTOR_REMEMBER_DAYS = 1
    _user, _device, codes = account
    value = _valid_cookie(codes)
    real = time.time
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: real() + 86400 - 60))
    assert _skips_second_step(_client_with_cookie(value))
    monkeypatch.setattr(signing, "time", types.SimpleNamespace(time=lambda: real() + 86400 + 5))
    assert not _skips_second_step(_client_with_cookie(value))


def test_a_valid_cookie_of_another_user_is_ignored(account):
    _user, _device, codes = account
    bob = make_user("bob")
    add_totp(bob)
    # Alice's genuine cookie, presented at Bob's sign-in: his second step is still asked for.
    client = _client_with_cookie(_valid_cookie(codes))
    sign_in(client, "bob")
    assert client.get("/").status_code == 302
    assert not client.get("/2fa/").wsgi_request.user.is_verified()


def test_a_remembered_sign_in_still_needs_a_code_to_remove_a_method(account):
    """The cookie skips the second step, not re-authentication: the fresh password alone is not enough."""
    user, device, codes = account
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    client = _remembered_client(codes)
    sign_in(client)
    assert client.get("/").status_code == 200  # remembered: no second step
    response = client.post("/2fa/methods/totp/remove/")
    assert response.status_code == 302 and response.url.startswith("/2fa/reauthenticate/")
    assert type(device).objects.filter(pk=device.pk).exists()


def _client_with_cookie(value: str) -> Client:
    client = Client()
    client.cookies[COOKIE] = value
    return client


def test_remember_days_zero_turns_it_off(account, settings):
    settings.TWOFACTOR_REMEMBER_DAYS = 0
    _user, _device, codes = account
    client = Client()
    sign_in(client)
    page = client.get("/2fa/verify/").content.decode()
    assert 'name="remember"' not in page
    response = client.post("/2fa/verify/", {"code": codes(), "remember": "on"})
    assert response.status_code == 302 and COOKIE not in response.cookies


def test_turning_remember_off_ignores_cookies_given_before(account, settings):
    _user, _device, codes = account
    value = _valid_cookie(codes)
    settings.TWOFACTOR_REMEMBER_DAYS = 0
    assert not _skips_second_step(_client_with_cookie(value))


def test_the_cookie_is_secure_where_the_session_cookie_is(account, settings):
    settings.SESSION_COOKIE_SECURE = True
    _user, _device, codes = account
    client = Client()
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes(), "remember": "on"})
    assert response.cookies[COOKIE]["secure"] is True


def test_a_remembered_sign_in_is_in_the_security_record(account):
    user, device, codes = account
    client = _remembered_client(codes)
    assert _skips_second_step(client)
    used = SecurityEvent.objects.get(user=user, kind=SecurityEvent.Kind.REMEMBERED_BROWSER_USED)
    assert used.data == {"method": "totp"} and used.ip == "127.0.0.1"
    signed_in = list(SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SIGNED_IN))
    assert sorted(event.data["remembered"] for event in signed_in) == [False, True]
    remembered = next(event for event in signed_in if event.data["remembered"])
    assert remembered.data == {"method": "totp", "remembered": True, "language": "en"} and remembered.ip == "127.0.0.1"
