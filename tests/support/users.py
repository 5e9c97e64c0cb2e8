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
