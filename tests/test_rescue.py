"""The rescue page and flows: a backup code, a code by email, a rescue request to the administrators."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor import flows, state
from twofactor.errors import TwoFactorError
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.models import RescueCodeDevice, RescueRequest, SecurityEvent

Kind = SecurityEvent.Kind
RESCUE = "/2fa/rescue/"
HTML_MESSAGE = '<script>alert("x")</script><b>bold</b> & "quotes"'


@pytest.fixture(autouse=True)
def _rescue_settings(settings):
    settings.TWOFACTOR_RESCUE_EMAIL = ["helpdesk@example.com"]
    settings.TWOFACTOR_RESCUE_BY_EMAIL = True
    settings.TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR = 5
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"


@pytest.fixture
def lost(db, client):
    """(user, client): a user with an authenticator app, signed in with the password only."""
    user = make_user()
    add_totp(user)
    sign_in(client)
    return user, client


def session_state(client) -> str:
    return client.session["twofactor"]["state"]


def mailed_code(message) -> str:
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def events(user, kind) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(user=user, kind=kind))


# The page


def test_rescue_page_is_reachable_while_the_second_step_is_pending(lost):
    user, client = lost
    verify_page = client.get("/2fa/verify/")
    assert b'href="/2fa/rescue/"' in verify_page.content
    response = client.get(RESCUE)
    assert response.status_code == 200
    assert b'value="send_code"' in response.content  # code by email offered
    assert b'name="message"' in response.content  # rescue request offered
    assert b'value="backup"' not in response.content  # no backup codes yet


def test_rescue_page_sends_a_verified_session_to_the_overview(verified_client):
    response = verified_client.get(RESCUE)
    assert response.status_code == 302 and response["Location"] == "/2fa/"


def test_rescue_page_needs_the_password_step(client, db):
    response = client.get(RESCUE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_unknown_action_is_a_clear_400(lost):
    _user, client = lost
    response = client.post(RESCUE, {"action": "nonsense"}, follow=True)
    assert response.status_code == 400
    assert b"Choose one of the options below." in response.content


# A backup code


def test_backup_code_on_the_rescue_page_completes_the_sign_in(lost):
    user, client = lost
    codes = replace_backup_codes(user)
    assert b'value="backup"' in client.get(RESCUE).content
    response = client.post(RESCUE, {"action": "backup", "code": codes[0].lower()})
    assert response.status_code == 302 and response["Location"] == "/2fa/"
    assert session_state(client) == state.VERIFIED
    assert events(user, Kind.BACKUP_CODE_USED) and events(user, Kind.SIGNED_IN)
    [notice] = [m for m in mail.outbox if m.to == [user.email]]
    assert "backup codes was used" in notice.body and codes[0] not in notice.body


def test_wrong_or_malformed_backup_code_is_a_form_error(lost):
    user, client = lost
    replace_backup_codes(user)
    response = client.post(RESCUE, {"action": "backup", "code": "123456"})
    assert response.status_code == 400 and b"Enter a backup code like" in response.content
    response = client.post(RESCUE, {"action": "backup", "code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 400 and b"That code is not valid" in response.content
    assert session_state(client) == state.VERIFY
    assert events(user, Kind.CODE_FAILED)


# A code by email


def test_emailed_rescue_code_signs_in_once(lost):
    user, client = lost
    response = client.post(RESCUE, {"action": "send_code"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [user.email]
    assert "rescue" in message.subject.lower()
    code = mailed_code(message)
    device = RescueCodeDevice.objects.get(user=user)
    assert code not in device.code_hash and device.valid_until - timezone.now() <= timedelta(minutes=10)
    page = client.get(RESCUE)
    assert b'value="email_code"' in page.content

    other = Client()
    sign_in(other)
    response = client.post(RESCUE, {"action": "email_code", "code": code})
    assert response.status_code == 302 and response["Location"] == "/2fa/"
    assert session_state(client) == state.VERIFIED
    [signed_in] = events(user, Kind.SIGNED_IN)
    assert signed_in.data["method"] == "rescue"
    # The same code does not work twice, not even from another pending sign-in.
    response = other.post(RESCUE, {"action": "email_code", "code": code})
    assert response.status_code == 400 and b"That code is not valid" in response.content
    assert session_state(other) == state.VERIFY
    sent = events(user, Kind.RESCUE_CODE_SENT)
    assert len(sent) == 1 and code not in str(sent[0].data)


def test_expired_rescue_code_is_refused(lost):
    user, client = lost
    client.post(RESCUE, {"action": "send_code"})
    code = mailed_code(mail.outbox[0])
    RescueCodeDevice.objects.filter(user=user).update(valid_until=timezone.now() - timedelta(seconds=1))
    response = client.post(RESCUE, {"action": "email_code", "code": code})
    assert response.status_code == 400
    assert session_state(client) == state.VERIFY


def test_rescue_code_wrong_guesses_are_throttled(lost, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 60
    user, client = lost
    client.post(RESCUE, {"action": "send_code"})
    code = mailed_code(mail.outbox[0])
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(RESCUE, {"action": "email_code", "code": wrong}).status_code == 400
    response = client.post(RESCUE, {"action": "email_code", "code": code})
    assert response.status_code == 429  # even the right code waits out the back-off
    (failed,) = events(user, Kind.CODE_FAILED)
    assert (failed.ip, failed.data) == ("127.0.0.1", {"method": "rescue", "failures": 1})
    (paused,) = events(user, Kind.THROTTLED)
    assert (paused.ip, paused.data["method"]) == ("127.0.0.1", "rescue")


def test_a_second_code_waits_for_the_cooldown(lost):
    _user, client = lost
    client.post(RESCUE, {"action": "send_code"})
    response = client.post(RESCUE, {"action": "send_code"})
    assert response.status_code == 429
    assert b"A code was sent moments ago" in response.content
    assert len(mail.outbox) == 1


def test_rescue_by_email_can_be_turned_off(lost, settings):
    settings.TWOFACTOR_RESCUE_BY_EMAIL = False
    _user, client = lost
    assert b'value="send_code"' not in client.get(RESCUE).content
    response = client.post(RESCUE, {"action": "send_code"})
    assert response.status_code == 403
    assert not mail.outbox


def test_rescue_code_delivery_failure_is_a_503_and_recorded(lost, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    user, client = lost
    response = client.post(RESCUE, {"action": "send_code"})
    assert response.status_code == 503
    assert events(user, Kind.DELIVERY_FAILED)
    assert not RescueCodeDevice.objects.filter(user=user, confirmed=True).exists()


# A rescue request


def test_rescue_request_is_stored_mailed_and_explained(lost):
    user, client = lost
    response = client.post(
        RESCUE,
        {"action": "help", "message": "Phone fell in the lake. Call me on 555-0100."},
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    )
    assert response.status_code == 302
    rescue = RescueRequest.objects.get(user=user)
    assert rescue.status == RescueRequest.Status.OPEN
    assert rescue.message == "Phone fell in the lake. Call me on 555-0100."
    assert rescue.ip == "203.0.113.9" and "Firefox" in rescue.user_agent
    [filed] = events(user, Kind.RESCUE_FILED)
    assert filed.data["rescue_request"] == rescue.pk and "message" not in filed.data
    desk = [m for m in mail.outbox if m.to == ["helpdesk@example.com"]]
    assert len(desk) == 1 and "lake" in desk[0].body and f"/admin/twofactor/rescuerequest/{rescue.pk}/" in desk[0].body
    ack = [m for m in mail.outbox if m.to == [user.email]]
    assert len(ack) == 1 and "What happens next" in ack[0].body
    page = client.get(RESCUE)
    assert b"Your request for help from" in page.content and b"Add to my request" in page.content


def test_rescue_request_falls_back_to_admins(lost, settings):
    settings.TWOFACTOR_RESCUE_EMAIL = []
    settings.ADMINS = [("Ops", "ops@example.com")]
    _user, client = lost
    client.post(RESCUE, {"action": "help", "message": "help"})
    assert any(m.to == ["ops@example.com"] for m in mail.outbox)


def test_repeated_requests_add_to_the_open_one_and_are_rate_limited(lost, settings):
    settings.TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR = 3
    user, client = lost
    for text in ("first", "second", "third"):
        assert client.post(RESCUE, {"action": "help", "message": text}).status_code == 302
    rescue = RescueRequest.objects.get(user=user)
    assert rescue.message.startswith("first")
    assert re.search(r"--- \d{4}-\d\d-\d\d \d\d:\d\d UTC ---\nsecond", rescue.message)
    assert rescue.message.endswith("third")
    response = client.post(RESCUE, {"action": "help", "message": "fourth"})
    assert response.status_code == 429 and b"Too many rescue attempts" in response.content
    assert "fourth" not in RescueRequest.objects.get(user=user).message
    assert len(events(user, Kind.RESCUE_FILED)) == 3
    # The user is told once; the desk's mails are batched (one an hour per request, quoting every addition).
    assert len([m for m in mail.outbox if m.to == [user.email]]) == 1
    assert len([m for m in mail.outbox if m.to == ["helpdesk@example.com"]]) == 1


def test_emailed_codes_and_requests_share_the_rescue_limit(lost, settings):
    settings.TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR = 1
    _user, client = lost
    client.post(RESCUE, {"action": "send_code"})
    response = client.post(RESCUE, {"action": "help", "message": "hello"})
    assert response.status_code == 429


def test_empty_message_is_a_valid_request(lost):
    user, client = lost
    assert client.post(RESCUE, {"action": "help", "message": ""}).status_code == 302
    assert RescueRequest.objects.get(user=user).message == ""


def test_too_long_message_is_a_form_error_and_stores_nothing(lost):
    user, client = lost
    response = client.post(RESCUE, {"action": "help", "message": "x" * 100_000})
    assert response.status_code == 400
    assert b"Keep your message under 5000 characters (it has 100000)." in response.content
    assert not RescueRequest.objects.filter(user=user).exists()
    assert not mail.outbox


def test_html_message_is_stored_as_typed_and_shown_escaped(lost):
    user, client = lost
    client.post(RESCUE, {"action": "help", "message": HTML_MESSAGE})
    assert RescueRequest.objects.get(user=user).message == HTML_MESSAGE
    page = client.get(RESCUE).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    desk = next(m for m in mail.outbox if m.to == ["helpdesk@example.com"])
    html = desk.alternatives[0][0]
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_null_characters_are_refused_by_the_form_and_dropped_by_the_flow(lost):
    user, client = lost
    response = client.post(RESCUE, {"action": "help", "message": "a\x00b"})
    assert response.status_code == 400
    assert flows.rescue.clean_message("a\x00b ") == "ab"


def test_two_pending_sign_ins_share_one_open_request(lost):
    user, client = lost
    other = Client()
    sign_in(other)
    client.post(RESCUE, {"action": "help", "message": "one"})
    other.post(RESCUE, {"action": "help", "message": "two"})
    rescue = RescueRequest.objects.get(user=user)
    assert "one" in rescue.message and "two" in rescue.message


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_make_one_open_request(settings):
    settings.TWOFACTOR_RESCUE_LIMIT_PER_ACCOUNT_HOUR = 50
    settings.TWOFACTOR_RESCUE_REQUESTS_PER_IP_HOUR = 50
    user = make_user("racer")
    add_totp(user)
    clients = []
    for _ in range(8):
        pending = Client()
        sign_in(pending, "racer")
        clients.append(pending)
    barrier = threading.Barrier(len(clients), timeout=30)
    statuses, errors = [], []

    def submit(index: int, pending: Client) -> None:
        try:
            barrier.wait()
            statuses.append(pending.post(RESCUE, {"action": "help", "message": f"message {index}"}).status_code)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=pair) for pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and statuses == [302] * len(clients)
    [rescue] = RescueRequest.objects.filter(user=user)
    assert all(f"message {index}" in rescue.message for index in range(len(clients)))


def test_a_handled_request_lets_the_user_file_a_new_one(lost):
    user, client = lost
    client.post(RESCUE, {"action": "help", "message": "one"})
    rescue = RescueRequest.objects.get(user=user)
    flows.deny_rescue_request(rescue, actor=None, note="could not reach them")
    client.post(RESCUE, {"action": "help", "message": "two"})
    assert RescueRequest.objects.filter(user=user).count() == 2
    assert RescueRequest.objects.get(user=user, status="open").message == "two"


# The flows without a page (the JSON API calls these too)


def test_flows_refuse_a_session_that_is_not_pending(verified_client, totp_user, rf):
    request = rf.post("/")
    request.user = totp_user[0]
    request.session = verified_client.session
    for attempt in (
        lambda: flows.file_rescue_request(request, "hi"),
        lambda: flows.send_rescue_code(request),
        lambda: flows.verify_rescue_code(request, "123456"),
    ):
        with pytest.raises(TwoFactorError) as failure:
            attempt()
        assert failure.value.code == "not_pending" and failure.value.status == 409
    assert not RescueRequest.objects.exists() and not mail.outbox


def test_message_length_is_checked_by_the_flow_too():
    with pytest.raises(TwoFactorError) as failure:
        flows.rescue.clean_message("x" * 5001)
    assert failure.value.code == "invalid_message" and failure.value.fields == {"message": "max_length"}
    assert flows.rescue.clean_message(None) == ""
    with pytest.raises(TwoFactorError):
        flows.rescue.clean_message(["not", "text"])


def test_handling_twice_is_a_conflict(lost):
    user, client = lost
    client.post(RESCUE, {"action": "help", "message": "one"})
    rescue = RescueRequest.objects.get(user=user)
    flows.deny_rescue_request(rescue, actor=None, note="no")
    with pytest.raises(TwoFactorError) as failure:
        flows.approve_rescue_request(rescue, actor=None, note="yes")
    assert failure.value.code == "already_handled"
    assert RescueRequest.objects.get(pk=rescue.pk).status == RescueRequest.Status.DENIED


def test_a_reset_cancels_an_outstanding_rescue_code(lost):
    user, client = lost
    client.post(RESCUE, {"action": "send_code"})
    code = mailed_code(mail.outbox[0])
    client.post(RESCUE, {"action": "help", "message": "also asking staff"})
    flows.approve_rescue_request(RescueRequest.objects.get(user=user), actor=None, note="ok")
    assert not RescueCodeDevice.objects.filter(user=user).exists()
    add_totp(user)  # enrolled again later
    fresh = Client()
    sign_in(fresh)
    response = fresh.post(RESCUE, {"action": "email_code", "code": code})
    assert response.status_code == 400 and b"Ask for a rescue code first." in response.content
    assert fresh.session["twofactor"]["state"] == state.VERIFY


def test_rescue_codes_count_against_the_accounts_hourly_cap_on_codes(db, client, settings):
    """Someone with only the password spends the account's hourly codes by email at sign-in: the rescue page
    cannot mail more to the same mailbox."""
    from twofactor.methods.email.models import EmailDevice

    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    settings.TWOFACTOR_SEND_LIMIT_PER_ACCOUNT_HOUR = 3
    user = make_user()
    EmailDevice.objects.create(user=user, name="Code by email", email=user.email, confirmed=True)
    sign_in(client)
    for _attempt in range(4):
        client.post("/2fa/verify/", {"action": "send"})
    assert len(mail.outbox) == 3
    response = client.post(RESCUE, {"action": "send_code"})
    assert response.status_code == 429
    assert len(mail.outbox) == 3
    assert not events(user, SecurityEvent.Kind.RESCUE_CODE_SENT)


def test_the_desk_hears_of_additions_again_once_the_batching_interval_passed(lost, settings):
    settings.TWOFACTOR_RESCUE_DESK_MAIL_SECONDS = 1
    _user, client = lost
    client.post(RESCUE, {"action": "help", "message": "first"})
    client.post(RESCUE, {"action": "help", "message": "second"})
    time.sleep(1.1)
    client.post(RESCUE, {"action": "help", "message": "third https://evil.example"})
    desk = [m for m in mail.outbox if m.to == ["helpdesk@example.com"]]
    assert len(desk) == 2
    assert "> first" in desk[1].body and "> second" in desk[1].body and "> third hxxps://evil[.]example" in desk[1].body
    assert "evil.example" not in desk[1].alternatives[0][0]


def test_rescue_requests_count_against_the_client_address_across_accounts(db, settings):
    settings.TWOFACTOR_RESCUE_REQUESTS_PER_IP_HOUR = 2
    statuses = []
    for number in range(3):
        user = make_user(f"holder{number}")
        add_totp(user)
        client = Client(REMOTE_ADDR="203.0.113.9")
        sign_in(client, user.username)
        statuses.append(client.post(RESCUE, {"action": "help", "message": "help"}).status_code)
    assert statuses == [302, 302, 429]
