"""Step-up in Debian's Chromium with a virtual authenticator: a passkey confirms it's you on a host view guarded
by require_fresh_second_factor, and re-authenticates a passkey-only user (no backup code spent)."""

import re
from importlib import import_module

import pytest
from django.conf import settings as django_settings

from tests.browser.test_passkey import NO_AUTOFILL, add_virtual_authenticator
from tests.support.browser_steps import sign_in_with_password
from tests.support.users import PASSWORD, make_user
from twofactor import state
from twofactor.methods.backup.models import BackupCode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def come_back_later(page, seconds: float = 301) -> None:
    """Age the session's proofs in the session store, as the clock would."""
    key = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "sessionid")
    store = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key=key)
    store[state.REAUTH_KEY] = {name: value - seconds for name, value in store[state.REAUTH_KEY].items()}
    store.save()


def test_a_passkey_answers_step_up_and_re_authentication(new_page, settings):
    settings.ROOT_URLCONF = "tests.support.step_up_urls"
    make_user("alice")
    page = new_page()
    page.context.add_init_script(NO_AUTOFILL)
    add_virtual_authenticator(page)
    sign_in_with_password(page, "alice", PASSWORD)
    page.goto("/2fa/setup/passkey/")
    page.fill("input[name=name]", "Laptop")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_selector("[data-backup-codes]")

    # The host's guarded view, after max_age: the confirm page asks for the passkey, not the password.
    come_back_later(page)
    page.goto("/payout/")
    assert "/2fa/confirm/" in page.url
    assert page.get_by_role("heading", name="Confirm it's you").is_visible()
    assert page.locator("input[type=password]").count() == 0
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/payout/$"))
    assert "payout form" in page.content()

    # twofactor's own re-authentication: password and passkey; no backup code spent.
    come_back_later(page)
    page.goto("/2fa/reauthenticate/?next=/2fa/")
    page.fill("#id_passkey_password", PASSWORD)
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/2fa/$"))
    assert not BackupCode.objects.filter(used_at__isnull=False).exists()
    assert page.get_by_role("heading", name="Two-factor authentication").is_visible()
