"""The second sign-in step in a real browser: authenticator and backup codes, errors, remembered browsers."""

import re

import pytest

from tests.support.browser_steps import enter_code, sign_in_with_password, sign_out
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from twofactor.methods.backup.codes import replace_backup_codes

pytestmark = pytest.mark.browser


@pytest.fixture
def alice(transactional_db):
    """(user, pyotp generator) for a user with an authenticator app."""
    user = make_user("alice", is_staff=True, is_superuser=True)
    _device, totp = add_totp(user)
    return user, totp


def test_sign_in_with_password_and_authenticator_code_then_sign_out(page, alice, clock):
    _user, totp = alice
    sign_in_with_password(page, "alice", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    assert "authenticator app" in page.content()
    enter_code(page, clock.code(totp))
    page.wait_for_url(re.compile(r"/$"))
    assert "Hello, alice" in page.content()
    sign_out(page)
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_a_wrong_code_shows_the_form_error(page, alice, clock):
    _user, totp = alice
    sign_in_with_password(page, "alice", PASSWORD)
    right = clock.code(totp)
    enter_code(page, "000000" if right != "000000" else "111111")
    assert "/2fa/verify/" in page.url
    assert "That code is not valid" in page.locator(".error").first.inner_text()
    page.goto("/")
    assert "/2fa/verify/" in page.url


@pytest.mark.parametrize("path", ["/", "/2fa/", "/admin/", "/2fa/backup-codes/"])
def test_a_partly_signed_in_browser_is_sent_to_the_second_step(page, alice, path):
    sign_in_with_password(page, "alice", PASSWORD)
    page.goto(path)
    assert re.search(r"/2fa/verify/(\?|$)", page.url), page.url
    assert page.locator("input[name=code]").is_visible()


def test_sign_in_with_a_backup_code(page, alice):
    user, _totp = alice
    codes = replace_backup_codes(user)
    sign_in_with_password(page, "alice", PASSWORD)
    page.get_by_role("button", name="Backup codes").click()
    page.wait_for_load_state()
    assert "Enter one of your backup codes" in page.content()
    enter_code(page, codes[3].lower())  # as typed by hand: letter case does not matter
    page.wait_for_url(re.compile(r"/$"))
    assert "Hello, alice" in page.content()
    # Used once, it is spent.
    sign_out(page)
    sign_in_with_password(page, "alice", PASSWORD)
    page.get_by_role("button", name="Backup codes").click()
    page.wait_for_load_state()
    enter_code(page, codes[3])
    assert "That code is not valid" in page.content()


def test_remember_this_browser_skips_the_second_step_until_the_password_changes(page, alice, clock):
    _user, totp = alice
    sign_in_with_password(page, "alice", PASSWORD)
    enter_code(page, clock.code(totp), remember=True)
    page.wait_for_url(re.compile(r"/$"))
    sign_out(page)

    # Next time the password alone is enough in this browser …
    sign_in_with_password(page, "alice", PASSWORD)
    page.wait_for_url(re.compile(r"/$"))
    assert "Hello, alice" in page.content()

    # … until the password changes.
    new_password = PASSWORD + "-new"
    page.goto("/accounts/password/change/")
    page.fill("input[name=old_password]", PASSWORD)
    page.fill("input[name=new_password1]", new_password)
    page.fill("input[name=new_password2]", new_password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/2fa/$"))
    sign_out(page)
    sign_in_with_password(page, "alice", new_password)
    page.wait_for_url(re.compile(r"/2fa/verify/"))


def test_the_remember_cookie_is_httponly(page, alice, clock):
    _user, totp = alice
    sign_in_with_password(page, "alice", PASSWORD)
    enter_code(page, clock.code(totp), remember=True)
    page.wait_for_url(re.compile(r"/$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "twofactor_remember")
    assert cookie["httpOnly"] is True
    assert "twofactor_remember" not in page.evaluate("document.cookie")
