"""Lost devices and the staff side in real browsers: rescue requests approved in the admin, rescue codes by
email, the admin behind the second step, staff resets, the admin's device list, and password reset by email.

Mails go through a real SMTP server on localhost (tests/support/delivery_fixtures.py) and are read back as the
user and the help desk would read them. Each staff member and each user has their own browser context.
"""

import base64
import re
import time

import pyotp
import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from tests.support.browser_steps import enter_code, sign_in_with_password
from tests.support.delivery_fixtures import code_in
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from twofactor import state
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import RescueRequest

pytestmark = pytest.mark.browser

RESCUES = "/admin/twofactor/rescuerequest/"
HELPDESK = "helpdesk@example.com"
MESSAGE = "Phone fell in the lake, <b>lost</b> for good. Call me on +1 555 0100."
NOTE = "Called +1 555 0100, the number on file; it was her."
RESET_LINK = re.compile(r"https?://\S+/accounts/password/reset/[^/\s]+/[^/\s]+/")


@pytest.fixture(autouse=True)
def _rescue_settings(settings):
    """Rescue requests are mailed to a known help desk; codes by email are allowed."""
    settings.TWOFACTOR_RESCUE_EMAIL = [HELPDESK]
    settings.TWOFACTOR_RESCUE_BY_EMAIL = True


def mails(smtp_server, to: str, subject_part: str) -> list:
    """The mails to `to` whose subject contains `subject_part`, in order."""
    return [m for m in smtp_server.mails if m.recipients == [to] and subject_part in m.message["Subject"]]


def staff_member(username: str, *perms: str):
    """(staff user, pyotp generator): staff with an authenticator app and these permissions only."""
    staff = make_user(username, is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        staff.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    _device, totp = add_totp(staff)
    return staff, totp


def signed_in_page(new_page, clock, username: str, totp, **context_options):
    """A new browser context that passed both sign-in steps."""
    page = new_page(**context_options)
    sign_in_with_password(page, username, PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    enter_code(page, clock.code(totp))
    page.wait_for_url(re.compile(r"/$"))
    return page


def expect_home(page, username: str) -> None:
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name=f"Hello, {username}")).to_be_visible()


def expect_signed_out_at_next_load(page) -> None:
    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def expect_shown_as_text(locator, markup: str) -> None:
    """The user's markup appears as the characters they typed, never as an element of the page."""
    expect(locator).to_contain_text(markup)
    expect(locator.locator("b")).to_have_count(0)


def enrol_authenticator_from_the_page(page, clock) -> None:
    """From the setup page: read the key as a person types it, confirm a code, pass the backup codes."""
    page.get_by_role("link", name="Authenticator app").click()
    page.wait_for_url(re.compile(r"/2fa/setup/totp/"))
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    page.fill("input[name=code]", clock.code(pyotp.TOTP(secret)))
    page.get_by_role("button", name="Confirm and turn on").click()
    page.wait_for_selector("[data-backup-codes]")
    page.get_by_role("link", name="I saved them, continue").click()


# The whole rescue, user and staff


def test_a_user_who_lost_the_phone_asks_for_help_staff_approve_in_the_admin_and_the_user_enrols_again(
    new_page, transactional_db, smtp_server, clock
):
    """Two browsers, one real mail server: the request, the staff decision with a note, the mail, a new method."""
    user = make_user("alice")
    _device, _lost_totp = add_totp(user)

    # The password works; the phone is gone.
    lost = new_page(user_agent="Alice's laptop")
    sign_in_with_password(lost, "alice", PASSWORD)
    lost.wait_for_url(re.compile(r"/2fa/verify/"))
    lost.get_by_role("link", name="Lost your phone or can't get a code?").click()
    lost.wait_for_url(re.compile(r"/2fa/rescue/$"))
    lost.get_by_label("Message to the administrators").fill(MESSAGE)
    lost.get_by_role("button", name="Send my request").click()

    # What happens next is said on the page, and in a mail.
    expect(lost.get_by_role("status")).to_contain_text("Your request was sent to the administrators.")
    card = lost.locator("#rescue-request")
    expect(card).to_contain_text("An administrator will check that the request really comes from you")
    expect(card.get_by_role("button", name="Add to my request")).to_be_visible()
    card.get_by_text("What you wrote").click()
    expect_shown_as_text(card.locator("details"), "<b>lost</b>")
    [received] = mails(smtp_server, "alice@example.com", "We received your request for help")
    assert "What happens next" in received.text
    [desk_mail] = mails(smtp_server, HELPDESK, "Rescue request #")
    rescue = RescueRequest.objects.get(user=user)
    assert MESSAGE in desk_mail.text and f"{RESCUES}{rescue.pk}/change/" in desk_mail.text

    # A staff member, fully signed in elsewhere, reads the request: the markup is shown as text.
    _staff, staff_totp = staff_member("helper", "twofactor.handle_rescuerequest")
    desk = signed_in_page(new_page, clock, "helper", staff_totp, user_agent="Help desk")
    desk.goto(RESCUES)
    expect(desk.locator("#content")).to_contain_text(HELPDESK)
    row = desk.locator("#result_list tbody tr", has_text="alice")
    expect(row).to_have_count(1)
    expect_shown_as_text(row.locator("td.field-message_preview"), "<b>lost</b>")
    row.get_by_role("link", name=f"Rescue request #{rescue.pk}").click()
    desk.wait_for_url(re.compile(rf"{RESCUES}{rescue.pk}/change/"))
    expect_shown_as_text(desk.locator(".field-message .readonly"), "<b>lost</b>")

    # Approve: select it, run the action, write the note, confirm.
    desk.goto(RESCUES)
    desk.locator(f"input[name=_selected_action][value='{rescue.pk}']").check()
    desk.select_option("select[name=action]", label="Approve: reset this user's two-factor")
    desk.get_by_role("button", name="Go").click()
    expect(desk.locator("#content")).to_contain_text("Approve only once you are sure")
    expect_shown_as_text(desk.locator(".twofactor-confirm-items"), "<b>lost</b>")
    assert RescueRequest.objects.get(pk=rescue.pk).status == RescueRequest.Status.OPEN, "nothing before the note"
    desk.get_by_label("Note").fill(NOTE)
    desk.get_by_role("button", name="Approve and reset").click()
    desk.wait_for_url(re.compile(rf"{RESCUES}$"))
    expect(desk.locator(".messagelist")).to_contain_text("Approved 1 request; two-factor was reset.")
    expect(desk.locator("#result_list tbody tr", has_text="alice")).to_contain_text("Approved")

    rescue.refresh_from_db()
    assert rescue.status == RescueRequest.Status.APPROVED and rescue.staff_note == NOTE
    assert state.devices_of(user) == []
    [answer] = mails(smtp_server, "alice@example.com", "Your request for help with")
    assert "approved your request" in answer.text and "set up a new method" in answer.text
    assert NOTE not in answer.text and NOTE not in answer.html, "the staff note stays in the admin"

    # The user's pending sign-in ended; the next one must enrol a new authenticator app first.
    expect_signed_out_at_next_load(lost)
    sign_in_with_password(lost, "alice", PASSWORD)
    lost.wait_for_url(re.compile(r"/2fa/setup/"))
    enrol_authenticator_from_the_page(lost, clock)
    expect_home(lost, "alice")
    assert [device.method for device in state.devices_of(user)] == ["totp", "backup"]


def test_a_rescue_code_by_email_completes_the_sign_in(page, transactional_db, smtp_server):
    """Without the phone, a one-time code mailed to the account's address passes the second step."""
    user = make_user("alice")
    add_totp(user)
    sign_in_with_password(page, "alice", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    page.get_by_role("link", name="Lost your phone or can't get a code?").click()
    page.wait_for_url(re.compile(r"/2fa/rescue/$"))

    card = page.locator("#email-code")
    expect(card).to_contain_text("a••••@example.com")
    card.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("status")).to_contain_text("We sent a code to a••••@example.com")
    [mail] = mails(smtp_server, "alice@example.com", "account rescue code")
    page.get_by_label("Code from the email").fill(code_in(mail.text))
    page.get_by_role("button", name="Sign in with the code").click()

    page.wait_for_url(re.compile(r"/2fa/$"))
    expect(page.get_by_role("status")).to_contain_text("You are signed in.")
    page.goto("/")
    expect_home(page, "alice")


# The admin behind the second step


def test_the_admin_sends_staff_whose_session_is_only_password_verified_to_the_second_step(
    page, transactional_db, clock
):
    """A staff password alone opens no admin page; the code then leads to the page that was asked for."""
    _staff, totp = staff_member("helper", "twofactor.handle_rescuerequest")
    page.goto(RESCUES)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", "helper")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/2fa/verify/\?next="))
    expect(page.locator("input[name=code]")).to_be_visible()

    for path in ("/admin/", RESCUES):
        page.goto(path)
        page.wait_for_url(re.compile(r"/2fa/verify/\?next="))
        expect(page.locator("#result_list, #content-main")).to_have_count(0)

    enter_code(page, clock.code(totp))
    page.wait_for_url(re.compile(rf"{RESCUES}$"))
    expect(page.locator("#content h1")).to_contain_text("rescue request")


def test_staff_reset_from_the_user_admin_page_signs_out_the_users_verified_browser(
    new_page, transactional_db, smtp_server, clock
):
    """After a reset, a session verified with the removed method must not survive its next page load."""
    user = make_user("alice")
    _device, totp = add_totp(user)
    phone = signed_in_page(new_page, clock, "alice", totp, user_agent="Alice's phone")
    expect_home(phone, "alice")

    _staff, staff_totp = staff_member("helper", "twofactor.reset_twofactor", "accounts.view_user")
    desk = signed_in_page(new_page, clock, "helper", staff_totp, user_agent="Help desk")
    desk.goto(f"/admin/accounts/user/{user.pk}/change/")
    expect(desk.locator(".field-two_factor")).to_contain_text("Authenticator app")
    desk.get_by_role("link", name="Reset two-factor…").click()
    desk.wait_for_url(re.compile(rf"/admin/accounts/user/{user.pk}/two-factor-reset/"))
    expect(desk.locator(".twofactor-confirm-items")).to_contain_text("alice <alice@example.com>")
    desk.get_by_label("Note").fill("She called from the number on file.")
    desk.get_by_role("button", name="Reset two-factor").click()

    desk.wait_for_url(re.compile(rf"/admin/accounts/user/{user.pk}/change/$"))
    expect(desk.locator(".messagelist")).to_contain_text("Two-factor authentication was reset for 1 user.")
    expect(desk.locator(".field-two_factor")).to_contain_text("No two-factor method.")
    assert state.devices_of(user) == []
    [notice] = mails(smtp_server, "alice@example.com", "Two-factor authentication was reset")
    assert "set up a new method" in notice.text

    expect_signed_out_at_next_load(phone)
    desk.goto("/")
    expect_home(desk, "helper")  # the staff member's own session is untouched


def test_the_admin_device_list_shows_the_users_method_but_never_its_secret(new_page, transactional_db, clock):
    """Staff see whose authenticator it is and when it was used; the key, in any form, never reaches the page."""
    user = make_user("alice")
    device, totp = add_totp(user)
    secret = base64.b32encode(device.key).decode()
    secret_forms = [
        secret,
        secret.lower(),
        " ".join(re.findall(".{1,4}", secret)),
        device.key.hex(),
        TOTPDevice.objects.get(pk=device.pk).encrypted_key,
    ]
    _staff, staff_totp = staff_member("helper", "twofactor.view_totpdevice")
    desk = signed_in_page(new_page, clock, "helper", staff_totp)

    desk.goto("/admin/twofactor/totpdevice/")
    row = desk.locator("#result_list tbody tr", has_text="alice")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Authenticator app")
    listing = desk.content()
    assert not [form for form in secret_forms if form in listing]

    row.get_by_role("link").first.click()
    desk.wait_for_url(re.compile(rf"/admin/twofactor/totpdevice/{device.pk}/change/"))
    expect(desk.locator(".field-user")).to_contain_text("alice")
    detail = desk.content()
    assert not [form for form in secret_forms if form in detail]
    expect(desk.locator(".field-encrypted_key")).to_have_count(0)


# Password reset


def test_password_reset_by_email_sets_a_new_password_that_signs_in_and_the_old_one_does_not(
    page, transactional_db, smtp_server, clock
):
    """The link comes from a real mail; the new password then works for the first step, the old one no more."""
    user = make_user("alice")
    _device, totp = add_totp(user)
    new_password = "a-brand-new-passphrase-77"

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/$"))
    page.fill("input[name=email]", "alice@example.com")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/sent/$"))
    expect(page.locator("main")).to_contain_text("Check your email")

    deadline = time.monotonic() + 10  # the reset mail is sent after the answer
    while not mails(smtp_server, "alice@example.com", "Reset your password") and time.monotonic() < deadline:
        time.sleep(0.05)
    [mail] = mails(smtp_server, "alice@example.com", "Reset your password")
    link = RESET_LINK.search(mail.text)
    assert link, mail.text
    page.goto(link.group(0))
    page.wait_for_url(re.compile(r"/accounts/password/reset/[^/]+/set-password/$"))
    page.fill("input[name=new_password1]", new_password)
    page.fill("input[name=new_password2]", new_password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/done/$"))
    expect(page.locator("main")).to_contain_text("Your new password is set.")

    page.locator("main").get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in_with_password(page, "alice", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("The username, email or password is not correct.")
    assert "/accounts/login/" in page.url

    sign_in_with_password(page, "alice", new_password)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    enter_code(page, clock.code(totp))
    expect_home(page, "alice")
    user.refresh_from_db()
    assert user.check_password(new_password)
