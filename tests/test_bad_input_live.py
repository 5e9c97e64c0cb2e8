"""Bad input from an outside review that gave 500s: sign-ups racing for one address, and users added in the admin
without an address; over HTTP against a live gunicorn with the production settings (DEBUG off). Each failed first."""

import base64
import threading

import pyotp
import pytest
from django.contrib.auth import get_user_model

from tests.support.live_server import Browser, LiveServer
from twofactor.methods.totp.models import TOTPDevice

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "owner-password-1234"


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_setup, django_db_blocker):
    """TWOFACTOR_REQUIRED=all behind one trusted proxy hop (a test plays clients at different addresses through
    X-Forwarded-For), with a host site's views guarded by step-up (tests/support/step_up_urls.py)."""
    with django_db_blocker.unblock():
        server = LiveServer(
            tmp_path_factory.mktemp("live-review"),
            TWOFACTOR_REQUIRED="all",
            TWOFACTOR_TRUSTED_PROXIES="1",
            TWOFACTOR_TEST_ROOT_URLCONF="tests.support.step_up_urls",
        )
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _live_hasher(settings, site):
    settings.PASSWORD_HASHERS = ["tests.support.live_server.LiveServerHasher"]
    site.clear_outboxes()


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)


def add_totp(user, key: bytes = b"0123456789abcdefghij") -> pyotp.TOTP:
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    return pyotp.TOTP(base64.b32encode(key).decode())


def verified_browser(site: LiveServer, user, totp: pyotp.TOTP, address: str) -> Browser:
    browser = Browser(site, address)
    assert browser.login(user.get_username(), PASSWORD).json()["two_factor"]["state"] == "verify"
    verified = browser.api("POST", "/2fa/verify", {"code": totp.now()})
    assert verified.status_code == 200 and verified.json()["verified"] is True, verified.text
    return browser


def test_concurrent_sign_ups_with_one_address_answer_no_500(site):
    """Twelve sign-ups at the same instant with one address (from twelve clients): the form's check passes for all
    of them before any is saved, and every one but the first hits the database's unique constraint, which the view
    does not expect (IntegrityError, 500). A form error (or a 429) is what they should get."""
    statuses = []
    barrier = threading.Barrier(12)

    def sign_up(number: int) -> None:
        browser = Browser(site, f"192.0.2.{number + 10}")
        browser._csrf("/accounts/signup/")
        barrier.wait()
        answer = browser.post(
            "/accounts/signup/",
            {
                "username": f"racer{number}",
                "email": "racer@example.com",
                "password1": "spam-password-9876",
                "password2": "spam-password-9876",
            },
        )
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=sign_up, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 500 not in statuses, statuses
    assert get_user_model().objects.filter(email__iexact="racer@example.com").count() == 1


def test_adding_two_users_without_an_address_in_the_admin_answers_no_500(site):
    """Django's user admin adds a user with a username and a password only, so the address is empty; the site's
    case-insensitive unique constraint on the address then refuses the second such user in the database
    (IntegrityError, 500) instead of in the form."""
    admin = make_user("boss", is_staff=True, is_superuser=True)
    browser = verified_browser(site, admin, add_totp(admin), "198.51.100.41")
    statuses = []
    for name in ("first", "second"):
        answer = browser.post(
            "/admin/accounts/user/add/",
            {
                "username": name,
                "password1": "Another-pass-123",
                "password2": "Another-pass-123",
                "usable_password": "true",
                "_save": "Save",
            },
        )
        statuses.append(answer.status_code)
    assert 500 not in statuses, statuses
    assert "This field is required" in answer.text  # the address is asked for
    for name in ("first", "second"):
        answer = browser.post(
            "/admin/accounts/user/add/",
            {
                "username": name,
                "email": f"{name}@example.com",
                "password1": "Another-pass-123",
                "password2": "Another-pass-123",
                "usable_password": "true",
                "_save": "Save",
            },
        )
        assert answer.status_code == 302 and get_user_model().objects.filter(username=name).exists()


def test_accounts_without_an_address_may_be_several(db):
    """Made in the shell or by a project's own code: the unique address constraint leaves empty addresses alone."""
    for name in ("shell-one", "shell-two"):
        get_user_model().objects.create_user(name, "", PASSWORD)
    assert get_user_model().objects.filter(email="").count() == 2
