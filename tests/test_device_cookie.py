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


@pytest.mark.parametrize("days", [1, 30])
def test_a_completed_sign_in_makes_the_browser_known_for_the_days_the_site_says(settings, days):
    settings.TWOFACTOR_DEVICE_COOKIE_DAYS = days
    cookie = signed_in_browser().django.cookies[COOKIE_NAME]
    assert cookie["max-age"] == days * 86400 and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_no_browser_is_made_known_when_the_site_turns_device_cookies_off(settings):
    settings.TWOFACTOR_DEVICE_COOKIE_DAYS = 0
    assert COOKIE_NAME not in signed_in_browser().django.cookies
