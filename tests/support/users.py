"""Accounts for the tests: one password for everyone, and the password step of a sign-in."""

from django.contrib.auth import get_user_model

PASSWORD = "correct-horse-battery-9"


def make_user(username: str = "alice", *, email: str | None = None, password: str = PASSWORD, **extra):
    return get_user_model().objects.create_user(
        username=username, email=email or f"{username}@example.com", password=password, **extra
    )


def sign_in(client, username: str = "alice", password: str = PASSWORD):
    """The password step only."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return response


def verified_with_app(username: str = "alice", **extra) -> tuple:
    """(user, Django test client) for a new user with an authenticator app, signed in with both steps."""
    from django.test import Client

    from .devices import add_totp

    user = make_user(username, **extra)
    _device, totp = add_totp(user)
    client = Client()
    sign_in(client, username)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return user, client
