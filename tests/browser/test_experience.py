"""The journeys as a new user meets them: every page checked by axe-core at phone and desktop widths, in light
and dark colour schemes; the code sent on arrival; sign-in and enrolment with the keyboard only; each language;
the screenshots shown in the README and the docs, rendered from a frozen clock and fixed data and compared with
fresh renders."""

import os
import re

import pyotp
import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.support.browser_steps import enter_code, sign_in_with_password
from tests.support.browser_steps import sign_up as sign_up_with
from tests.support.devices import add_totp
from tests.support.still_pictures import StillPictures
from tests.support.users import PASSWORD, make_user

from .pages import DESKTOP, PHONE, check

pytestmark = pytest.mark.browser

#: The steps whose pictures are committed under docs/screenshots/ and shown in the README and the docs.
SHOWN_IN_README = (
    "sign-in-390-light.png",
    "verify-email-390-light.png",
    "authenticator-set-up-1280-dark.png",
    "security-1280-light.png",
    # The walk-through in the browser: sign up, set up, sign in.
    "sign-up-1280-light.png",
    "choose-a-method-1280-light.png",
    "authenticator-set-up-1280-light.png",
    "backup-codes-1280-light.png",
    "verify-authenticator-1280-light.png",
)
SIGN_IN_SUBJECT = "sign-in code"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))


def mailed_code(to: str, subject: str) -> str:
    """The code in the latest mail to `to` whose subject contains `subject`."""
    matching = [message for message in mail.outbox if to in message.to and subject in message.subject]
    assert matching, [message.subject for message in mail.outbox]
    return re.search(r"\b(\d{6})\b", matching[-1].body).group(1)


def sign_up(page, username: str) -> None:
    sign_up_with(page, username, PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/setup/"))


def enrol_authenticator(page) -> pyotp.TOTP:
    page.get_by_role("link", name="Authenticator app").click()
    page.wait_for_url(re.compile(r"/2fa/setup/totp/"))
    totp = pyotp.TOTP(page.locator("[data-secret]").inner_text().replace(" ", ""))
    return totp


# Every page: axe-core, at two widths, in two colour schemes


@pytest.mark.skipif(ON_POSTGRES, reason="the accessibility sweep runs once per CI run, on the SQLite pass")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_page_of_the_journeys_has_a_serious_accessibility_violation(
    new_page, transactional_db, monkeypatch, viewport, scheme
):
    still = StillPictures(monkeypatch)  # a frozen clock and fixed data: the screenshots need no masks
    page = still.open(new_page, viewport=viewport, color_scheme=scheme)
    name = f"u{viewport['width']}{scheme}"
    seen: dict[str, list[str]] = {}
    drift: list[str] = []

    def step(name: str) -> None:
        check(page, name, seen, drift, SHOWN_IN_README)

    page.goto("/accounts/login/")
    step("sign-in")
    page.goto("/accounts/signup/")
    step("sign-up")
    sign_up(page, name)
    step("choose-a-method")
    totp = enrol_authenticator(page)
    step("authenticator-set-up")
    page.fill("input[name=code]", still.code(totp))
    page.get_by_role("button", name="Confirm and turn on").click()
    page.wait_for_selector("[data-backup-codes]")
    step("backup-codes")
    page.get_by_role("link", name="I saved them, continue").click()
    step("home")
    page.goto("/2fa/setup/email/")
    step("email-set-up")
    page.get_by_role("button", name=f"Send a code to {name}@example.com").click()
    page.wait_for_selector("input[name=code]")
    step("email-confirm")
    page.fill("input[name=code]", mailed_code(f"{name}@example.com", "Confirm"))
    page.get_by_role("button", name="Confirm and turn on").click()
    page.goto("/2fa/")
    step("security")
    page.goto("/accounts/password/change/")
    step("password-change")
    page.goto("/2fa/reauthenticate/")
    step("confirm-password")
    page.goto("/no-such-page/")
    step("not-found")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.goto("/accounts/password/reset/")
    step("password-reset")
    sign_in_with_password(page, name, PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    step("verify-authenticator")
    page.get_by_role("button", name="Code by email").click()
    expect(page.locator("main")).to_contain_text("We sent a 6-digit code")
    step("verify-email")
    page.goto("/2fa/rescue/")
    step("rescue")
    page.goto("/2fa/verify/")
    enter_code(page, mailed_code(f"{name}@example.com", SIGN_IN_SUBJECT))
    page.wait_for_url(re.compile(r"/$"))
    assert seen == {}, "\n".join(f"{page_name}: {line}" for page_name, lines in seen.items() for line in lines)
    assert drift == [], (
        "The committed screenshots (docs/screenshots/) no longer show the pages as they are:\n" + "\n".join(drift)
    )


# The passkey pages: axe-core at two widths, in two colour schemes


@pytest.mark.skipif(ON_POSTGRES, reason="the accessibility sweep runs once per CI run, on the SQLite pass")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_passkey_page_has_a_serious_accessibility_violation(new_page, transactional_db, viewport, scheme):
    from .test_passkey import NO_AUTOFILL, add_virtual_authenticator

    page = new_page(viewport=viewport, color_scheme=scheme)
    page.context.add_init_script(NO_AUTOFILL)  # the sign-in page waits for the password, not for autofill
    add_virtual_authenticator(page)
    name = f"p{viewport['width']}{scheme}"
    make_user(name)
    seen: dict[str, list[str]] = {}

    def step(step_name: str) -> None:
        check(page, step_name, seen)

    sign_in_with_password(page, name, PASSWORD)
    page.goto("/2fa/setup/passkey/")
    step("passkey-set-up")
    page.fill("input[name=name]", "Laptop")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_selector("[data-backup-codes]")
    page.goto("/2fa/setup/passkey/")
    expect(page.locator("[data-passkey-id]")).to_have_count(1)
    step("passkeys")
    page.locator("[data-passkey-id] input[name=name]").fill("Work laptop")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator("main")).to_contain_text("The passkey was renamed.")
    step("passkey-renamed")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    step("sign-in-with-passkey-offered")
    sign_in_with_password(page, name, PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    step("verify-passkey")
    # The form sent without the browser's answer (as without JavaScript): the page that says it did not work.
    page.evaluate("document.querySelector('form[data-passkey=authenticate]').submit()")
    page.wait_for_url(re.compile(r"/2fa/verify/passkey/"))
    expect(page.get_by_role("alert")).to_be_visible()
    step("passkey-failed")
    page.get_by_role("link", name="Try again").click()
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(re.compile(r"/$"))
    assert seen == {}, "\n".join(f"{page_name}: {line}" for page_name, lines in seen.items() for line in lines)


# The code goes out as the page opens


def test_the_code_is_mailed_on_arrival_once_and_the_countdown_ticks(page, transactional_db):
    from twofactor.methods.email.models import EmailDevice

    user = make_user("erin")
    EmailDevice.objects.create(user=user, name="Code by email", email=user.email, confirmed=True)
    sign_in_with_password(page, "erin", PASSWORD)
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    expect(page.locator("main")).to_contain_text("We sent a 6-digit code to e•••@example.com")
    assert len(mail.outbox) == 1
    page.reload()
    page.reload()
    assert len(mail.outbox) == 1, "a reload sends nothing"
    wait = page.locator("#resend-wait")
    first = int(re.search(r"(\d+) second", wait.inner_text()).group(1))
    expect(page.get_by_role("button", name="Send a new code")).to_be_disabled()
    page.wait_for_timeout(2200)
    later = int(re.search(r"(\d+) second", wait.inner_text()).group(1))
    assert later <= first - 2, (first, later)
    field = page.locator("input[name=code]")
    assert field.get_attribute("inputmode") == "numeric" and field.get_attribute("autocomplete") == "one-time-code"
    enter_code(page, mailed_code("erin@example.com", SIGN_IN_SUBJECT))
    page.wait_for_url(re.compile(r"/$"))
    assert len(mail.outbox) == 1


def test_without_javascript_the_countdown_is_text_and_the_page_works(new_page, transactional_db):
    from twofactor.methods.email.models import EmailDevice

    page = new_page(java_script_enabled=False)
    user = make_user("erin")
    EmailDevice.objects.create(user=user, name="Code by email", email=user.email, confirmed=True)
    sign_in_with_password(page, "erin", PASSWORD)
    expect(page.locator("#resend-wait")).to_contain_text(re.compile(r"You can ask for a new code in \d+ seconds"))
    expect(page.get_by_role("button", name="Send a new code")).to_be_enabled()
    enter_code(page, mailed_code("erin@example.com", SIGN_IN_SUBJECT))
    page.wait_for_url(re.compile(r"/$"))


# Keyboard only


def press_text(page, text: str) -> None:
    for character in text:
        page.keyboard.press(character)


def tab_to(page, name: str, limit: int = 40) -> None:
    """Press Tab until the focused element's text (or value) is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("(document.activeElement.innerText || document.activeElement.value || '').trim()")
        if focused == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def test_sign_in_and_enrol_an_authenticator_with_the_keyboard_only(page, transactional_db):
    make_user("kim")
    page.goto("/accounts/login/")
    assert page.evaluate("document.activeElement.name") == "username", "the focus starts in the first field"
    press_text(page, "kim")
    page.keyboard.press("Tab")
    press_text(page, PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/2fa/setup/"))
    tab_to(page, "Authenticator app")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/2fa/setup/totp/"))
    totp = pyotp.TOTP(page.locator("[data-secret]").inner_text().replace(" ", ""))  # read, as the eyes would
    assert page.evaluate("document.activeElement.name") == "code", "the code field has the focus as the page opens"
    press_text(page, totp.now())
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-backup-codes]")
    tab_to(page, "I saved them, continue")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("main")).to_contain_text("Hello, kim")


# Each language


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr-FR", {"continue": "Continuer", "verify": "Vérifier", "home": "Bonjour, ana"}),
        ("de-DE", {"continue": "Weiter", "verify": "Bestätigen", "home": "Hallo, ana"}),
        ("es-ES", {"continue": "Continuar", "verify": "Verificar", "home": "Hola, ana"}),
    ],
)
def test_a_sign_in_in_each_language(new_page, transactional_db, clock, locale, expected):
    user = make_user("ana")
    _device, totp = add_totp(user)
    page = new_page(locale=locale)
    page.goto("/accounts/login/")
    assert page.get_attribute("html", "lang") == locale[:2]
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name=expected["continue"]).click()
    page.wait_for_url(re.compile(r"/2fa/verify/"))
    page.fill("input[name=code]", clock.code(totp))
    page.get_by_role("button", name=expected["verify"]).click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("main")).to_contain_text(expected["home"])


def test_the_language_switcher(page, transactional_db):
    page.goto("/accounts/login/")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.locator("h1")).to_have_text("Anmelden")
    page.goto("/accounts/signup/")
    expect(page.locator("h1")).to_have_text("Konto erstellen")
