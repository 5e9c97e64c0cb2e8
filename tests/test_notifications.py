"""Notification mails to the user, driven through the real pages, and new-location detection."""

import base64
import logging

import pyotp
import pytest
from django.core import mail
from django.test import Client, RequestFactory

from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import flows, locations
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import KnownLocation, SecurityEvent

Kind = SecurityEvent.Kind
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
    "Safari/537.36 Edg/126.0.0.0"
)


def user_mails(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def full_text(message) -> str:
    return message.subject + message.body + "".join(content for content, _type in message.alternatives)


def enrol_totp(client) -> tuple[pyotp.TOTP, list[str], str]:
    """Set up an authenticator app through the pages; (generator, first backup codes, base32 key)."""
    page = client.get("/2fa/setup/totp/")
    secret = page.context["enrolment"].secret
    totp = pyotp.TOTP(secret)
    stored = client.post("/2fa/setup/totp/", {"code": totp.now()}, REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT=FIREFOX)
    assert stored.status_code == 200
    return totp, stored.context["codes"], secret


@pytest.fixture
def enrolled(db, client):
    """(user, client, totp, backup codes, key) after enrolling an authenticator app through the pages."""
    user = make_user()
    sign_in(client)
    totp, codes, key = enrol_totp(client)
    return user, client, totp, codes, key


def reauthenticate_with_backup_code(client, code: str) -> None:
    response = client.post("/2fa/reauthenticate/", {"password": PASSWORD, "code": code, "method": "backup"})
    assert response.status_code == 302, response.content


# One mail per event


def test_method_added_mail_says_what_when_where_and_what_to_do(enrolled):
    user, _client, _totp, codes, key = enrolled
    [message] = user_mails(user)  # one mail: the first backup codes come with the method
    assert "added" in message.subject
    text = message.body
    assert "Authenticator app" in text
    assert "When:" in text and "UTC" in text
    assert "198.51.100.7" in text and "Firefox on Windows" in text
    assert "If it was not you" in text and "change it now" in text
    assert "/2fa/" in text
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html" and "Firefox on Windows" in html
    assert key not in full_text(message) and not any(code in full_text(message) for code in codes)


def test_regenerated_backup_codes_are_mailed_without_the_codes(enrolled):
    user, client, _totp, codes, _key = enrolled
    mail.outbox.clear()
    reauthenticate_with_backup_code(client, codes[0])
    response = client.post("/2fa/backup-codes/")
    new_codes = response.context["codes"]
    subjects = [message.subject for message in user_mails(user)]
    assert any("New backup codes" in subject for subject in subjects)
    regenerated = next(m for m in user_mails(user) if "New backup codes" in m.subject)
    assert "no longer work" in regenerated.body
    assert not any(code in full_text(regenerated) for code in codes + new_codes)


def test_backup_code_used_at_sign_in_is_mailed_with_what_is_left(enrolled):
    user, client, _totp, codes, _key = enrolled
    client.post("/accounts/logout/")
    mail.outbox.clear()
    sign_in(client)
    assert client.post("/2fa/verify/", {"code": codes[3], "method": "backup"}).status_code == 302
    [used] = [m for m in user_mails(user) if "backup code was used" in m.subject]
    assert "was used to sign in or to confirm a change" in used.body
    assert "9 unused codes are left" in used.body and codes[3] not in full_text(used)


def test_removed_method_is_mailed(enrolled, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    user, client, _totp, codes, _key = enrolled
    mail.outbox.clear()
    reauthenticate_with_backup_code(client, codes[0])
    assert client.post("/2fa/methods/totp/remove/").status_code == 302
    [removed] = [m for m in user_mails(user) if "removed" in m.subject]
    assert "removed" in removed.subject and "Authenticator app" in removed.body


def test_reset_from_a_shell_is_mailed_without_an_address(db):
    user = make_user()
    add_totp(user)
    flows.reset_user(user, note="internal: ticket 42")
    [notice] = user_mails(user)
    assert "reset" in notice.subject and "By: an administrator" in notice.body
    assert "ticket 42" not in full_text(notice)  # the staff note stays in the record


def test_no_mail_for_a_user_without_an_address(db):
    user = make_user()
    type(user).objects.filter(pk=user.pk).update(email="")
    user.refresh_from_db()
    add_totp(user)
    flows.reset_user(user)
    assert not mail.outbox
    assert SecurityEvent.objects.filter(user=user, kind=Kind.RESET).exists()


def test_a_mail_server_that_is_down_does_not_undo_the_action(db, client, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    logger = logging.getLogger("twofactor")
    logger.addHandler(caplog.handler)
    try:
        user = make_user()
        sign_in(client)
        enrol_totp(client)
    finally:
        logger.removeHandler(caplog.handler)
    assert TOTPDevice.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(user=user, kind=Kind.METHOD_ADDED).exists()
    assert any("Could not send the method_added mail" in record.getMessage() for record in caplog.records)


def test_notifications_go_through_a_real_smtp_server(db, smtp_server):
    user = make_user()
    add_totp(user)
    flows.reset_user(user)
    [received] = smtp_server.mails
    assert received.recipients == [user.email]
    assert "reset two-factor authentication" in received.text and "<p>" in received.html


# No secret or code in any mail or event


def test_no_mail_or_event_carries_a_secret_or_a_code(enrolled, settings):
    settings.TWOFACTOR_RESCUE_EMAIL = ["helpdesk@example.com"]
    user, client, totp, codes, key = enrolled
    reauthenticate_with_backup_code(client, codes[0])
    new_codes = client.post("/2fa/backup-codes/").context["codes"]
    client.post("/accounts/logout/")
    sign_in(client)
    client.post("/2fa/verify/", {"code": "000000" if totp.now() != "000000" else "111111"})
    client.post("/2fa/verify/", {"code": new_codes[1], "method": "backup"})
    client.post("/accounts/logout/")
    sign_in(client)
    client.post("/2fa/rescue/", {"action": "send_code"})
    rescue_mail = mail.outbox[-1]
    rescue_code = next(word for word in rescue_mail.body.split() if word.isdigit() and len(word) == 6)
    client.post("/2fa/rescue/", {"action": "help", "message": "lost it"})
    client.post("/2fa/rescue/", {"action": "email_code", "code": rescue_code})
    device = TOTPDevice.objects.get(user=user)
    secrets_ = [
        key,
        base64.b32encode(device.key).decode(),
        device.encrypted_key,
        totp.now(),
        rescue_code,
        *codes,
        *new_codes,
    ]
    others = [message for message in mail.outbox if message is not rescue_mail]
    assert len(others) >= 5
    for message in others:
        assert not any(secret in full_text(message) for secret in secrets_), message.subject
    assert rescue_code in rescue_mail.body  # the rescue code mail is the one mail that carries a code
    events = SecurityEvent.objects.filter(user=user)
    kinds = set(events.values_list("kind", flat=True))
    assert {
        Kind.METHOD_ADDED,
        Kind.BACKUP_CODES_GENERATED,
        Kind.BACKUP_CODE_USED,
        Kind.CODE_FAILED,
        Kind.RESCUE_CODE_SENT,
        Kind.RESCUE_FILED,
        Kind.SIGNED_IN,
    } <= kinds
    for event in events:
        assert not any(secret in str(event.data) for secret in secrets_), event.kind


# New browser and network


def signed_in_from(user, ip: str, agent: str) -> bool:
    """Sign in through the pages from this address and browser; whether a NEW_LOCATION event followed."""
    TOTPDevice.objects.filter(user=user).update(last_t=-1)  # let the current code be used again
    totp = pyotp.TOTP(base64.b32encode(TOTPDevice.objects.get(user=user).key).decode())
    before = SecurityEvent.objects.filter(user=user, kind=Kind.NEW_LOCATION).count()
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    sign_in(client, user.username)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return SecurityEvent.objects.filter(user=user, kind=Kind.NEW_LOCATION).count() > before


def test_sign_in_from_a_new_browser_and_network_is_mailed_but_not_the_first(db):
    user = make_user()
    add_totp(user)
    assert not signed_in_from(user, "203.0.113.10", FIREFOX)  # the account's first sign-in
    assert not user_mails(user)
    assert not signed_in_from(user, "203.0.113.10", FIREFOX)
    assert not signed_in_from(user, "203.0.113.200", FIREFOX)  # same /24
    assert not signed_in_from(user, "203.0.113.10", FIREFOX.replace("128.0", "129.0"))  # same browser family
    assert not user_mails(user)

    assert signed_in_from(user, "198.51.100.4", FIREFOX)  # another network
    [notice] = user_mails(user)
    assert "New sign-in" in notice.subject
    assert (
        "198.51.100.4" in notice.body
        and "Firefox on Windows" in notice.body
        and "Not you? This link signs that sign-in out" in notice.body
    )
    assert signed_in_from(user, "198.51.100.4", SAFARI_IPHONE)  # another browser
    assert "Safari on iOS" in user_mails(user)[-1].body
    assert not signed_in_from(user, "198.51.100.4", SAFARI_IPHONE)
    event = SecurityEvent.objects.filter(user=user, kind=Kind.NEW_LOCATION).first()
    assert event.ip == "198.51.100.4" and event.data["browser"] == "Safari on iOS"


def test_ipv6_networks_are_compared_by_their_48_prefix(db):
    user = make_user()
    add_totp(user)
    signed_in_from(user, "2001:db8:1234:1::1", FIREFOX)
    assert not signed_in_from(user, "2001:db8:1234:ffff::9", FIREFOX)
    assert signed_in_from(user, "2001:db8:9999::1", FIREFOX)


def test_known_locations_keep_no_address_or_browser(db):
    user = make_user()
    add_totp(user)
    signed_in_from(user, "203.0.113.10", FIREFOX)
    [known] = KnownLocation.objects.filter(user=user)
    assert len(known.fingerprint) == 64 and "203.0.113" not in known.fingerprint


def test_locations_are_per_account(db):
    alice, bob = make_user("alice"), make_user("bob")
    add_totp(alice)
    add_totp(bob)
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.10", HTTP_USER_AGENT=FIREFOX)
    assert not locations.record_sign_in(alice, request)
    assert not locations.record_sign_in(bob, request)
    assert locations.fingerprint(alice, request) != locations.fingerprint(bob, request)


@pytest.mark.parametrize(
    "agent, expected",
    [
        (FIREFOX, "Firefox on Windows"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (CHROME_MAC, "Chrome on macOS"),
        (EDGE, "Edge on Windows"),
        ("curl/8.5.0", "Unknown browser"),
        ("", "Unknown browser"),
    ],
)
def test_browser_descriptions(agent, expected):
    assert locations.describe_browser(agent) == expected


@pytest.mark.parametrize(
    "ip, network",
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        (None, "unknown"),
    ],
)
def test_networks(ip, network):
    assert locations.network_of(ip) == network
