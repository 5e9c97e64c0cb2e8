""" "Someone knows your password": the right password, then a second step that fails (the throttle trips, or
TWOFACTOR_PASSWORD_ALERT_FAILURES wrong codes in a row), mails the owner at once, at most once a day."""

import time

import pytest
from django.core import mail
from django.test import Client

from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import ratelimit
from twofactor.activity import describe
from twofactor.models import SecurityEvent

Kind = SecurityEvent.Kind
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
WRONG_CODES = ["000000", "111111", "222222", "333333", "444444", "555555"]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TWOFACTOR_SITE_URL = "https://accounts.example.com"
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    settings.TWOFACTOR_THROTTLE_FACTOR = 0  # wrong codes in a row, without the throttle (tested on its own below)


@pytest.fixture
def owner(db):
    user = make_user()
    _device, totp = add_totp(user)
    return user, totp


def stranger(address: str = "203.0.113.66") -> Client:
    client = Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS, REMOTE_ADDR=address)
    sign_in(client)  # the right password
    return client


def wrong_codes(client: Client, count: int) -> None:
    for code in WRONG_CODES[:count]:
        client.post("/2fa/verify/", {"code": code})


def alerts_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to and "Someone knows" in message.subject]


def test_five_wrong_codes_after_the_right_password_mail_the_owner_once(owner):
    user, _totp = owner
    client = stranger()
    wrong_codes(client, 4)
    assert alerts_to(user.email) == []
    wrong_codes(client, 1)
    [alert] = alerts_to(user.email)
    assert alert.subject == "Someone knows the password of your twofa_site account"
    body = alert.body
    assert "Someone just signed in to your account with your password" in body
    assert "They came from Firefox on Windows, on the network 203.0.113.0/24." in body
    assert "IP address 203.0.113.66" in body and "When:" in body
    assert "https://accounts.example.com/accounts/password/change/" in body
    assert '<a href="https://accounts.example.com/accounts/password/change/"' in alert.alternatives[0][0]
    # Nothing says how near the attempts came: no count, no code.
    assert not any(code in body for code in WRONG_CODES) and "5" not in body.split("When:")[0]
    event = SecurityEvent.objects.get(user=user, kind=Kind.PASSWORD_ALERT)
    assert event.data == {
        "trigger": "failures",
        "browser": "Firefox",
        "system": "Windows",
        "network": "203.0.113.0/24",
        "mailed": True,
    }
    assert describe(event) == (
        "Your password was given from Firefox on Windows on the network 203.0.113.0/24, but the second step "
        "failed: you were alerted, change your password"
    )


def test_a_second_sequence_the_same_day_sends_none(owner):
    user, _totp = owner
    wrong_codes(stranger(), 5)
    wrong_codes(stranger("198.51.100.7"), 6)
    assert len(alerts_to(user.email)) == 1
    assert SecurityEvent.objects.filter(user=user, kind=Kind.PASSWORD_ALERT).count() == 1


def test_the_next_day_alerts_again(owner, monkeypatch):
    user, _totp = owner
    wrong_codes(stranger(), 5)
    real = time.time
    monkeypatch.setattr(ratelimit.time, "time", lambda: real() + 24 * 3600 + 1)
    wrong_codes(stranger(), 5)
    assert len(alerts_to(user.email)) == 2


def test_the_throttle_tripping_mails_the_owner(owner, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 30
    user, _totp = owner
    client = stranger()
    wrong_codes(client, 1)
    assert alerts_to(user.email) == []
    response = client.post("/2fa/verify/", {"code": "999999"})
    assert response.status_code == 429
    assert len(alerts_to(user.email)) == 1
    assert SecurityEvent.objects.get(user=user, kind=Kind.PASSWORD_ALERT).data["trigger"] == "throttled"


def test_the_owner_who_mistypes_once_gets_no_alert(owner):
    user, totp = owner
    client = stranger()
    wrong_codes(client, 1)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    assert alerts_to(user.email) == []


def test_the_mail_speaks_the_owners_language(owner):
    user, _totp = owner
    SecurityEvent.objects.create(user=user, kind=Kind.SIGNED_IN, data={"method": "totp", "language": "fr"})
    client = stranger()
    client.cookies["django_language"] = "de"  # the stranger's browser speaks German
    wrong_codes(client, 5)
    [alert] = [message for message in mail.outbox if user.email in message.to]
    assert alert.subject == "Quelqu’un connaît le mot de passe de votre compte twofa_site"
    assert "Cette personne utilisait Firefox sous Windows, sur le réseau 203.0.113.0/24." in alert.body


def test_wrong_codes_at_re_authentication_are_no_alert(owner, client):
    user, totp = owner
    sign_in(client)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    for code in WRONG_CODES:
        client.post("/2fa/reauthenticate/", {"password": PASSWORD, "code": code, "method": "totp"})
    assert alerts_to(user.email) == []


def test_zero_turns_the_alert_off(owner, settings):
    settings.TWOFACTOR_PASSWORD_ALERT_FAILURES = 0
    user, _totp = owner
    wrong_codes(stranger(), 6)
    assert alerts_to(user.email) == []
    assert not SecurityEvent.objects.filter(kind=Kind.PASSWORD_ALERT).exists()


def test_the_link_falls_back_to_the_security_page(owner, settings):
    settings.TWOFACTOR_PASSWORD_CHANGE_URL = "no-such-url-name"
    user, _totp = owner
    wrong_codes(stranger(), 5)
    [alert] = alerts_to(user.email)
    assert "https://accounts.example.com/2fa/\n" in alert.body


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("TWOFACTOR_PASSWORD_ALERT_FAILURES", -1, "twofactor.E060"),
        ("TWOFACTOR_PASSWORD_CHANGE_URL", "no-such-url-name", "twofactor.E061"),
        ("TWOFACTOR_PASSWORD_CHANGE_URL", "http://elsewhere.example/pw", "twofactor.E061"),
    ],
)
def test_a_bad_alert_setting_is_a_system_check_error(settings, name, value, check_id):
    from twofactor.checks import check_settings

    setattr(settings, name, value)
    errors = [error for error in check_settings(None) if error.id == check_id]
    assert len(errors) == 1 and name in errors[0].msg


@pytest.mark.parametrize("value", ["password_change", "/accounts/password/change/", "https://id.example.com/pw"])
def test_a_password_change_page_by_name_or_path_passes_the_checks(settings, value):
    from twofactor.checks import check_settings

    settings.TWOFACTOR_PASSWORD_CHANGE_URL = value
    assert not [error for error in check_settings(None) if error.id.startswith("twofactor.E06")]


# Guessing against the account: one mail a day (with the unlock link when the ceiling is spent)


def guessing_mails(user) -> list:
    return [
        message
        for message in mail.outbox
        if user.email in message.to and "wrong passwords were tried" in message.subject
    ]


def wrong_passwords(address: str, count: int, username: str = "alice") -> list[int]:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=FIREFOX_ON_WINDOWS)
    return [
        client.post("/accounts/login/", {"username": username, "password": f"wrong-guess-{n}"}).status_code
        for n in range(count)
    ]


@pytest.fixture
def small_budgets(settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 3
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 8


def test_an_address_that_spends_its_budget_for_the_account_tells_the_owner_once(owner, small_budgets):
    user, _totp = owner
    assert wrong_passwords("203.0.113.66", 5) == [200, 200, 200, 429, 429]
    [notice] = guessing_mails(user)
    assert notice.subject == "Many wrong passwords were tried on your twofa_site account"
    body = notice.body
    assert "At least 3 wrong passwords were tried for your account in the last 24 hours." in body
    assert "The latest came from Firefox on Windows, on the network 203.0.113.0/24." in body
    assert "Your account is safe: none of these passwords was accepted, and nobody got in." in body
    assert "https://accounts.example.com/accounts/password/change/" in body
    assert "/2fa/unlock/" not in body  # nothing is locked: no link
    assert "wrong-guess" not in body and "close" not in body
    event = SecurityEvent.objects.get(user=user, kind=Kind.PASSWORD_GUESSING)
    assert event.data["attempts"] == 3 and event.data["network"] == "203.0.113.0/24" and event.data["mailed"] is True
    assert describe(event) == (
        "At least 3 wrong passwords in a day, many from one address: you were told, nobody got in"
    )
    # Another address the same day: no second mail.
    wrong_passwords("198.51.100.9", 4)
    assert len(guessing_mails(user)) == 1


def test_the_ceiling_brings_the_unlock_link_in_the_same_kind_of_mail_once(owner, small_budgets):
    user, _totp = owner
    wrong_passwords("203.0.113.1", 4)  # an address budget spent: the day's notice, without a link
    wrong_passwords("203.0.113.2", 3)
    wrong_passwords("203.0.113.3", 3)  # the ceiling (8) is spent along the way
    for address in ("203.0.113.4", "203.0.113.5"):
        wrong_passwords(address, 2)
    first, second = guessing_mails(user)
    assert "/2fa/unlock/" not in first.body
    assert "At least 8 wrong passwords were tried" in second.body and "/2fa/unlock/" in second.body
    assert "cannot be signed in to from a new browser for a while" in second.body
    assert SecurityEvent.objects.filter(user=user, kind=Kind.PASSWORD_CEILING).count() == 1


def test_when_the_ceiling_trips_first_its_mail_is_the_days_only_one(owner, small_budgets, settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 4
    user, _totp = owner
    for number in range(4):
        wrong_passwords(f"203.0.113.{number}", 1)
    wrong_passwords("203.0.113.9", 1)  # the ceiling is spent: the mail with the link
    wrong_passwords("203.0.113.10", 6)
    [notice] = guessing_mails(user)
    assert "/2fa/unlock/" in notice.body


def test_an_unknown_name_mails_nobody(db, small_budgets):
    wrong_passwords("203.0.113.66", 6, username="nobody")
    assert mail.outbox == []
