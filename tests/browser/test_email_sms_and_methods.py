"""Email and SMS codes, delivery failures, several methods and their removal, password change, in a real browser.

Mails go through a real SMTP server on localhost; text messages through the site's own SMS
backends (locmem, or the file backend writing into tmp_path), read back as a phone would.
"""

import re
import time
import types

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.support.browser_steps import enter_code, sign_in_with_password, sign_out
from tests.support.delivery_fixtures import code_in
from tests.support.devices import add_email, add_sms, add_totp
from tests.support.user_agents import LAPTOP, PHONE
from tests.support.users import PASSWORD, make_user
from twofactor import sms, state
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.sms.models import SMSDevice

pytestmark = pytest.mark.browser

NUMBER = "+14155550123"
MASKED_NUMBER = "+14•••••••23"
SIGN_IN_SUBJECT = "sign-in code"
CONFIRM_SUBJECT = "Confirm your email address"
NOT_SENT = "We could not send the code. Try again, or use another method."


@pytest.fixture(autouse=True)
def _phone_region(settings):
    """National numbers are read as US numbers, whatever the environment says."""
    settings.PHONENUMBER_DEFAULT_REGION = "US"


def mailed_code(smtp_server, subject_part: str, to: str) -> str:
    """The code in the latest mail to `to` whose subject names `subject_part` (notification mails come too)."""
    mails = [m for m in smtp_server.mails if subject_part in m.message["Subject"] and m.recipients == [to]]
    assert mails, f"no mail to {to} about {subject_part!r}: {[m.message['Subject'] for m in smtp_server.mails]}"
    return mails[-1].code


def expect_home(page, username: str) -> None:
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name=f"Hello, {username}")).to_be_visible()


def prompt(page):
    """The sentence on /2fa/verify/ that says which method is being asked for."""
    return page.locator("main .card").first.locator("p").first


def other_methods(page) -> list[str]:
    """The buttons under "Use another method" on /2fa/verify/, in order."""
    return page.locator(".card", has_text="Use another method").get_by_role("button").all_inner_texts()


def save_backup_codes_and_continue(page, username: str) -> None:
    """After the first method: the backup codes are shown once, then on to where the sign-in was going."""
    page.wait_for_selector("[data-backup-codes]")
    assert page.locator("[data-backup-codes] code").count() == 10
    page.get_by_role("link", name="I saved them, continue").click()
    expect_home(page, username)
    page.goto("/2fa/")


# Email


def test_enrol_email_with_the_account_address_then_sign_in_with_a_mailed_code(page, transactional_db, smtp_server):
    """The whole email round trip through a real mail server: confirm the address, then use it at sign-in."""
    user = make_user("erin")
    sign_in_with_password(page, "erin", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/setup/"))
    page.get_by_role("link", name="Code by email").click()
    page.wait_for_url(re.compile(r"/2fa/setup/email/"))

    page.get_by_role("button", name="Send a code to erin@example.com").click()
    expect(page.locator("main")).to_contain_text("We sent a 6-digit code to e•••@example.com")
    assert not EmailDevice.objects.exists(), "nothing is stored before the code is confirmed"
    page.get_by_label("Code").fill(mailed_code(smtp_server, CONFIRM_SUBJECT, "erin@example.com"))
    page.get_by_role("button", name="Confirm and turn on").click()

    save_backup_codes_and_continue(page, "erin")
    expect(page.locator("tr[data-method=email]")).to_contain_text("Code by email")
    assert EmailDevice.objects.get(user=user).email == "erin@example.com"

    sign_out(page)
    sign_in_with_password(page, "erin", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    # The code is mailed as the page opens: no extra click.
    expect(prompt(page)).to_contain_text("We sent a 6-digit code to e•••@example.com")
    enter_code(page, mailed_code(smtp_server, SIGN_IN_SUBJECT, "erin@example.com"))
    expect_home(page, "erin")


def test_when_the_mail_server_is_down_the_user_signs_in_with_another_method(page, transactional_db, smtp_down, clock):
    """A failed delivery is said plainly on the page, and the other methods stay one click away."""
    user = make_user("erin")
    _device, totp = add_totp(user)
    add_email(user, last_used_at=timezone.now())  # used last, so offered first
    sign_in_with_password(page, "erin", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    # The send on arrival failed: the page says so, and offers to try again.
    expect(page.get_by_role("status")).to_contain_text(NOT_SENT)
    expect(prompt(page)).to_contain_text("We can send a 6-digit code to e•••@example.com")
    assert "/2fa/verify/" in page.url
    assert other_methods(page) == ["Authenticator app"]

    page.get_by_role("button", name="Authenticator app").click()
    expect(prompt(page)).to_contain_text("Enter the 6-digit code from your authenticator app.")
    enter_code(page, clock.code(totp))
    expect_home(page, "erin")


# SMS


@pytest.mark.parametrize("typed", ["(415) 555-0123", "+1 415 555 0123"], ids=["national", "international"])
def test_enrol_sms_with_a_typed_number_then_sign_in_with_a_texted_code(
    page, transactional_db, settings, tmp_path, typed
):
    """The number is read in either format and stored as E.164; the texts are read from the file backend's folder."""
    settings.TWOFACTOR_SMS_BACKEND = "file"
    settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path)

    def latest_text(wording: str) -> str:
        texts = [path.read_text() for path in sorted(tmp_path.glob("*.sms"))]
        texts = [text for text in texts if f"To: {NUMBER}\n" in text and wording in text]
        assert texts, f"no text message to {NUMBER} saying {wording!r}"
        return code_in(texts[-1])

    user = make_user("sam")
    sign_in_with_password(page, "sam", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/setup/"))
    page.get_by_role("link", name="Text message (SMS)").click()
    page.wait_for_url(re.compile(r"/2fa/setup/sms/"))

    page.get_by_label("Mobile phone number").fill(typed)
    page.get_by_role("button", name="Send a code").click()
    expect(page.locator("main")).to_contain_text(f"We texted a 6-digit code to {MASKED_NUMBER}")
    assert not SMSDevice.objects.exists(), "nothing is stored before the code is confirmed"
    page.get_by_label("Code").fill(latest_text("confirm this phone"))
    page.get_by_role("button", name="Confirm and turn on").click()

    save_backup_codes_and_continue(page, "sam")
    expect(page.locator("tr[data-method=sms]")).to_contain_text(MASKED_NUMBER)
    assert SMSDevice.objects.get(user=user).phone_number == NUMBER  # stored as E.164 text

    sign_out(page)
    sign_in_with_password(page, "sam", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    expect(prompt(page)).to_contain_text(f"We sent a 6-digit code to {MASKED_NUMBER}")
    enter_code(page, latest_text("sign-in code"))
    expect_home(page, "sam")


def test_a_phone_number_with_letters_is_a_form_error_and_nothing_is_stored(page, transactional_db):
    """Letters are refused before any text is sent, and no enrolment is left pending."""
    make_user("sam")
    sign_in_with_password(page, "sam", PASSWORD)
    page.goto("/2fa/setup/sms/")
    page.get_by_label("Mobile phone number").fill("call me maybe")
    page.get_by_role("button", name="Send a code").click()

    field = page.locator(".field.has-error")
    expect(field.locator(".error")).to_have_text("Enter a phone number with digits only, like +1 415 555 0123.")
    expect(field.get_by_label("Mobile phone number")).to_have_value("call me maybe")
    assert sms.outbox == []
    assert not SMSDevice.objects.exists()
    page.goto("/2fa/setup/sms/")  # a fresh visit still asks for a number: nothing is waiting for a code
    expect(page.get_by_label("Mobile phone number")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("We texted")


# Several methods


def test_the_method_used_last_is_offered_first_and_another_can_be_chosen(page, transactional_db, smtp_server):
    """SMS was used last, so it is asked for first; switching to email works, and email is then offered first."""
    user = make_user("mia")
    add_totp(user)
    add_email(user)
    add_sms(user, last_used_at=timezone.now())
    replace_backup_codes(user)

    sign_in_with_password(page, "mia", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    expect(prompt(page)).to_contain_text(f"We sent a 6-digit code to {MASKED_NUMBER}")
    assert other_methods(page) == ["Authenticator app", "Code by email", "Backup codes"]

    page.get_by_role("button", name="Code by email").click()
    expect(prompt(page)).to_contain_text("We sent a 6-digit code to m••@example.com")
    assert other_methods(page) == ["Authenticator app", "Code by text message", "Backup codes"]
    assert len(sms.outbox) == 1, "one text on arrival, then the mail: nothing twice"
    enter_code(page, mailed_code(smtp_server, SIGN_IN_SUBJECT, "mia@example.com"))
    expect_home(page, "mia")

    sign_out(page)
    sign_in_with_password(page, "mia", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    expect(prompt(page)).to_contain_text("We sent a 6-digit code to m••@example.com")


def test_removing_a_method_asks_for_password_and_code_first_and_it_is_no_longer_offered(
    page, transactional_db, clock, monkeypatch
):
    """Removing a method weakens the account, so a stale sign-in must prove the password and a code again."""
    user = make_user("mia")
    _device, totp = add_totp(user)
    add_email(user)
    replace_backup_codes(user)
    sign_in_with_password(page, "mia", PASSWORD)
    enter_code(page, clock.code(totp))
    expect_home(page, "mia")
    # Six minutes later the sign-in is no longer recent.
    real = time.time
    monkeypatch.setattr(state.reauth, "time", types.SimpleNamespace(time=lambda: real() + 6 * 60))

    page.goto("/2fa/")
    page.locator("tr[data-method=email]").get_by_role("button", name="Remove").click()
    page.wait_for_url(re.compile(r"/2fa/reauthenticate/"))
    expect(page.get_by_role("status")).to_contain_text("confirm your password (and a code)")
    assert EmailDevice.objects.filter(user=user).exists()

    # The password alone is not enough.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".field.has-error")).to_contain_text("Enter the code.")
    assert EmailDevice.objects.filter(user=user).exists()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code").fill(clock.code(totp))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/2fa/$"))
    assert EmailDevice.objects.filter(user=user).exists(), "re-authenticating alone removes nothing"
    page.locator("tr[data-method=email]").get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("The method was removed.")
    expect(page.locator("tr[data-method=email]")).to_have_count(0)
    assert not EmailDevice.objects.filter(user=user).exists()

    sign_out(page)
    sign_in_with_password(page, "mia", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    expect(prompt(page)).to_contain_text("Enter the 6-digit code from your authenticator app.")
    assert other_methods(page) == ["Backup codes"]


# Password change


def test_changing_the_password_signs_out_the_other_browser(new_page, transactional_db, clock):
    """A changed password must lock out whoever else holds a session, even a fully verified one."""
    user = make_user("alice")
    _device, totp = add_totp(user)
    browsers = []
    for agent in (LAPTOP, PHONE):
        browser_page = new_page(user_agent=agent)
        sign_in_with_password(browser_page, "alice", PASSWORD)
        enter_code(browser_page, clock.code(totp))
        expect_home(browser_page, "alice")
        browsers.append(browser_page)
    laptop, phone = browsers

    new_password = PASSWORD + "-changed"
    laptop.goto("/2fa/")
    expect(laptop.locator("tr", has_text="Safari on iOS")).to_have_count(1)
    laptop.get_by_role("link", name="Change your password").click()
    laptop.wait_for_url(re.compile(r"/accounts/password/change/"))
    laptop.get_by_label("Old password").fill(PASSWORD)
    laptop.get_by_label(re.compile(r"^New password:?$")).fill(new_password)
    laptop.get_by_label("New password confirmation").fill(new_password)
    laptop.get_by_role("button", name="Continue").click()
    laptop.wait_for_url(re.compile(r"/2fa/$"))
    expect(laptop.get_by_role("status")).to_contain_text("Your other sessions were signed out.")
    expect(laptop.locator("tr", has_text="Safari on iOS")).to_have_count(0)
    expect(laptop.locator("tr", has_text="Firefox on Windows")).to_contain_text("This browser")

    phone.goto("/")
    assert "/accounts/login/" in phone.url
    laptop.goto("/")
    expect_home(laptop, "alice")
