"""Authenticator apps: RFC 6238 vectors, the TOTP device, enrolment and sign-in through the test client.

Codes come from pyotp, an implementation independent of django-otp's.
"""

import base64
import html
import re
import time
import types
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import qrcode
from django_otp.oath import TOTP

from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor.methods.backup.models import BackupCodeDevice
from twofactor.methods.totp import models as devices_module
from twofactor.methods.totp.models import TOTPDevice
from twofactor.methods.totp.qr import qr_svg
from twofactor.models import UserSession

RFC6238_KEY = b"12345678901234567890"  # the SHA-1 seed of RFC 6238, appendix B
RFC6238_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]

BAD_CODES = {
    "wrong": None,  # filled in per test: a valid-looking code that is not the current one
    "empty": "",
    "too long": "1" * 65,
    "seven digits": "1234567",
    "non-numeric": "12a456",
    "unicode digits": "١٢٣٤٥٦",
}


def _freeze_device_clock(monkeypatch, at: float) -> None:
    monkeypatch.setattr(devices_module, "time", types.SimpleNamespace(time=lambda: at))


def _wrong_code(totp: pyotp.TOTP) -> str:
    """A six-digit code that none of the accepted time steps produces right now."""
    accepted = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)


def _otpauth_from_page(content: bytes) -> str:
    match = re.search(rb'href="(otpauth://[^"]+)"[^>]*data-otpauth', content)
    assert match, "no otpauth link on the page"
    return html.unescape(match.group(1).decode())


# RFC 6238 test vectors


@pytest.mark.parametrize(("at", "expected"), RFC6238_VECTORS)
def test_rfc6238_vectors_from_django_otp_totp(at, expected):
    totp = TOTP(RFC6238_KEY, step=30, t0=0, digits=8)
    totp.time = at
    assert f"{totp.token():08d}" == expected


@pytest.mark.parametrize(("at", "expected"), RFC6238_VECTORS)
def test_rfc6238_vectors_from_pyotp_agree(at, expected):
    generator = pyotp.TOTP(base64.b32encode(RFC6238_KEY).decode(), digits=8)
    assert generator.at(at) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("at", "expected"), RFC6238_VECTORS)
def test_rfc6238_vectors_accepted_by_the_device(monkeypatch, at, expected):
    user = make_user()
    device = TOTPDevice(user=user, name="rfc", confirmed=True, digits=8)
    device.set_key(RFC6238_KEY)
    device.save()
    _freeze_device_clock(monkeypatch, at)
    assert device.check_code(expected)
    assert device.last_t == at // 30


# The device


@pytest.mark.django_db
def test_key_is_encrypted_at_rest():
    user = make_user()
    device, totp = add_totp(user, key=RFC6238_KEY)
    stored = TOTPDevice.objects.values_list("encrypted_key", flat=True).get(pk=device.pk)
    assert RFC6238_KEY.decode() not in stored
    assert totp.secret not in stored
    assert TOTPDevice.objects.get(pk=device.pk).key == RFC6238_KEY


@pytest.mark.django_db
def test_a_code_is_accepted_once(monkeypatch):
    user = make_user()
    device, totp = add_totp(user)
    now = 1_700_000_000
    _freeze_device_clock(monkeypatch, now)
    assert device.check_code(totp.at(now))
    assert not device.check_code(totp.at(now))


@pytest.mark.django_db
def test_a_code_of_an_older_step_is_refused_after_a_newer_one(monkeypatch):
    user = make_user()
    device, totp = add_totp(user)
    now = 1_700_000_000
    _freeze_device_clock(monkeypatch, now)
    assert device.check_code(totp.at(now))
    assert not device.check_code(totp.at(now - 30))


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-30, 30])
def test_one_step_of_clock_drift_is_tolerated(monkeypatch, offset):
    user = make_user()
    device, totp = add_totp(user)
    now = 1_700_000_000
    _freeze_device_clock(monkeypatch, now)
    assert device.check_code(totp.at(now + offset))


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-90, 90, -600])
def test_codes_far_from_now_are_stale(monkeypatch, offset):
    user = make_user()
    device, totp = add_totp(user)
    now = 1_700_000_000
    _freeze_device_clock(monkeypatch, now)
    assert not device.check_code(totp.at(now + offset))


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "1" * 65, "1234567", "12a456", "١٢٣٤٥٦", None, 123456])
def test_malformed_codes_are_refused_without_error(code):
    user = make_user()
    device, _totp = add_totp(user)
    assert not device.check_code(code)


@pytest.mark.django_db
def test_codes_with_spaces_are_accepted(monkeypatch):
    user = make_user()
    device, totp = add_totp(user)
    now = 1_700_000_000
    _freeze_device_clock(monkeypatch, now)
    code = totp.at(now)
    assert device.check_code(f" {code[:3]} {code[3:]} ")


# Enrolment through the pages


@pytest.fixture
def enrolling_client(client, db):
    """A signed-in client of a new user without any method (the site requires one)."""
    make_user("newbie")
    sign_in(client, "newbie")
    return client


def test_setup_page_shows_an_otpauth_uri_per_the_key_uri_format(enrolling_client, settings):
    settings.TWOFACTOR_ISSUER = "Example Co"
    response = enrolling_client.get("/2fa/setup/totp/")
    assert response.status_code == 200
    uri = _otpauth_from_page(response.content)
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/Example Co:newbie"
    query = parse_qs(parts.query)
    assert query["issuer"] == ["Example Co"]
    assert query["digits"] == ["6"] and query["period"] == ["30"] and query["algorithm"] == ["SHA1"]
    secret = query["secret"][0]
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    # The same key, grouped for typing, and the QR code are on the page too.
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped.encode() in response.content
    assert b'class="qr"><img src="data:image/svg+xml;base64,' in response.content
    assert b'alt="QR code of your authenticator key.' in response.content
    # pyotp parses it as an authenticator app would.
    parsed = pyotp.parse_uri(uri)
    assert parsed.issuer == "Example Co" and parsed.name == "newbie"


def test_a_second_page_load_keeps_the_pending_key(enrolling_client):
    first = _otpauth_from_page(enrolling_client.get("/2fa/setup/totp/").content)
    second = _otpauth_from_page(enrolling_client.get("/2fa/setup/totp/").content)
    assert first == second
    assert not TOTPDevice.objects.exists()


def test_show_a_different_key_replaces_it(enrolling_client):
    first = _otpauth_from_page(enrolling_client.get("/2fa/setup/totp/").content)
    response = enrolling_client.post("/2fa/setup/totp/", {"action": "restart"}, follow=True)
    assert _otpauth_from_page(response.content) != first


def test_enrolment_with_a_code_from_the_uri_stores_the_device_and_shows_backup_codes(enrolling_client):
    uri = _otpauth_from_page(enrolling_client.get("/2fa/setup/totp/?next=/").content)
    totp = pyotp.parse_uri(uri)
    response = enrolling_client.post("/2fa/setup/totp/?next=/", {"code": totp.now(), "next": "/"})
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user__username="newbie")
    assert device.confirmed and device.key == base64.b32decode(totp.secret)
    codes = re.findall(rb"<li><code>([0-9A-Z-]+)</code></li>", response.content)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code.replace(b"-", b"")) == 16 for code in codes)  # 16 base32 symbols: 80 bits
    assert BackupCodeDevice.objects.get(user=device.user).codes.count() == 10
    assert b'download="backup-codes.txt"' in response.content
    # The session is verified now: the home page answers.
    assert enrolling_client.get("/").status_code == 200


@pytest.mark.parametrize("kind", sorted(BAD_CODES))
def test_enrolment_with_a_bad_code_shows_a_form_error_and_stores_nothing(enrolling_client, kind):
    uri = _otpauth_from_page(enrolling_client.get("/2fa/setup/totp/").content)
    totp = pyotp.parse_uri(uri)
    code = BAD_CODES[kind] if BAD_CODES[kind] is not None else _wrong_code(totp)
    response = enrolling_client.post("/2fa/setup/totp/", {"code": code})
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert b'class="error"' in response.content
    assert not TOTPDevice.objects.exists()
    assert not BackupCodeDevice.objects.exists()
    # The pending key survives the mistake.
    assert _otpauth_from_page(response.content) == uri


def test_enrolment_with_a_stale_code_is_refused(enrolling_client):
    uri = _otpauth_from_page(enrolling_client.get("/2fa/setup/totp/").content)
    stale = pyotp.parse_uri(uri).at(time.time() - 300)
    response = enrolling_client.post("/2fa/setup/totp/", {"code": stale})
    assert response.status_code == 400
    assert not TOTPDevice.objects.exists()


def test_the_code_used_to_enrol_cannot_sign_in_again(client, db, monkeypatch, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 0  # the refused replay must not delay the next code
    now = 1_700_000_000
    _freeze_device_clock(monkeypatch, now)
    make_user("newbie")
    sign_in(client, "newbie")
    totp = pyotp.parse_uri(_otpauth_from_page(client.get("/2fa/setup/totp/").content))
    assert client.post("/2fa/setup/totp/", {"code": totp.at(now)}).status_code == 200
    client.post("/accounts/logout/")
    sign_in(client, "newbie")
    assert client.post("/2fa/verify/", {"code": totp.at(now)}).status_code == 400
    _freeze_device_clock(monkeypatch, now + 30)
    assert client.post("/2fa/verify/", {"code": totp.at(now + 30)}).status_code == 302


# Sign-in with the authenticator


def test_sign_in_with_password_and_authenticator_code(client, totp_user):
    user, device, totp = totp_user
    sign_in(client)
    assert client.get("/").status_code == 302
    response = client.post("/2fa/verify/?next=/2fa/", {"code": totp.now(), "next": "/2fa/"})
    assert response.status_code == 302 and response.url == "/2fa/"
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.last_used_at is not None
    session = UserSession.objects.get(user=user)
    assert session.device_id == device.persistent_id and session.verified_at is not None


@pytest.mark.parametrize("kind", sorted(BAD_CODES))
def test_sign_in_with_a_bad_code_shows_a_form_error(client, totp_user, kind):
    _user, _device, totp = totp_user
    sign_in(client)
    code = BAD_CODES[kind] if BAD_CODES[kind] is not None else _wrong_code(totp)
    response = client.post("/2fa/verify/", {"code": code})
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert client.get("/").status_code == 302  # still not verified


def test_sign_in_with_a_stale_code_is_refused(client, totp_user):
    _user, _device, totp = totp_user
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": totp.at(time.time() - 300)})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_wrong_password_never_reaches_the_second_step(client, totp_user):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD + "x"})
    assert response.status_code == 200
    assert client.get("/2fa/verify/").status_code == 302
    assert client.get("/2fa/verify/").url.startswith("/accounts/login/")


def test_qr_code_keeps_a_four_module_quiet_zone():
    """ISO/IEC 18004 asks for 4 light modules around the symbol; scanners in dim light need them."""
    data = "otpauth://totp/Site:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Site"
    symbol = qrcode.QRCode()
    symbol.add_data(data)
    symbol.make(fit=True)
    svg = qr_svg(data)
    size = symbol.modules_count + 8
    assert f'viewBox="0 0 {size} {size}"' in svg
    corners = [(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)]
    assert min(x for x, _y in corners) == 4 and min(y for _x, y in corners) == 4
    assert max(x for x, _y in corners) == size - 5 and max(y for _x, y in corners) == size - 5
