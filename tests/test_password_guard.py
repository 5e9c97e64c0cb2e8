"""twofactor.password_guard: attempts budgeted before the check; strangers never lock the owner out."""

import pytest
from django.test import RequestFactory

from tests.support.api_client import ApiClient, error_of
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from twofactor.password_guard import account_for

pytestmark = pytest.mark.django_db


def fail(client: ApiClient, username: str = "alice", times: int = 1) -> None:
    for _ in range(times):
        error_of(
            client.post("/login", {"username": username, "password": "wrong-password-1"}), 401, "invalid_credentials"
        )


def known_browser(totp) -> ApiClient:
    """A browser that completed a full sign-in (so holds the device cookie), then signed out."""
    browser = ApiClient(REMOTE_ADDR="192.0.2.1")
    browser.login("alice", PASSWORD)
    browser.verify(totp.now())
    assert "twofactor_device" in browser.django.cookies
    browser.post("/logout")
    return browser


def test_the_account_ceiling_stops_guessing_spread_over_many_addresses(user, settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 3
    for number in range(3):
        fail(ApiClient(REMOTE_ADDR=f"203.0.113.{number}"))
    error_of(
        ApiClient(REMOTE_ADDR="198.51.100.9").post("/login", {"username": "alice", "password": PASSWORD}),
        429,
        "throttled",
    )


def test_a_known_browser_is_exempt_from_the_ceiling_others_ran_up(settings):
    user = make_user()
    _device, totp = add_totp(user)
    browser = known_browser(totp)
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 3
    for number in range(3):
        fail(ApiClient(REMOTE_ADDR=f"203.0.113.{number}"))
    assert browser.login("alice", PASSWORD)["two_factor"]["state"] == "verify"


def test_a_known_browser_has_a_days_budget_of_its_own_then_is_counted_like_any_other(settings):
    user = make_user()
    _device, totp = add_totp(user)
    browser = known_browser(totp)
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 2
    fail(browser, times=4)  # two of its own budget, then two of its address's, as any browser there
    refused = error_of(browser.post("/login", {"username": "alice", "password": PASSWORD}), 429, "throttled")
    assert 60 < refused["retry_after"] <= 450  # the sooner budget to come back: the address's (15 minutes / 2)


def test_copies_of_a_device_cookie_share_its_one_budget(settings):
    user = make_user()
    _device, totp = add_totp(user)
    browser = known_browser(totp)
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 2
    for number in range(2):
        fail(ApiClient(REMOTE_ADDR=f"203.0.113.{number}"))  # the ceiling is spent: only known browsers pass
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 3
    copies = []
    for number in range(3):
        copy = ApiClient(REMOTE_ADDR=f"198.51.100.{number}")
        copy.django.cookies["twofactor_device"] = browser.django.cookies["twofactor_device"].value
        copies.append(copy)
    for copy in copies:
        fail(copy)
    for client in [*copies, browser]:
        refused = error_of(
            client.post("/login", {"username": "alice", "password": "wrong-password-1"}), 429, "throttled"
        )
        assert refused["retry_after"] > 3600  # a day's budget: no refill every few minutes


def test_the_device_cookie_dies_with_the_password(settings, client):
    from twofactor import device_cookie

    user = make_user()
    _device, totp = add_totp(user)
    browser = known_browser(totp)
    cookie = browser.django.cookies["twofactor_device"].value
    request = RequestFactory(HTTP_COOKIE=f"twofactor_device={cookie}").get("/")
    assert device_cookie.known_device(request, user.pk)
    user.set_password("a-brand-new-pass-8")
    user.save()
    assert device_cookie.known_device(request, user.pk) is None
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 1
    fail(ApiClient(REMOTE_ADDR="203.0.113.1"))
    error_of(browser.post("/login", {"username": "alice", "password": "a-brand-new-pass-8"}), 429, "throttled")


def test_a_device_cookie_for_another_account_or_forged_counts_for_nothing(settings):
    user = make_user()
    _device, totp = add_totp(user)
    browser = known_browser(totp)
    make_user("bob")
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 1
    fail(ApiClient(REMOTE_ADDR="203.0.113.1"), "bob")
    error_of(browser.post("/login", {"username": "bob", "password": PASSWORD}), 429, "throttled")
    browser.django.cookies["twofactor_device"] = browser.django.cookies["twofactor_device"].value[:-2] + "xx"
    fail(ApiClient(REMOTE_ADDR="203.0.113.2"))
    error_of(browser.post("/login", {"username": "alice", "password": PASSWORD}), 429, "throttled")


def test_a_right_password_gives_its_attempt_back(user, settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 2
    client = ApiClient()
    for _ in range(3):
        client.login("alice", PASSWORD)
        client.post("/logout")
    fail(client)
    assert client.login("alice", PASSWORD)["authenticated"] is True


def test_unknown_names_are_budgeted_like_accounts(db, settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 2
    client = ApiClient()
    fail(client, "nobody", times=2)
    error_of(client.post("/login", {"username": "nobody", "password": "x"}), 429, "throttled")


def test_username_and_email_share_the_accounts_budget(user, settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 2
    client = ApiClient()
    fail(client, "alice")
    fail(client, "ALICE@example.com")
    error_of(client.post("/login", {"username": "alice", "password": PASSWORD}), 429, "throttled")
    assert account_for(" Alice@Example.com ") == user.pk


def test_reauthentication_spends_the_same_budgets(settings):
    user = make_user()
    _device, totp = add_totp(user)
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 2
    client = ApiClient()
    client.login("alice", PASSWORD)
    client.verify(totp.now())
    for _ in range(4):  # the browser is known now: two of its own budget, then two of its address's
        error_of(
            client.post("/reauthenticate", {"password": "wrong-password-1", "code": totp.now()}),
            400,
            "invalid_credentials",
        )
    error_of(client.post("/reauthenticate", {"password": PASSWORD, "code": totp.now()}), 429, "throttled")


def test_each_unknown_name_has_a_budget_of_its_own(db, settings):
    """Guessing under one unknown name spends that name's budget only: a typo'd or new name from the same
    address is still checked (and a stranger learns nothing from which names are throttled)."""
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_IP = 100
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 2
    stranger = ApiClient()
    fail(stranger, "ghost-one", times=2)
    error_of(stranger.post("/login", {"username": "ghost-one", "password": "x-password-2"}), 429, "throttled")
    fail(stranger, "ghost-two")


def test_the_apps_own_sign_in_page_counts_guesses_like_the_sites(client, settings):
    # /2fa/login/ (for projects without a login view) goes through the same password step: a budget, then 429.
    make_user()
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        assert client.post("/2fa/login/", {"username": "alice", "password": "wrong-password-1"}).status_code == 200
    refused = client.post("/2fa/login/", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_a_user_model_without_an_email_field_is_looked_up_by_username(user, monkeypatch):
    """AbstractBaseUser names EMAIL_FIELD "email" whether or not a project's own model has such a field: then the
    name tried is a username only, never a query on a column that does not exist."""
    from django.contrib.auth import get_user_model

    monkeypatch.setattr(get_user_model(), "EMAIL_FIELD", "contact_email")
    assert account_for("ALICE") == user.pk
    assert account_for("alice@example.com") is None


def test_an_address_names_its_holder_before_an_old_username_that_looks_like_it(user):
    """Usernames with an @ are refused now, but older ones remain: guesses at an address count against the account
    holding the address, as the sign-in backend signs that account in (the same order on SQLite and PostgreSQL)."""
    from django.contrib.auth import get_user_model

    squatter = get_user_model()._default_manager.create_user("alice@example.com", "squatter@example.com", PASSWORD)
    assert account_for("Alice@Example.com") == user.pk
    assert account_for("alice@example.com ") == user.pk
    get_user_model()._default_manager.filter(pk=user.pk).update(email="someone@example.com")
    assert account_for("alice@example.com") == squatter.pk
