""" "Not you?" in the new-browser mail: a signed link, good once for 24 hours, that signs the sign-in it names out and
forgets its browser; opening it only shows what it would do (a button does it), and it signs nobody in."""

import re
import time
import types

import pytest
from django.core import mail, signing
from django.test import Client

from tests.support.authenticator_clock import AuthenticatorClock
from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor import remember
from twofactor.activity import describe
from twofactor.models import SecurityEvent, TrustedBrowser, UserSession

Kind = SecurityEvent.Kind
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_ON_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TWOFACTOR_SITE_URL = "https://accounts.example.com"
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"


@pytest.fixture
def owner(db, monkeypatch):
    """alice with an authenticator app, whose first sign-in (from her Mac) is behind her; codes() gives fresh codes."""
    user = make_user()
    _device, totp = add_totp(user)
    clock = AuthenticatorClock(monkeypatch)

    def codes() -> str:
        return clock.code(totp)

    home = signed_in(codes, SAFARI_ON_MAC, "198.51.100.7")
    mail.outbox.clear()
    return user, codes, home


def signed_in(codes, agent: str, address: str, *, remember_it: bool = False) -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    sign_in(client)
    data = {"code": codes(), **({"remember": "on"} if remember_it else {})}
    assert client.post("/2fa/verify/", data).status_code == 302
    return client


def link_in_mail() -> str:
    [message] = [message for message in mail.outbox if "New sign-in" in message.subject]
    url = re.search(r"https://accounts\.example\.com(/2fa/not-you/\S+/)", message.body).group(1)
    assert url in message.alternatives[0][0]
    return url


def signed_out(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_new_browser_mail_carries_a_not_you_link(owner):
    _user, codes, _home = owner
    signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66")
    [message] = mail.outbox
    assert "Not you? This link signs that sign-in out and forgets that browser" in message.body
    assert "works once, for 24 hours, and signs nobody in" in message.body
    assert link_in_mail().startswith("/2fa/not-you/")


def test_opening_the_link_shows_what_it_would_do_and_changes_nothing(owner):
    user, codes, _home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66", remember_it=True)
    page = Client().get(link_in_mail())  # a mail scanner, or the owner reading first
    assert page.status_code == 200
    text = page.content.decode()
    assert "This link ends the sign-in to your account from Firefox on Windows (the network 203.0.113.0/24)" in text
    assert 'method="post"' in text and "Sign that sign-in out" in text
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    assert stranger.get("/").status_code == 200
    assert TrustedBrowser.objects.filter(user=user).exists()
    assert not SecurityEvent.objects.filter(kind=Kind.SIGN_IN_DISOWNED).exists()


def test_the_button_signs_that_sign_in_out_and_forgets_its_browser(owner):
    user, codes, home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66", remember_it=True)
    url = link_in_mail()
    owner_reading_mail = Client(enforce_csrf_checks=True)
    page = owner_reading_mail.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    done = owner_reading_mail.post(url, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200
    text = done.content.decode()
    assert "The sign-in from Firefox on Windows (the network 203.0.113.0/24)" in text and "is signed out." in text
    assert "That browser is no longer remembered" in text
    assert "This link signed nobody in" in text
    assert 'href="https://accounts.example.com/accounts/password/change/"' in text
    assert signed_out(stranger)
    assert not TrustedBrowser.objects.filter(user=user).exists()
    assert home.get("/").status_code == 200  # the owner's own sessions are untouched
    assert not done.wsgi_request.user.is_authenticated  # nobody was signed in by it
    assert "sessionid" not in done.cookies or not done.cookies["sessionid"].value
    event = SecurityEvent.objects.get(user=user, kind=Kind.SIGN_IN_DISOWNED)
    assert event.data == {
        "session_ended": True,
        "browsers_revoked": 1,
        "browser": "Firefox",
        "system": "Windows",
        "network": "203.0.113.0/24",
    }
    assert describe(event) == "A sign-in from Firefox on Windows was reported with “Not you?” and signed out"
    revoked = SecurityEvent.objects.get(user=user, kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert revoked.data["reason"] == "not_you"


def test_the_stranger_with_the_cookie_is_asked_for_a_code_again(owner):
    _user, codes, _home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66", remember_it=True)
    Client().post(link_in_mail())
    sign_in(stranger)
    response = stranger.get("/")
    assert response.status_code == 302 and response.url.startswith("/2fa/verify/")


def test_the_link_works_once(owner):
    user, codes, _home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66")
    url = link_in_mail()
    assert Client().post(url).status_code == 200
    # The stranger signs in again (a new session, a new mail of its own would name it); the old link does nothing.
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66")
    again = Client().post(url)
    assert again.status_code == 400
    assert "This link does not work any more" in again.content.decode()
    assert Client().get(url).status_code == 400
    assert stranger.get("/").status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind=Kind.SIGN_IN_DISOWNED).count() == 1


def _signed_at(url: str, moment: float) -> str:
    """The same link, signed at `moment` (a fresh nonce, so only its age differs)."""
    token = url.removeprefix("/2fa/not-you/").rstrip("/")
    payload = signing.loads(token, salt="twofactor.not-you")
    real = signing.time
    signing.time = types.SimpleNamespace(time=lambda: moment)
    try:
        aged = signing.dumps({**payload, "n": payload["n"] + "x"}, salt="twofactor.not-you", compress=True)
    finally:
        signing.time = real
    return f"/2fa/not-you/{aged}/"


def test_after_24_hours_the_link_does_nothing(owner):
    user, codes, _home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66")
    stale = _signed_at(link_in_mail(), time.time() - 24 * 3600 - 5)
    response = Client().post(stale)
    assert response.status_code == 400 and "This link does not work any more" in response.content.decode()
    assert stranger.get("/").status_code == 200
    assert not SecurityEvent.objects.filter(user=user, kind=Kind.SIGN_IN_DISOWNED).exists()
    # Just within its day it still works.
    fresh = _signed_at(link_in_mail(), time.time() - 24 * 3600 + 60)
    assert Client().post(fresh).status_code == 200
    assert signed_out(stranger)


@pytest.mark.parametrize("damage", ["flip", "other-salt", "garbage"])
def test_an_altered_link_does_nothing(owner, damage):
    _user, codes, _home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66")
    url = link_in_mail()
    token = url.removeprefix("/2fa/not-you/").rstrip("/")
    if damage == "flip":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif damage == "other-salt":
        token = signing.dumps(signing.loads(token, salt="twofactor.not-you"), salt="twofactor.remember")
    else:
        token = "not-a-token"
    response = Client().post(f"/2fa/not-you/{token}/")
    assert response.status_code == 400
    assert stranger.get("/").status_code == 200


def test_opened_in_the_browser_it_names_it_signs_that_browser_out_cleanly(owner):
    _user, codes, _home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66")
    response = stranger.post(link_in_mail())
    assert response.status_code == 200 and "is signed out." in response.content.decode()
    assert signed_out(stranger)


def test_it_works_from_a_browser_whose_own_sign_in_waits_for_a_code(owner):
    _user, codes, _home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66")
    url = link_in_mail()
    waiting = Client()
    sign_in(waiting)  # the owner's phone, in the middle of signing in
    assert waiting.get(url).status_code == 200
    assert waiting.post(url).status_code == 200
    assert signed_out(stranger)


def test_a_remembered_sign_in_from_a_new_network_forgets_the_browser_that_vouched(owner):
    user, codes, _home = owner
    laptop = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66", remember_it=True)
    laptop.post("/accounts/logout/")
    mail.outbox.clear()
    moved = Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS, REMOTE_ADDR="192.0.2.200")
    moved.cookies[remember.COOKIE_NAME] = laptop.cookies[remember.COOKIE_NAME].value
    sign_in(moved)
    assert moved.get("/").status_code == 200  # remembered: no code, but a new network, so a mail
    Client().post(link_in_mail())
    assert signed_out(moved)
    assert not TrustedBrowser.objects.filter(user=user).exists()


def test_the_link_names_the_session_by_its_record_not_its_key(owner):
    _user, codes, _home = owner
    stranger = signed_in(codes, FIREFOX_ON_WINDOWS, "203.0.113.66")
    token = link_in_mail().removeprefix("/2fa/not-you/").rstrip("/")
    payload = signing.loads(token, salt="twofactor.not-you")
    key = stranger.cookies["sessionid"].value
    assert key not in token and key not in str(payload)
    assert payload["s"] == UserSession.objects.get(session_key=key).pk
