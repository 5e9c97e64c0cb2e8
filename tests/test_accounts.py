"""Sign-up, password sign-in (username or email), sign-out, password change and reset."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.support.users import PASSWORD, make_user

User = get_user_model()
SIGNUP = {"username": "newbie", "email": "newbie@example.com", "password1": PASSWORD, "password2": PASSWORD}


@pytest.mark.django_db
def test_sign_up_creates_the_account_and_signs_in_to_set_up_a_method(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert User.objects.filter(username="newbie").exists()
    # The site requires two-factor: the new account is sent to enrol a method.
    assert client.get("/").url.startswith("/2fa/setup/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "ALICE@Example.COM"}, "email"),
        ({"username": "ALICE"}, "username"),
        ({"password1": "password", "password2": "password"}, "password2"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password2"),
        ({"password2": "something-else-entirely"}, "password2"),
        ({"email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"username": ""}, "username"),
    ],
)
def test_sign_up_with_bad_input_shows_a_form_error_and_creates_nothing(client, changes, field):
    make_user("alice")
    before = User.objects.count()
    response = client.post("/accounts/signup/", {**SIGNUP, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert User.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("identifier", ["alice", "ALICE", "alice@example.com", "Alice@EXAMPLE.com"])
def test_sign_in_accepts_username_or_email_in_any_case(client, identifier):
    make_user("alice")
    response = client.post("/accounts/login/", {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_wrong_identity_and_wrong_password_get_the_same_answer(client):
    make_user("alice")
    inactive = make_user("bob")
    inactive.is_active = False
    inactive.save()
    answers = set()
    for username, password in [("alice", "wrong-password"), ("nobody", PASSWORD), ("bob", PASSWORD)]:
        response = client.post("/accounts/login/", {"username": username, "password": password})
        assert response.status_code == 200
        answers.add(tuple(response.context["form"].non_field_errors()))
    assert len(answers) == 1
    assert "not correct" in answers.pop()[0]


@pytest.mark.django_db
def test_sign_out_needs_a_post(client, user):
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_out_is_protected_by_csrf(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/accounts/logout/").status_code == 403


@pytest.mark.django_db
def test_password_reset_by_email_sets_a_new_password(client, user):
    response = client.post("/accounts/password/reset/", {"email": "ALICE@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    response = client.post(form_url, {"new_password1": "another-long-pass-42", "new_password2": "another-long-pass-42"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-pass-42")


@pytest.mark.django_db
def test_password_reset_for_unknown_address_looks_the_same(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/sent/"
    assert mail.outbox == []


@pytest.mark.django_db
def test_password_change_keeps_this_session_and_ends_the_others(verified_client, totp_user, client_factory):
    other = client_factory()
    user, _device, totp = totp_user
    other.force_login(user)
    assert other.session.session_key
    response = verified_client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"},
    )
    assert response.status_code == 302
    assert verified_client.get("/").status_code == 200
    assert other.get("/").url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_account_throttle_counts_a_name_however_it_is_typed(client, settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 3
    make_user("alice")
    for typed in (" alice", "ALICE ", " Alice "):
        client.post("/accounts/login/", {"username": typed, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert "Try again in" in response.context["form"].non_field_errors()[0]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_wrong_passwords_are_throttled_even_with_the_right_one(client, settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 3
    make_user("alice")
    for _attempt in range(3):
        response = client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
        assert "not correct" in response.context["form"].non_field_errors()[0]
    response = client.post("/accounts/login/", {"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 429
    assert "Try again in" in response.context["form"].non_field_errors()[0]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_inactive_account_is_refused_even_by_a_backend_that_lets_it_authenticate(client, settings):
    """The password step checks is_active itself, so a project's permissive backend does not open the door."""
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
    make_user("alice", is_active=False)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert "not correct" in response.context["form"].non_field_errors()[0]
    assert "_auth_user_id" not in client.session


def test_no_form_makes_or_renames_a_user_to_a_name_that_looks_like_an_address(db):
    from django.core.exceptions import ValidationError

    from accounts.models import User

    with pytest.raises(ValidationError, match="cannot look like an email address"):
        User(username="someone@victim.example", email="x@example.org").full_clean()
    user = User.objects.create_user("plain", "plain@example.org", "plain-password-1234")
    user.username = "plain@victim.example"
    with pytest.raises(ValidationError, match="cannot look like an email address"):
        user.full_clean()
    # An account made before the rule keeps its name while other fields change.
    legacy = User.objects.create_user("old@victim.example", "legacy@example.org", "legacy-password-1234")
    legacy.first_name = "Legacy"
    legacy.full_clean()


def test_an_identifier_with_an_at_names_the_holder_of_that_address_first(db):
    from django.contrib.auth import authenticate

    from twofactor.password_guard import account_for

    squatter = get_user_model().objects.create_user("who@victim.example", "squat@example.org", "squat-password-12")
    owner = get_user_model().objects.create_user("owner", "WHO@victim.example", "owner-password-1234")
    assert squatter.pk < owner.pk
    assert account_for("who@victim.example") == owner.pk
    assert authenticate(username="who@victim.example", password="owner-password-1234") == owner
    assert account_for("owner") == owner.pk
