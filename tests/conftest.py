"""Shared fixtures. Tests run against the real database named by DATABASE_URL (SQLite by default).

Helpers (users, devices, clients, fakes) live in tests/support/ (its __init__ lists them).
"""

import pytest

from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in

__all__ = ["PASSWORD", "add_totp", "make_user", "sign_in"]  # re-exported for tests not yet importing tests.support

# Fixtures shared beyond this file come from plugin modules, never from imports in the test files.
pytest_plugins = ["tests.support.delivery_fixtures", "tests.support.tiers"]


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
