"""Sign-up, forced enrolment of an authenticator from the QR code on the page, backup codes, home."""

import os
import re
from pathlib import Path

import pyotp
import pytest
from django.contrib.auth import get_user_model

from tests.support.browser_steps import decode_qr
from tests.support.browser_steps import sign_up as sign_up_with
from twofactor.methods.backup.models import BackupCodeDevice
from twofactor.methods.totp.models import TOTPDevice

pytestmark = pytest.mark.browser

PASSWORD = "a-long-and-unusual-passphrase-42"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def sign_up(page, username: str) -> None:
    sign_up_with(page, username, PASSWORD)


def test_sign_up_enrol_from_the_qr_code_save_backup_codes_and_reach_home(page):
    sign_up(page, "carol")
    # The site requires two-factor: the new account is sent to choose a method before anything else.
    page.wait_for_url(re.compile(r"/2fa/setup/"))
    page.goto("/")
    assert "/2fa/setup/" in page.url
    page.get_by_role("link", name="Authenticator app").click()
    page.wait_for_url(re.compile(r"/2fa/setup/totp/"))

    # Scan the QR code as a phone would: from the pixels on the screen.
    uri = decode_qr(page.locator(".qr img").screenshot())
    assert uri.startswith("otpauth://totp/")
    assert uri == page.get_attribute("[data-otpauth]", "href")
    totp = pyotp.parse_uri(uri)
    assert totp.name == "carol"
    # A reload (the user switching to the app and back) keeps the key that was scanned.
    page.reload()
    assert decode_qr(page.locator(".qr img").screenshot()) == uri

    page.fill("input[name=code]", totp.now())
    page.get_by_role("button", name="Confirm and turn on").click()

    # The backup codes, shown once, and their text download.
    page.wait_for_selector("[data-backup-codes]")
    codes = page.locator("[data-backup-codes] code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code) for code in codes)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as text").click()
    download = download_info.value
    assert download.suggested_filename == "backup-codes.txt"
    text = Path(download.path()).read_text()
    assert [line for line in text.splitlines() if re.fullmatch(r"[0-9A-Z-]{19}", line)] == codes
    assert "carol" in text

    page.get_by_role("link", name="I saved them, continue").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Hello, carol" in page.content()

    user = get_user_model().objects.get(username="carol")
    assert TOTPDevice.objects.get(user=user).key == pyotp.TOTP(totp.secret).byte_secret()
    assert BackupCodeDevice.objects.get(user=user).remaining == 10


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_setup_page_fits_the_screen(new_page, name, viewport, tmp_path):
    page = new_page(viewport=viewport)
    sign_up(page, f"dave{name}")
    page.goto("/2fa/setup/totp/")
    # Nothing sticks out sideways, and the whole QR code is on screen and scannable.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    box = page.locator(".qr img").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["width"] >= 180
    key_box = page.locator("[data-secret]").bounding_box()
    assert key_box["x"] + key_box["width"] <= viewport["width"]
    assert decode_qr(page.locator(".qr img").screenshot()).startswith("otpauth://")
    folder = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(folder / f"setup_totp_{name}.png"), full_page=True)
