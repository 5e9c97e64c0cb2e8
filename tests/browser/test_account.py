"""The user's two-factor page in a real browser: backup codes behind re-authentication, signed-in sessions."""

import re
import time
import types

import pytest

from tests.support.browser_steps import enter_code, sign_in_with_password
from tests.support.devices import add_totp
from tests.support.user_agents import LAPTOP, PHONE
from tests.support.users import PASSWORD, make_user
from twofactor import state
from twofactor.methods.backup.codes import replace_backup_codes

pytestmark = pytest.mark.browser


@pytest.fixture
def alice(transactional_db):
    user = make_user("alice")
    _device, totp = add_totp(user)
    return user, totp


def signed_in_page(new_page, clock, totp, **context_options):
    page = new_page(**context_options)
    sign_in_with_password(page, "alice", PASSWORD)
    enter_code(page, clock.code(totp))
    page.wait_for_url(re.compile(r"/$"))
    return page


def test_regenerating_backup_codes_requires_reauthentication(new_page, alice, clock, monkeypatch):
    user, totp = alice
    old_codes = replace_backup_codes(user)
    page = signed_in_page(new_page, clock, totp)
    # Six minutes later the sign-in is no longer recent.
    real = time.time
    monkeypatch.setattr(state.reauth, "time", types.SimpleNamespace(time=lambda: real() + 6 * 60))

    page.goto("/2fa/backup-codes/")
    page.get_by_role("button", name=re.compile("Make a new set")).click()
    page.wait_for_url(re.compile(r"/2fa/reauthenticate/"))
    assert page.locator("input[name=password]").is_visible()

    # A wrong password is refused with a form error.
    page.fill("input[name=password]", "not-my-password")
    page.fill("input[name=code]", clock.code(totp))
    page.get_by_role("button", name="Confirm").click()
    assert "That password is not correct" in page.content()

    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", clock.code(totp))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/2fa/backup-codes/$"))
    page.get_by_role("button", name=re.compile("Make a new set")).click()
    page.wait_for_selector("[data-backup-codes]")
    new_codes = page.locator("[data-backup-codes] code").all_inner_texts()
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)


def test_where_you_are_signed_in_lists_both_browsers_and_signs_one_out(new_page, alice, clock):
    _user, totp = alice
    laptop = signed_in_page(new_page, clock, totp, user_agent=LAPTOP)
    phone = signed_in_page(new_page, clock, totp, user_agent=PHONE)

    laptop.goto("/2fa/")
    rows = laptop.locator("tr", has_text=re.compile("Firefox on Windows|Safari on iOS"))
    assert rows.count() == 2
    assert "This browser" in rows.filter(has_text="Firefox on Windows").inner_text()
    rows.filter(has_text="Safari on iOS").get_by_role("button", name="Sign out this session").click()
    laptop.wait_for_url(re.compile(r"/2fa/$"))
    assert "That session was signed out" in laptop.content()
    assert laptop.locator("tr", has_text="Safari on iOS").count() == 0

    phone.goto("/")
    assert "/accounts/login/" in phone.url
    laptop.goto("/")
    assert "Hello, alice" in laptop.content()
