"""Backup codes: hashed at rest, shown once, single use, regenerated only after re-authentication."""

import re
import time

import pytest

from tests.support.users import PASSWORD, sign_in
from twofactor.codes import normalize_backup_code
from twofactor.methods.backup.models import BackupCode, BackupCodeDevice
from twofactor.models import SecurityEvent


def enrol_totp_with_pages(client):
    """Enrol an authenticator through the pages; returns (pyotp generator, backup codes shown, the page)."""
    import html

    import pyotp

    page = client.get("/2fa/setup/totp/").content.decode()
    uri = html.unescape(re.search(r'href="(otpauth://[^"]+)"', page).group(1))
    totp = pyotp.parse_uri(uri)
    response = client.post("/2fa/setup/totp/", {"code": totp.now()})
    assert response.status_code == 200
    page = response.content.decode()
    codes = re.findall(r"<li><code>([0-9A-Z-]+)</code></li>", page)
    return totp, codes, page


@pytest.fixture
def enrolled(client, user):
    sign_in(client)
    totp, codes, page = enrol_totp_with_pages(client)
    return client, totp, codes, page


def test_first_method_comes_with_ten_backup_codes_of_80_bits(enrolled, user):
    _client, _totp, codes, _page = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code) for code in codes)  # 16 base32 symbols


def test_backup_codes_are_stored_only_as_salted_hashes(enrolled, user):
    _client, _totp, codes, _page = enrolled
    stored = list(BackupCode.objects.filter(device__user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    for code in codes:
        plain = normalize_backup_code(code)
        assert all(plain not in value and code not in value for value in stored)
    salts = {value.split("$")[1] for value in stored}
    assert len(salts) == 10


def test_a_backup_code_signs_in_once(enrolled, client_factory, user):
    _client, _totp, codes, _page = enrolled
    first, second = client_factory(), client_factory()
    sign_in(first)
    assert first.post("/2fa/verify/", {"code": codes[0].lower().replace("-", " ")}).status_code == 302
    sign_in(second)
    response = second.post("/2fa/verify/", {"code": codes[0]})
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert SecurityEvent.objects.filter(user=user, kind="backup_code_used").count() == 1


def test_regenerating_needs_recent_reauthentication_then_replaces_the_set(enrolled, user, client_factory):
    client, totp, old_codes, _page = enrolled
    session = client.session
    session["twofactor_reauth"] = {"password_at": 0, "code_at": 0}  # long ago
    session.save()
    response = client.post("/2fa/backup-codes/")
    assert response.status_code == 302 and response.url.startswith("/2fa/reauthenticate/")
    assert BackupCode.objects.filter(device__user=user).count() == 10

    # The enrolment spent this time step's code; the next step's is within tolerance.
    response = client.post(response.url, {"password": PASSWORD, "code": totp.at(time.time() + 30), "method": "totp"})
    assert response.status_code == 302 and response.url == "/2fa/backup-codes/"
    response = client.post("/2fa/backup-codes/")
    assert response.status_code == 200
    new_codes = re.findall(r"<li><code>([0-9A-Z-]+)</code></li>", response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    other = client_factory()
    sign_in(other)
    assert other.post("/2fa/verify/", {"code": old_codes[1]}).status_code == 400
    time.sleep(1.1)  # django-otp's back-off after one failure
    assert other.post("/2fa/verify/", {"code": new_codes[1]}).status_code == 302


def test_a_new_set_ends_the_sessions_and_forgets_the_browsers_a_backup_code_opened(enrolled, user, client_factory):
    from twofactor.models import TrustedBrowser

    client, totp, old_codes, _page = enrolled
    by_code, by_app = client_factory(), client_factory()
    sign_in(by_code)
    assert by_code.post("/2fa/verify/", {"code": old_codes[0], "remember": "on"}).status_code == 302
    assert TrustedBrowser.objects.filter(user=user, method="backup").count() == 1
    sign_in(by_app)
    assert by_app.post("/2fa/verify/", {"code": totp.at(time.time() + 30)}).status_code == 302

    # The enrolment's session proved its password and code moments ago: no re-authentication needed.
    assert client.post("/2fa/backup-codes/").status_code == 200
    assert by_code.get("/2fa/").status_code == 302  # signed out: the login page
    assert "_auth_user_id" not in by_code.session
    assert by_app.get("/2fa/").status_code == 200 and client.get("/2fa/").status_code == 200
    assert not TrustedBrowser.objects.filter(user=user).exists()
    forgotten = SecurityEvent.objects.get(user=user, kind="trusted_browsers_revoked")
    assert forgotten.data["reason"] == "backup_codes_replaced"
    assert SecurityEvent.objects.get(user=user, kind="backup_codes_generated", data__sessions_ended=1)


def test_the_download_link_carries_exactly_the_codes_shown(enrolled):
    import html
    from urllib.parse import unquote

    _client, _totp, codes, page = enrolled
    link = re.search(r'download="backup-codes.txt"\s+href="data:text/plain;charset=utf-8,([^"]+)"', page)
    text = unquote(html.unescape(link.group(1)))
    assert [line for line in text.splitlines() if re.fullmatch(r"[0-9A-Z-]{19}", line)] == codes


def test_backup_codes_page_for_someone_without_a_method_explains_itself(client, settings, user):
    settings.TWOFACTOR_REQUIRED = "optional"
    sign_in(client)
    response = client.get("/2fa/backup-codes/")
    assert response.status_code == 200
    assert not BackupCodeDevice.objects.filter(user=user).exists()
