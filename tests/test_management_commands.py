"""manage.py twofactor_status and twofactor_reset."""

import base64
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor import state
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.models import RescueCodeDevice, RescueRequest, SecurityEvent

Kind = SecurityEvent.Kind


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def alice(db):
    """(user, verified client, device, backup codes)."""
    user = make_user("alice", email="Alice@Example.com")
    device, totp = add_totp(user)
    codes = replace_backup_codes(user)
    client = Client()
    sign_in(client, "alice")
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return user, client, device, codes


# twofactor_status


def test_status_shows_methods_sessions_and_events_without_secrets(alice):
    user, _client, device, codes = alice
    output = run("twofactor_status", "alice")
    assert "User: alice <Alice@example.com>" in output
    assert "Two-factor: required (TWOFACTOR_REQUIRED=all), on" in output
    assert "totp: Authenticator app" in output
    assert "Backup codes: 10 unused" in output
    assert "Signed-in sessions: 1 (1 verified)" in output
    assert "Open rescue request: none" in output
    assert "Signed in" in output
    assert base64.b32encode(device.key).decode() not in output and device.encrypted_key not in output
    assert not any(code in output for code in codes)


def test_status_finds_a_user_by_email_in_any_case(alice):
    assert "User: alice" in run("twofactor_status", "alice@example.COM")
    assert "User: alice" in run("twofactor_status", "ALICE")


def test_status_of_a_user_without_methods(db):
    make_user("bob")
    output = run("twofactor_status", "bob", "--events", "0")
    assert "Methods: none" in output and "Backup codes: none" in output and ", off" in output
    assert "Recent security events: none" in output


def test_unknown_user_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No user has the username or email address 'nobody'"):
        run("twofactor_status", "nobody")
    with pytest.raises(CommandError, match="No user"):
        run("twofactor_reset", "nobody", "--no-input")


# twofactor_reset


def test_reset_removes_methods_ends_sessions_mails_and_records(alice):
    user, client, _device, codes = alice
    mail.outbox.clear()
    output = run("twofactor_reset", "alice@example.com", "--no-input", "--note", "Ticket 42")
    assert "Two-factor reset for alice" in output
    assert state.devices_of(user) == []
    assert client.get("/").status_code == 302  # the verified session is gone
    event = SecurityEvent.objects.get(user=user, kind=Kind.RESET)
    assert event.data["note"] == "Ticket 42" and event.ip is None
    [notice] = mail.outbox
    assert notice.to == [user.email] and "reset two-factor authentication" in notice.body
    assert "Ticket 42" not in notice.body and not any(code in notice.body for code in codes)
    # The next sign-in goes to enrolment.
    fresh = Client()
    sign_in(fresh, "alice")
    assert fresh.session["twofactor"]["state"] == state.SETUP
    assert fresh.get("/")["Location"].startswith("/2fa/setup/")


def test_reset_without_a_note_records_where_it_came_from(alice):
    user, *_rest = alice
    run("twofactor_reset", "alice", "--no-input")
    assert SecurityEvent.objects.get(user=user, kind=Kind.RESET).data["note"] == "Reset with manage.py twofactor_reset."


def test_reset_closes_an_open_rescue_request(alice):
    user, *_rest = alice
    pending = Client()
    sign_in(pending, "alice")
    pending.post("/2fa/rescue/", {"action": "help", "message": "lost it"})
    run("twofactor_reset", "alice", "--no-input", "--note", "done by phone")
    rescue = RescueRequest.objects.get(user=user)
    assert rescue.status == RescueRequest.Status.APPROVED and rescue.staff_note == "done by phone"


def test_reset_asks_first_and_a_no_changes_nothing(alice, monkeypatch):
    user, client, _device, _codes = alice
    questions = []
    monkeypatch.setattr("builtins.input", lambda prompt: questions.append(prompt) or "n")
    with pytest.raises(CommandError, match="Nothing was changed"):
        run("twofactor_reset", "alice")
    assert "alice <Alice@example.com> (totp, backup)" in questions[0]
    assert [device.method for device in state.devices_of(user)] == ["totp", "backup"]
    assert client.get("/").status_code == 200
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    run("twofactor_reset", "alice")
    assert state.devices_of(user) == []


def test_reset_also_kills_an_outstanding_rescue_code(alice):
    user, *_rest = alice
    pending = Client()
    sign_in(pending, "alice")
    assert pending.post("/2fa/rescue/", {"action": "send_code"}).status_code == 302
    assert RescueCodeDevice.objects.filter(user=user).exists()
    run("twofactor_reset", "alice", "--no-input")
    assert not RescueCodeDevice.objects.filter(user=user).exists()
