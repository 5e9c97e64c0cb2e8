"""twofactor.device_cookie: a browser that completed a sign-in is known to the account, for as long as the site says."""

import pytest

from tests.support.api_client import ApiClient
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from twofactor.device_cookie import COOKIE_NAME

pytestmark = pytest.mark.django_db


def signed_in_browser() -> ApiClient:
    user = make_user()
    _device, totp = add_totp(user)
    browser = ApiClient()
    browser.login("alice", PASSWORD)
    browser.verify(totp.now())
    return browser


@pytest.mark.parametrize("days, secure", [(1, True), (30, False)])
def test_a_completed_sign_in_makes_the_browser_known_for_the_days_the_site_says(settings, days, secure):
    settings.TWOFACTOR_DEVICE_COOKIE_DAYS = days
    settings.SESSION_COOKIE_SECURE = secure  # the device cookie is as Secure as the session's
    cookie = signed_in_browser().django.cookies[COOKIE_NAME]
    assert cookie["max-age"] == days * 86400 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is secure


def test_no_browser_is_made_known_when_the_site_turns_device_cookies_off(settings):
    settings.TWOFACTOR_DEVICE_COOKIE_DAYS = 0
    assert COOKIE_NAME not in signed_in_browser().django.cookies


def nonce_of(browser: ApiClient) -> str:
    from django.core import signing

    return signing.loads(browser.django.cookies[COOKIE_NAME].value, salt="twofactor.device-cookie")["n"]


@pytest.mark.parametrize("days", [1, 30])
def test_the_browser_keeps_its_nonce_at_each_sign_in_until_the_password_changes(settings, days):
    """The nonce is the cookie's failure budget (password_guard): renewing the cookie keeps it, so signing in again
    gives no fresh budget; a new password makes a new one. A nonce is 128 random bits."""
    from django.contrib.auth import get_user_model

    from twofactor.methods.backup.codes import replace_backup_codes

    settings.TWOFACTOR_DEVICE_COOKIE_DAYS = days
    browser = signed_in_browser()
    first = nonce_of(browser)
    assert len(first) == 22  # secrets.token_urlsafe(16): 16 bytes, 22 characters
    user = get_user_model().objects.get(username="alice")
    spare = replace_backup_codes(user)
    assert browser.post("/logout", {}).status_code in (200, 204)
    browser.login("alice", PASSWORD)
    browser.verify(spare[0])
    assert nonce_of(browser) == first

    user.set_password("another-password-42")
    user.save()
    assert browser.post("/logout", {}).status_code in (200, 204)
    browser.login("alice", "another-password-42")
    browser.verify(spare[1])
    assert nonce_of(browser) != first


def test_issuing_without_a_request_does_nothing(settings):
    """Flows run from a shell or a command (no request) mark no browser."""
    from twofactor import device_cookie

    settings.TWOFACTOR_DEVICE_COOKIE_DAYS = 30
    assert device_cookie.issue(None, make_user("bob")) is None


def test_a_known_browser_is_recognised_without_reading_the_password_again(django_assert_num_queries):
    """Renewing the cookie at a sign-in uses the user row the sign-in already loaded (no extra query)."""
    from django.contrib.auth import get_user_model

    from twofactor import device_cookie

    browser = signed_in_browser()
    request = type("Request", (), {"COOKIES": {COOKIE_NAME: browser.django.cookies[COOKIE_NAME].value}})()
    user = get_user_model().objects.get(username="alice")
    with django_assert_num_queries(0):
        device_cookie.issue(request, user)
    assert device_cookie.known_device(request, user.pk, user.password) == nonce_of(browser)
    assert device_cookie.known_device(None, user.pk) is None


def test_a_cookie_older_than_the_days_the_site_says_is_not_recognised(settings):
    import time

    from django.core import signing

    from twofactor import device_cookie

    user = make_user()
    payload = {"u": user.pk, "n": "x" * 22, "p": device_cookie.password_fingerprint(user.pk, user.password)}
    value = signing.dumps(payload, salt=device_cookie._SALT).rsplit(":", 2)[0]
    # The same cookie signed 31 days ago: the timestamp inside the signed value says when.
    signer = signing.TimestampSigner(salt=device_cookie._SALT)
    dated = f"{value}:{signing.b62_encode(int(time.time()) - 31 * 86400 - 20)}"
    month_old = f"{dated}:{signer.signature(dated)}"
    request = type("Request", (), {"COOKIES": {COOKIE_NAME: month_old}})()

    settings.TWOFACTOR_DEVICE_COOKIE_DAYS = 32
    assert device_cookie.known_device(request, user.pk) == "x" * 22  # a valid cookie, 31 days old
    settings.TWOFACTOR_DEVICE_COOKIE_DAYS = 31
    assert device_cookie.known_device(request, user.pk) is None  # 31 days and the seconds since: a moment too old
