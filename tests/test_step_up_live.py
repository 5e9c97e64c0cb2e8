"""Step-up over HTTP against gunicorn (issue 24): a host site's views guarded by require_fresh_second_factor
(tests/support/step_up_urls.py); the session goes stale as if the user came back after max_age."""

import base64
import time
from importlib import import_module

import pyotp
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.support.live_server import Browser, LiveServer, six_digit_code
from twofactor import state
from twofactor.methods.totp.models import TOTPDevice

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "owner-password-1234"


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        server = LiveServer(
            tmp_path_factory.mktemp("live-step-up"),
            TWOFACTOR_REQUIRED="all",
            TWOFACTOR_TEST_ROOT_URLCONF="tests.support.step_up_urls",
        )
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _live_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.support.live_server.LiveServerHasher"]


def owner_with_authenticator(username: str = "owner") -> pyotp.TOTP:
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)
    key = b"0123456789abcdefghij"
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    return pyotp.TOTP(base64.b32encode(key).decode())


def signed_in(site: LiveServer, totp: pyotp.TOTP, username: str = "owner") -> Browser:
    browser = Browser(site)
    assert browser.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    assert browser.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return browser


def come_back_later(browser: Browser, seconds: float = 301) -> None:
    """Age the session's proofs in the session store, as the clock would (the server's own records)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=browser.http.cookies["sessionid"])
    stamps = store[state.REAUTH_KEY]
    store[state.REAUTH_KEY] = {name: value - seconds for name, value in stamps.items()}
    store.save()


def next_step_code(totp: pyotp.TOTP) -> str:
    """A code of the next 30-second step: the sign-in's code is spent."""
    time.sleep(30 - time.time() % 30 + 0.2)
    return totp.now()


def test_a_stale_session_on_a_decorated_view_is_asked_for_a_code_and_a_password_is_refused(site):
    totp = owner_with_authenticator()
    browser = signed_in(site, totp)
    assert browser.get("/payout/").text == '<form method="post">payout form</form>'  # fresh from sign-in
    come_back_later(browser)

    stopped = browser.get("/payout/")
    assert stopped.status_code == 302 and stopped.headers["Location"] == "/2fa/confirm/?next=%2Fpayout%2F"
    page = browser.get(stopped.headers["Location"]).text
    assert 'name="code"' in page and 'type="password"' not in page

    refused = browser.post("/2fa/confirm/?next=/payout/", {"password": PASSWORD, "next": "/payout/"})
    assert refused.status_code == 400
    assert browser.get("/payout/").status_code == 302  # the password changed nothing

    # A POST to the stale view is not replayed: the page says so, and the payout did not happen.
    posted = browser.post("/payout/", {"amount": "500"})
    assert posted.status_code == 302 and "resubmit=1" in posted.headers["Location"]
    assert "What you sent was not kept" in browser.get(posted.headers["Location"]).text

    key = browser.http.cookies["sessionid"]
    confirmed = browser.post("/2fa/confirm/", {"code": next_step_code(totp), "next": "/payout/"})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/payout/"
    assert browser.http.cookies["sessionid"] != key  # the key rotates at a step up
    assert browser.post("/payout/", {"amount": "500"}).text == "paid 500"


def test_the_api_answers_401_step_up_required_then_step_up_opens_the_view(site):
    totp = owner_with_authenticator("apiuser")
    browser = signed_in(site, totp, "apiuser")
    come_back_later(browser)
    headers = {"Accept": "application/json"}
    stopped = browser.http.get(f"{site.url}/export/", headers=headers, timeout=30)
    assert stopped.status_code == 401
    assert stopped.json()["error"]["code"] == "step_up_required" and stopped.json()["error"]["max_age"] == 120
    payout = browser.http.get(f"{site.url}/payout/", headers=headers, timeout=30).json()["error"]
    assert payout["code"] == "step_up_required" and payout["max_age"] == 300

    assert browser.api("POST", "/2fa/step-up", {"password": PASSWORD}).status_code == 400
    answer = browser.api("POST", "/2fa/step-up", {"code": next_step_code(totp), "method": "totp"})
    assert answer.status_code == 200 and answer.json()["confirmed"] is True
    assert browser.http.get(f"{site.url}/export/", headers=headers, timeout=30).json() == {"export": "ready"}


def test_a_session_rescued_by_email_is_no_fresh_second_factor_for_a_step_up_view(site):
    """Outside review, finding 3: the mailbox's rescue code is no second factor, so it opens no step-up view (nor the
    API's), not even in the minutes after it was entered."""
    owner_with_authenticator("rescued")
    intruder = Browser(site)  # the password (phished) and the mailbox, not the phone
    assert intruder.login("rescued", PASSWORD).json()["two_factor"]["state"] == "verify"
    assert intruder.api("POST", "/2fa/rescue", {"option": "email"}).status_code == 200
    code = six_digit_code(site.mails_to("rescued@example.com", at_least=1)[-1])
    rescued = intruder.api("POST", "/2fa/rescue", {"option": "email_code", "code": code})
    assert rescued.status_code == 200 and rescued.json()["session"]["verified"] is True, rescued.text

    stopped = intruder.get("/payout/")
    assert stopped.status_code == 302 and stopped.headers["Location"] == "/2fa/confirm/?next=%2Fpayout%2F"
    assert intruder.post("/payout/", {"amount": "500"}).status_code == 302
    export = intruder.http.get(f"{site.url}/export/", headers={"Accept": "application/json"}, timeout=30)
    assert export.status_code == 401 and export.json()["error"]["code"] == "step_up_required"
