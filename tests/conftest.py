"""Shared fixtures. Tests run against the real database named by DATABASE_URL (SQLite by default)."""

import secrets

import pyotp
import pytest
from django.contrib.auth import get_user_model

from twofactor.methods.totp.models import TOTPDevice

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TWOFACTOR_SMS_BACKEND = "locmem"
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]


@pytest.fixture(autouse=True)
def _default_language():
    """A page asked for in French leaves French active in this thread (LocaleMiddleware does not switch back):
    each test starts in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    from twofactor import sms

    sms.outbox.clear()
    yield
    sms.outbox.clear()


def make_user(username: str = "alice", *, email: str | None = None, password: str = PASSWORD, **extra):
    return get_user_model().objects.create_user(
        username=username, email=email or f"{username}@example.com", password=password, **extra
    )


def add_totp(user, key: bytes | None = None) -> tuple[TOTPDevice, pyotp.TOTP]:
    """Give `user` a confirmed authenticator device; returns it and an independent pyotp generator."""
    key = key or secrets.token_bytes(20)
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    import base64

    return device, pyotp.TOTP(base64.b32encode(key).decode())


def sign_in(client, username: str = "alice", password: str = PASSWORD):
    """The password step only."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return response


@pytest.fixture
def user(db):
    return make_user()


@pytest.fixture
def totp_user(db):
    """(user, device, pyotp.TOTP) for a user with an authenticator app."""
    user = make_user()
    device, totp = add_totp(user)
    return user, device, totp


@pytest.fixture
def verified_client(client, totp_user):
    """A client whose session passed both steps (with an authenticator code)."""
    user, device, totp = totp_user
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": totp.now()})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def client_factory():
    """Make more independent browsers (Django test clients)."""
    from django.test import Client

    return Client
