"""A method written outside twofactor (tests/hardware_token: HOTP key-fobs) works everywhere a built-in one does.

Nothing in twofactor/ names it: tests/settings.py installs its app and lists it in TWOFACTOR_METHODS.
"""

import binascii
import os

import pytest
from django.test import Client, override_settings
from django_otp.oath import hotp

from tests.hardware_token.models import HardwareTokenDevice
from tests.support.api_client import ApiClient, error_of
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import crypto, state
from twofactor.models import SecurityEvent

pytestmark = pytest.mark.django_db


class Token:
    """The key-fob: a secret and a counter that moves at every press."""

    def __init__(self):
        self.key = os.urandom(20)
        self.presses = 0

    @property
    def secret(self) -> str:
        return binascii.hexlify(self.key).decode()

    def press(self) -> str:
        code = f"{hotp(self.key, self.presses, digits=8):08d}"
        self.presses += 1
        return code


def enrol_on_the_pages(client: Client, token: Token):
    assert b"Hardware token" in client.get("/2fa/setup/").content
    assert client.post("/2fa/setup/hotp/", {"action": "secret", "secret": "not hex"}).status_code == 400
    assert client.post("/2fa/setup/hotp/", {"action": "secret", "secret": token.secret}).status_code == 302
    page = client.get("/2fa/setup/hotp/")
    assert b"Press the token" in page.content
    assert client.post("/2fa/setup/hotp/", {"action": "confirm", "code": "000000"}).status_code == 400
    return client.post("/2fa/setup/hotp/", {"action": "confirm", "code": token.press()})


def test_enrolled_used_at_sign_in_listed_and_removed_on_the_pages():
    make_user()
    token = Token()
    client = Client()
    sign_in(client)  # no method yet and the site requires one: the middleware sends the session to set-up
    assert client.get("/").url.startswith("/2fa/setup/")
    stored = enrol_on_the_pages(client, token)
    assert stored.status_code == 200 and b"backup" in stored.content.lower()  # the first method brings backup codes
    device = HardwareTokenDevice.objects.get(user__username="alice")
    assert (
        device.confirmed and device.counter == 1 and device.encrypted_key and token.secret not in device.encrypted_key
    )
    overview = client.get("/2fa/")
    assert b'data-method="hotp"' in overview.content and b"Hardware token" in overview.content

    # Sign-in: the method's own instructions, its code accepted once, a replayed or skipped-back code refused.
    second = Client()
    sign_in(second)
    page = second.get("/2fa/verify/")
    assert b"Press the button on your hardware token" in page.content
    code = token.press()
    assert second.post("/2fa/verify/", {"code": code, "method": "hotp"}).status_code == 302
    assert second.get("/").status_code == 200
    third = Client()
    sign_in(third)
    assert third.post("/2fa/verify/", {"code": code, "method": "hotp"}).status_code == 400  # used already
    assert SecurityEvent.objects.filter(kind="signed_in", data__method="hotp").exists()

    # Removal (this session proved its password and a code moments ago): refused while the site requires a
    # method, then allowed, backup codes going with the last method.
    response = client.post("/2fa/methods/hotp/remove/")
    assert response.status_code == 302 and HardwareTokenDevice.objects.filter(user__username="alice").exists()
    with override_settings(TWOFACTOR_REQUIRED="optional"):
        assert client.post("/2fa/methods/hotp/remove/").status_code == 302
    assert not HardwareTokenDevice.objects.exists()
    assert state.devices_of(device.user) == []


def test_driven_through_the_json_api():
    make_user()
    token = Token()
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "setup"
    error_of(api.post("/2fa/setup/hotp", {"secret": "zz"}), 400, "validation_error")
    assert api.post("/2fa/setup/hotp", {"secret": token.secret}).json() == {"pending": True}
    confirmed = api.post("/2fa/setup/confirm", {"code": token.press()}).json()
    assert confirmed["device"]["method"] == "hotp" and len(confirmed["backup_codes"]) == 10
    devices = api.get("/2fa/devices").json()["devices"]
    assert [(d["method"], d["primary"], d["target"]) for d in devices] == [
        ("backup", False, None),
        ("hotp", True, None),
    ]

    fresh = ApiClient()
    session = fresh.login("alice", PASSWORD)
    assert session["two_factor"]["methods"] == ["backup", "hotp"] and session["two_factor"]["primary_method"] == "hotp"
    error_of(fresh.post("/2fa/challenge", {"method": "hotp"}), 400, "validation_error")  # it sends no code
    assert fresh.post("/2fa/verify", {"code": token.press(), "method": "hotp"}).json()["verified"] is True

    document = fresh.get("/openapi.json").json()
    assert "/2fa/setup/hotp" in document["paths"]
    assert "hotp" in document["components"]["schemas"]["Device"]["properties"]["method"]["enum"]
    body = document["paths"]["/2fa/setup/hotp"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["secret"] and body["properties"]["secret"]["maxLength"] == 128

    # Removing it over the API (after re-authenticating with it) when the site allows no method.
    with override_settings(TWOFACTOR_REQUIRED="optional"):
        assert (
            fresh.post("/reauthenticate", {"password": PASSWORD, "code": token.press(), "method": "hotp"}).status_code
            == 200
        )
        assert fresh.delete("/2fa/devices/hotp").json() == {"devices": []}
    assert not HardwareTokenDevice.objects.exists()


def test_shown_in_the_admin():
    staff = make_user("staff", is_staff=True, is_superuser=True)
    token = Token()
    HardwareTokenDevice.objects.create(
        user=staff, name="Hardware token", confirmed=True, encrypted_key=crypto.encrypt(token.key)
    )
    client = Client()
    sign_in(client, "staff")
    assert client.post("/2fa/verify/", {"code": token.press(), "method": "hotp"}).status_code == 302
    user_page = client.get(f"/admin/accounts/user/{staff.pk}/change/")
    assert user_page.status_code == 200
    assert b"Hardware token" in user_page.content and b"counter at 1" in user_page.content
    listing = client.get("/admin/hardware_token/hardwaretokendevice/")
    assert listing.status_code == 200 and b"staff" in listing.content
    assert token.secret.encode() not in listing.content
