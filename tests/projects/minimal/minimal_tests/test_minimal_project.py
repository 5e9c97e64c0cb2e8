"""twofactor installed from its wheel into a project with an email-only user model, mounted under /security/."""

import os
import sysconfig

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp

import twofactor
from twofactor import crypto
from twofactor.methods.totp.models import TOTPDevice

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-password-for-tests"
KEY = bytes(range(20))


def test_twofactor_comes_from_the_installed_wheel():
    """Not from the repository: the package sits in this virtual environment's site-packages."""
    if os.environ.get("MINIMAL_FROM_SOURCE"):
        pytest.skip("run against the source tree (MINIMAL_FROM_SOURCE)")
    assert os.path.dirname(twofactor.__file__).startswith(sysconfig.get_paths()["purelib"])


def person(email="ada@example.org", **extra):
    user = get_user_model().objects.create_user(email, PASSWORD, **extra)
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(KEY)
    device.save()
    return user


def code(offset: int = 0) -> str:
    return f"{totp(KEY, t0=-offset * 30):06d}"


def sign_in_with_password(client, email="ada@example.org"):
    response = client.post("/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content


def test_totp_sign_in_through_the_middleware():
    person()
    client = Client()
    sign_in_with_password(client)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/security/2fa/verify/?next=")
    assert client.post("/security/2fa/verify/", {"code": code()}).status_code == 302
    assert client.get("/").content == b"Hello ada@example.org"


def test_the_host_logout_stays_reachable_and_enrolment_is_required():
    get_user_model().objects.create_user("new@example.org", PASSWORD)
    client = Client()
    sign_in_with_password(client, "new@example.org")
    assert client.get("/").url.startswith("/security/2fa/setup/")
    assert client.get("/security/2fa/setup/totp/").status_code == 200
    assert client.post("/logout/").status_code == 302  # the host's own logout (LOGOUT_URL default "logout")
    assert client.get("/").url.startswith("/login/")


def test_the_admin_lets_in_verified_staff_only():
    staff = person("staff@example.org", is_staff=True, is_superuser=True)
    client = Client()
    admin_login = client.get("/staff/")
    assert admin_login.url.startswith("/staff/login/")
    assert client.get(admin_login.url).url.startswith("/login/")  # the admin sends visitors to LOGIN_URL
    sign_in_with_password(client, "staff@example.org")
    assert client.get("/staff/").url.startswith("/security/2fa/verify/")
    assert client.post("/security/2fa/verify/", {"code": code()}).status_code == 302
    page = client.get(f"/staff/people/person/{staff.pk}/change/")
    assert page.status_code == 200 and b"Authenticator app" in page.content
    assert client.get("/staff/people/person/", {"q": "staff@"}).status_code == 200  # searches the email field


def test_the_api_signs_in_with_an_email_address():
    person()
    client = Client()
    session = client.get("/security/api/session").json()
    assert session["authenticated"] is False
    response = client.post(
        "/security/api/login", {"username": "ada@example.org", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["two_factor"]["state"] == "verify"
    assert response.json()["user"]["email"] == "a••@example.org"  # masked while the second step is pending
    blocked = client.get("/security/api/2fa/devices")
    assert blocked.status_code == 401 and blocked.json()["error"]["code"] == "two_factor_required"
    verified = client.post(
        "/security/api/2fa/verify", {"code": code(), "method": "totp"}, content_type="application/json"
    )
    assert verified.status_code == 200 and verified.json()["verified"] is True
    assert [d["method"] for d in client.get("/security/api/2fa/devices").json()["devices"]] == ["totp"]
    document = client.get("/security/api/openapi.json").json()
    assert document["servers"] == [{"url": "/security/api"}] or document["openapi"].startswith("3.")


def test_the_encryption_key_is_derived_from_this_projects_secret_key():
    person()
    device = TOTPDevice.objects.get()
    assert crypto.decrypt(device.encrypted_key) == KEY
