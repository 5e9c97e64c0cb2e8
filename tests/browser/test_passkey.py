"""Passkeys in Debian's Chromium with a virtual authenticator (CDP WebAuthn domain: ctap2, internal
transport, resident keys, user verification): enrol, sign in with password + passkey, with the
passkey alone, fail in a browser without it, remove it."""

import re
import time

import pytest
from django.utils import timezone

from tests.support.browser_steps import sign_in_with_password, sign_out
from tests.support.users import PASSWORD, make_user
from twofactor.methods.passkey.models import PasskeyDevice
from twofactor.models import SecurityEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_virtual_authenticator(page) -> tuple:
    """A platform authenticator (like Touch ID) that holds discoverable credentials and verifies its user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


HOME = re.compile(r"^http://[^/]+/$")  # the home page, nothing after the host
NO_AUTOFILL = "PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);"


def test_enrol_a_passkey_then_sign_in_with_it_with_and_without_password_and_remove_it(new_page, settings):
    settings.TWOFACTOR_REQUIRED = "optional"  # so the last method may be removed at the end
    user = make_user("alice")
    page = new_page()
    # The virtual authenticator answers an autofill (conditional) request at once, which would sign in on
    # the login page before the password is typed: this browser acts as one without passkey autofill.
    page.context.add_init_script(NO_AUTOFILL)
    cdp, authenticator = add_virtual_authenticator(page)

    # Enrol.
    sign_in_with_password(page, "alice", PASSWORD)
    page.goto("/2fa/setup/passkey/")
    page.fill("input[name=name]", "Laptop")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_selector("[data-backup-codes]")
    codes = page.locator("[data-backup-codes] code").all_inner_texts()
    assert len(codes) == 10
    device = PasskeyDevice.objects.get(user=user)
    assert device.name == "Laptop" and device.transports == ["internal"]
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1 and stored[0]["isResidentCredential"] is True
    page.goto("/2fa/setup/passkey/")
    assert page.locator("[data-passkey-id]").count() == 1

    # Sign out; sign in with the password, then the passkey.
    page.goto("/")
    sign_out(page)
    sign_in_with_password(page, "alice", PASSWORD)
    assert "/2fa/verify/" in page.url
    assert page.locator("input[name=code]").count() == 0
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(HOME)
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert PasskeyDevice.objects.get(pk=device.pk).last_used_at is not None

    # Sign out; sign in with the passkey alone.
    sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(HOME)
    page.goto("/2fa/")
    assert "/2fa/" in page.url and page.get_by_role("heading", name="Two-factor authentication").is_visible()

    # A copy of the passkey taken at enrolment (a cloned key): its counter is behind, so it is refused.
    cloned = new_page()
    cloned_cdp, cloned_authenticator = add_virtual_authenticator(cloned)
    cloned_cdp.send("WebAuthn.addCredential", {"authenticatorId": cloned_authenticator, "credential": stored[0]})
    cloned.goto("/accounts/login/")
    cloned.wait_for_url("**/2fa/passkey/sign-in/")
    assert cloned.get_by_role("alert").inner_text() == "That passkey could not sign you in."
    assert (
        SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.CODE_FAILED, data__reason="sign_count_not_increasing"
        ).count()
        == 1
    )

    # The refused clone counted as a failure: wait out django-otp's back-off, as the owner would have to.
    allowed, details = PasskeyDevice.objects.get(user=user).verify_is_allowed()
    if not allowed:
        time.sleep(max(0.0, (details["locked_until"] - timezone.now()).total_seconds()) + 0.2)

    # A copy with the current counter (a synced passkey): the login page's autofill request signs in by itself.
    current = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"][0]
    synced = new_page()
    synced_cdp, synced_authenticator = add_virtual_authenticator(synced)
    synced_cdp.send("WebAuthn.addCredential", {"authenticatorId": synced_authenticator, "credential": current})
    synced.goto("/accounts/login/")
    synced.wait_for_url(HOME)
    assert synced.get_by_role("button", name="Sign out").is_visible()

    # Another browser, whose authenticator does not hold the passkey, cannot.
    stranger = new_page()
    add_virtual_authenticator(stranger)
    stranger.goto("/accounts/login/")
    stranger.get_by_role("button", name="Sign in with a passkey").click()
    stranger.wait_for_selector(".passkey-error")
    assert "/accounts/login/" in stranger.url
    stranger.goto("/")
    assert "/accounts/login/" in stranger.url

    # Remove the passkey: re-authentication first (password and a backup code), then it goes.
    page.goto("/2fa/")
    page.locator("tr[data-method=passkey] button", has_text="Remove").click()
    page.wait_for_url("**/2fa/reauthenticate/**")
    typed = page.locator("form", has=page.get_by_role("button", name="Confirm"))  # beside the passkey's own form
    typed.locator("input[name=password]").fill(PASSWORD)
    typed.locator("input[name=code]").fill(codes[0])
    typed.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/2fa/")
    page.locator("tr[data-method=passkey] button", has_text="Remove").click()
    page.wait_for_load_state()
    assert not PasskeyDevice.objects.filter(user=user).exists()
    assert page.locator("tr[data-method=passkey]").count() == 0
