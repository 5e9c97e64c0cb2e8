"""Sign-in codes by email and SMS (twofactor.flows.sign_in_code, through twofactor.sent_code): delivery, failure, cooldown, caps, exactly-once."""

import re
import threading
import uuid
from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.utils import timezone

from tests.support.delivery_fixtures import TWILIO_FROM, code_in
from tests.support.devices import add_email, add_sms, add_totp
from tests.support.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, twilio_error
from tests.support.users import make_user, sign_in
from twofactor import flows, sms
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.sms.models import SMSDevice
from twofactor.models import SecurityEvent
from twofactor.verification import verify_code

PHONE = "+14155550123"
FAILED = "We could not send the code. Try again, or use another method."
CODE_FIELDS = [
    "code_hash",
    "valid_until",
    "last_generated_timestamp",
    "throttling_failure_count",
    "throttling_failure_timestamp",
]


@pytest.fixture(autouse=True)
def _isolated(settings, monkeypatch):
    settings.TWOFACTOR_ISSUER = "Example Site"
    monkeypatch.setattr(sms, "outbox", [])


def snapshot(device) -> dict:
    device.refresh_from_db()
    return {name: getattr(device, name) for name in CODE_FIELDS}


def with_earlier_code(device, code: str = "424242", failures: int = 2):
    """A device holding a valid code sent two minutes ago, and some wrong guesses already counted."""
    device.set_code(code)
    device.last_generated_timestamp = timezone.now() - timedelta(minutes=2)
    device.throttling_failure_count = failures
    device.save()
    return device


def request_for(user):
    request = RequestFactory().post("/2fa/verify/", REMOTE_ADDR="127.0.0.1")
    request.user = user
    return request


def is_verified(client) -> bool:
    return client.session["twofactor"]["state"] == "verified"


# Email through a real SMTP server


@pytest.mark.django_db
def test_sign_in_with_a_code_mailed_through_a_real_smtp_server(client, smtp_server):
    user = make_user()
    add_email(user)
    sign_in(client)
    page = client.get("/2fa/verify/")  # the code is mailed as the page opens
    [mail] = smtp_server.mails
    assert mail.recipients == ["alice@example.com"]
    assert "Example Site" in mail.message["Subject"] and "sign-in" in mail.message["Subject"]
    for body in (mail.text, mail.html):
        assert "Example Site" in body and "sign" in body and "10 minutes" in body
        assert mail.code in body
    assert "We sent a 6-digit code to a••••@example.com." in page.content.decode()

    response = client.post("/2fa/verify/", {"code": mail.code})
    assert response.status_code == 302
    assert is_verified(client)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_mail_server_down_leaves_the_device_as_it_was(client, smtp_down, twofactor_logs):
    user = make_user()
    add_totp(user)
    device = with_earlier_code(add_email(user))
    device.last_used_at = timezone.now()  # email is the primary method
    device.save()
    before = snapshot(device)
    sign_in(client)

    response = client.post("/2fa/verify/", {"action": "send"})
    assert response.status_code == 503
    content = response.content.decode()
    assert FAILED in content
    assert "Use another method" in content and "Authenticator app" in content
    assert snapshot(device) == before
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.DELIVERY_FAILED)
    assert event.data["method"] == "email" and event.data["target"] == "a••••@example.com"
    assert any("Could not send the email code" in record.getMessage() for record in twofactor_logs.records)

    # The earlier code still works: the failed send changed nothing.
    assert client.post("/2fa/verify/", {"code": "424242"}).status_code == 302
    assert is_verified(client)


@pytest.mark.django_db
def test_after_a_failed_delivery_the_user_can_pick_another_method(client, smtp_down):
    user = make_user()
    device, totp = add_totp(user)
    email = add_email(user)
    email.last_used_at = timezone.now()
    email.save()
    sign_in(client)
    assert client.post("/2fa/verify/", {"action": "send"}).status_code == 503
    assert client.post("/2fa/verify/", {"action": "use", "method": "totp"}).status_code == 302
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    assert is_verified(client)


# SMS through the real twilio client


@pytest.mark.django_db
def test_sign_in_with_a_code_texted_through_twilio(client, twilio):
    user = make_user()
    add_sms(user)
    sign_in(client)
    assert client.post("/2fa/verify/", {"action": "send"}).status_code == 302

    [request] = twilio.all_requests()
    assert request.method == "POST"
    assert request.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.data["To"] == PHONE
    assert request.data["From"] == TWILIO_FROM
    assert "MessagingServiceSid" not in request.data
    body = request.data["Body"]
    assert "Example Site" in body and "sign-in" in body and "10 minutes" in body
    assert client.post("/2fa/verify/", {"code": code_in(body)}).status_code == 302
    assert is_verified(client)


@pytest.mark.django_db
def test_twilio_messaging_service_is_the_sender_when_set(client, twilio, settings):
    settings.TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE_SID
    add_sms(make_user())
    sign_in(client)
    client.post("/2fa/verify/", {"action": "send"})
    [request] = twilio.all_requests()
    assert request.data["MessagingServiceSid"] == MESSAGING_SERVICE_SID
    assert "From" not in request.data
    assert request.data["To"] == PHONE


TWILIO_FAILURES = {
    "400 invalid number": twilio_error(400, 21211, "The 'To' number +14155550123 is not valid."),
    "401 bad credentials": twilio_error(401, 20003, "Authenticate"),
    "429 too many requests": twilio_error(429, 20429, "Too Many Requests"),
    "500 server error": twilio_error(500, 20500, "Internal Server Error"),
    "timeout": requests.exceptions.ReadTimeout("read timed out"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("answer", TWILIO_FAILURES.values(), ids=TWILIO_FAILURES.keys())
def test_twilio_errors_leave_the_account_unchanged(client, twilio, answer, twofactor_logs):
    user = make_user()
    device = with_earlier_code(add_sms(user))
    before = snapshot(device)
    sign_in(client)
    twilio.script = [answer]

    response = client.post("/2fa/verify/", {"action": "send"})
    assert response.status_code == 503
    assert FAILED in response.content.decode()
    assert len(twilio.all_requests()) == 1
    assert snapshot(device) == before
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DELIVERY_FAILED, user=user).count() == 1
    assert not any("424242" in record.getMessage() for record in twofactor_logs.records)
    assert client.post("/2fa/verify/", {"code": "424242"}).status_code == 302


@pytest.mark.django_db
def test_after_a_failed_send_the_user_can_try_again_at_once(client, twilio):
    add_sms(make_user())
    sign_in(client)
    twilio.script = [requests.exceptions.ConnectTimeout("connect timed out")]
    assert client.post("/2fa/verify/", {"action": "send"}).status_code == 503
    assert client.post("/2fa/verify/", {"action": "send"}).status_code == 302
    code = code_in(twilio.all_requests()[-1].data["Body"])
    assert client.post("/2fa/verify/", {"code": code}).status_code == 302
    assert is_verified(client)


# Codes: hashed, single-use, replaced by newer ones, failure count kept


@pytest.mark.django_db
def test_a_sent_code_is_stored_hashed_and_valid_ten_minutes(user):
    device = add_email(user)
    sent = flows.send_sign_in_code(request_for(user), "email")
    assert sent.masked_target == "a••••@example.com"
    assert sent.cooldown_seconds == 60
    [message] = mail.outbox
    code = code_in(message.body)
    device.refresh_from_db()
    assert code not in device.code_hash and device.code_hash.startswith("hmac-sha256p$")
    assert timedelta(minutes=9) < device.valid_until - timezone.now() <= timedelta(minutes=10)
    assert verify_code(device, code).accepted
    assert not verify_code(device, code).accepted, "a code works once"


@pytest.mark.django_db
def test_a_newer_code_replaces_the_older_and_keeps_the_failure_count(user, settings):
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    settings.TWOFACTOR_THROTTLE_FACTOR = 0
    device = add_sms(user)
    flows.send_sign_in_code(request_for(user), "sms")
    older = code_in(sms.outbox[-1].body)
    wrong = "000000" if older != "000000" else "111111"
    assert not verify_code(device, wrong).accepted
    assert not verify_code(device, wrong).accepted
    flows.send_sign_in_code(request_for(user), "sms")
    newer = code_in(sms.outbox[-1].body)
    device.refresh_from_db()
    assert device.throttling_failure_count == 2
    if newer != older:
        assert not verify_code(device, older).accepted
    assert verify_code(device, newer).accepted


@pytest.mark.django_db
def test_an_expired_code_is_refused(user):
    device = add_email(user)
    flows.send_sign_in_code(request_for(user), "email")
    code = code_in(mail.outbox[0].body)
    EmailDevice.objects.filter(pk=device.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    assert not verify_code(device, code).accepted


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["totp", "backup", "sms", "nonsense"])
def test_only_the_users_email_and_sms_devices_send_codes(user, method):
    add_email(user)
    add_totp(user)
    with pytest.raises(flows.TwoFactorError) as failure:
        flows.send_sign_in_code(request_for(user), method)
    assert failure.value.code == "invalid_method"
    assert sms.outbox == []


# Cooldown and caps


@pytest.mark.django_db
def test_resend_within_the_cooldown_answers_with_the_seconds_left(client):
    add_sms(make_user())
    sign_in(client)
    assert client.post("/2fa/verify/", {"action": "send"}).status_code == 302
    response = client.post("/2fa/verify/", {"action": "send"})
    assert response.status_code == 429
    seconds = int(re.search(r"ask for another in (\d+) seconds", response.content.decode()).group(1))
    assert 55 <= seconds <= 60
    assert len(sms.outbox) == 1


@pytest.mark.django_db
def test_cooldown_error_carries_retry_after(user):
    add_email(user)
    flows.send_sign_in_code(request_for(user), "email")
    with pytest.raises(flows.TwoFactorError) as failure:
        flows.send_sign_in_code(request_for(user), "email")
    assert failure.value.code == "throttled" and failure.value.status == 429
    assert 55 <= failure.value.retry_after <= 60


@pytest.mark.django_db
def test_a_burst_of_resends_sends_one_code_per_cooldown(client):
    add_sms(make_user())
    sign_in(client)
    statuses = [client.post("/2fa/verify/", {"action": "send"}).status_code for _ in range(20)]
    assert statuses.count(302) == 1 and statuses.count(429) == 19
    assert len(sms.outbox) == 1


@pytest.fixture(params=["database", "cache"])
def rate_limit_store(request, settings):
    """Run a cap test with counters in the database, and in Redis."""
    settings.TWOFACTOR_RATE_LIMIT_STORE = request.param
    if request.param == "cache":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/0",
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
    return request.param


@pytest.mark.django_db
def test_account_cap_counts_email_and_sms_together(user, settings, rate_limit_store):
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    settings.TWOFACTOR_SEND_LIMIT_PER_ACCOUNT_HOUR = 3
    add_email(user)
    add_sms(user)
    for method in ("email", "sms", "email"):
        flows.send_sign_in_code(request_for(user), method)
    for method in ("sms", "email"):
        with pytest.raises(flows.TwoFactorError) as failure:
            flows.send_sign_in_code(request_for(user), method)
        assert failure.value.status == 429 and "Too many codes were sent" in str(failure.value.message)
        assert 0 < failure.value.retry_after <= 3600
    assert len(mail.outbox) + len(sms.outbox) == 3


@pytest.mark.django_db
def test_phone_cap_holds_across_accounts(settings, rate_limit_store):
    settings.TWOFACTOR_SEND_LIMIT_PER_PHONE_HOUR = 2
    users = [make_user(f"user{n}") for n in range(3)]
    for user in users:
        add_sms(user)
    for user in users[:2]:
        flows.send_sign_in_code(request_for(user), "sms")
    with pytest.raises(flows.TwoFactorError) as failure:
        flows.send_sign_in_code(request_for(users[2]), "sms")
    assert failure.value.code == "throttled" and failure.value.status == 429
    assert len(sms.outbox) == 2
    # The refused send changed nothing on the third account's device.
    assert SMSDevice.objects.get(user=users[2]).code_hash == ""


@pytest.mark.django_db
def test_site_wide_sms_cap(settings, rate_limit_store, twofactor_logs):
    settings.TWOFACTOR_SMS_LIMIT_SITE_HOUR = 2
    users = [make_user(f"user{n}") for n in range(3)]
    for number, user in enumerate(users):
        add_sms(user, f"+1415555012{number}")
    for user in users[:2]:
        flows.send_sign_in_code(request_for(user), "sms")
    with pytest.raises(flows.TwoFactorError) as failure:
        flows.send_sign_in_code(request_for(users[2]), "sms")
    assert failure.value.status == 429
    assert "Text messages are not available right now" in str(failure.value.message)
    assert len(sms.outbox) == 2
    assert any(record.levelname == "WARNING" and "sms-site" in record.getMessage() for record in twofactor_logs.records)


@pytest.mark.django_db
def test_a_refused_cap_does_not_start_the_cooldown(user, settings):
    settings.TWOFACTOR_SEND_LIMIT_PER_ACCOUNT_HOUR = 0
    device = add_email(user)
    with pytest.raises(flows.TwoFactorError):
        flows.send_sign_in_code(request_for(user), "email")
    device.refresh_from_db()
    assert device.last_generated_timestamp is None and device.code_hash == ""


# The verify page: the primary method first


@pytest.mark.django_db
def test_the_primary_method_is_offered_first(client):
    user = make_user()
    add_totp(user)
    add_sms(user)
    email = add_email(user)
    email.last_used_at = timezone.now()
    email.save()
    sign_in(client)
    content = client.get("/2fa/verify/").content.decode()
    assert client.session["twofactor"]["method"] == "email"
    assert content.index("We sent a 6-digit code to a••••@example.com") < content.index("Use another method")
    others = content[content.index("Use another method") :]
    assert "Authenticator app" in others and "Code by text message" in others
    assert sms.outbox == []


@pytest.mark.django_db
def test_switching_to_sms_sends_by_text(client):
    user = make_user()
    add_email(user)
    add_sms(user)
    EmailDevice.objects.filter(user=user).update(last_used_at=timezone.now())
    sign_in(client)
    client.post("/2fa/verify/", {"action": "use", "method": "sms"})
    assert "We sent a 6-digit code to +14•••••••23" in client.get("/2fa/verify/").content.decode()
    [message] = sms.outbox
    assert message.to == PHONE
    assert client.post("/2fa/verify/", {"code": code_in(message.body)}).status_code == 302


# No code in any log record or security event


@pytest.mark.django_db
def test_no_code_reaches_a_log_record_or_a_security_event(client, twilio, settings, twofactor_logs):
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    user = make_user()
    add_sms(user)
    sign_in(client)
    client.post("/2fa/verify/", {"action": "send"})
    first = code_in(twilio.all_requests()[-1].data["Body"])
    twilio.script = [twilio_error(500, 20500, "Internal Server Error")]
    assert client.post("/2fa/verify/", {"action": "send"}).status_code == 503
    failed = code_in(twilio.all_requests()[-1].data["Body"])
    assert client.post("/2fa/verify/", {"code": first}).status_code == 302

    texts = [record.getMessage() for record in twofactor_logs.records]
    texts += [str(event.data) for event in SecurityEvent.objects.all()]
    assert {"code_sent", "delivery_failed", "signed_in"} <= set(SecurityEvent.objects.values_list("kind", flat=True))
    for text in texts:
        assert first not in text and failed not in text


# Concurrency: real threads, each with its own database connection


def run_in_threads(count: int, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    close_old_connections()
    return results, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["email", "sms"])
def test_concurrent_submissions_of_one_sent_code_are_accepted_once(method):
    user = make_user()
    device = add_email(user) if method == "email" else add_sms(user)
    device.set_code("314159")
    device.save()

    results, errors = run_in_threads(16, lambda: verify_code(type(device).objects.get(pk=device.pk), "314159"))
    assert errors == []
    assert [result.accepted for result in results].count(True) == 1
    assert len(results) == 16


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_burst_of_sends_delivers_one_code(settings):
    user = make_user()
    add_sms(user)

    def send():
        try:
            return flows.send_sign_in_code(request_for(user), "sms")
        except flows.TwoFactorError as failure:
            return failure

    results, errors = run_in_threads(16, send)
    assert errors == []
    sent = [result for result in results if isinstance(result, flows.SentCode)]
    refused = [result for result in results if isinstance(result, flows.TwoFactorError)]
    assert len(sent) == 1 and len(refused) == 15
    assert all(failure.code == "throttled" for failure in refused)
    assert len(sms.outbox) == 1
