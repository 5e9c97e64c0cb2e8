"""Enrolling email and SMS (/2fa/setup/email/, /2fa/setup/sms/): targets, codes, failures, limits."""

import time

import pytest
import requests
from django.core import mail
from django.test import RequestFactory

from tests.support.delivery_fixtures import TWILIO_FROM, code_in, free_port, use_smtp
from tests.support.twilio_fake import ACCOUNT_SID, twilio_error
from tests.support.users import make_user, sign_in
from twofactor import flows, sms
from twofactor.flows.setup import PENDING_KEY
from twofactor.methods.backup.models import BackupCodeDevice
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.sms.models import SMSDevice
from twofactor.methods.sms.setup import begin_sms_setup
from twofactor.models import SecurityEvent

FAILED = "We could not send the code. Try again, or use another method."
EMAIL_URL, SMS_URL = "/2fa/setup/email/", "/2fa/setup/sms/"


@pytest.fixture(autouse=True)
def _isolated(settings, monkeypatch):
    settings.TWOFACTOR_ISSUER = "Example Site"
    settings.PHONENUMBER_DEFAULT_REGION = "US"
    monkeypatch.setattr(sms, "outbox", [])


@pytest.fixture
def enrolling(client, db):
    """A client past the password step of a user without any method (the site requires one)."""
    user = make_user()
    sign_in(client)
    assert client.session["twofactor"]["state"] == "setup"
    return client, user


def pending(client) -> dict | None:
    return client.session.get(PENDING_KEY)


# Email


def test_email_setup_with_the_account_address_over_smtp(enrolling, smtp_server):
    client, user = enrolling
    page = client.get(EMAIL_URL)
    assert page.status_code == 200
    assert "Send a code to alice@example.com" in page.content.decode()
    assert smtp_server.mails == []

    assert client.post(EMAIL_URL, {"action": "send"}).status_code == 302
    [received] = smtp_server.mails
    assert received.recipients == ["alice@example.com"]
    assert received.message["Subject"] == "Confirm your email address for Example Site"
    assert "adding this email address" in received.text and "10 minutes" in received.text
    assert received.code in received.html and "Example Site" in received.html
    assert not EmailDevice.objects.exists(), "nothing is stored before the code is confirmed"
    assert "We sent a 6-digit code to a••••@example.com" in client.get(EMAIL_URL).content.decode()

    response = client.post(EMAIL_URL, {"action": "confirm", "code": received.code})
    assert response.status_code == 200  # the first method shows its backup codes once
    assert b"backup" in response.content.lower()
    device = EmailDevice.objects.get(user=user)
    assert device.email == "alice@example.com" and device.confirmed and device.code_hash == ""
    assert BackupCodeDevice.objects.filter(user=user).exists()
    assert client.session["twofactor"]["state"] == "verified"
    assert pending(client) is None


def test_email_setup_with_another_address_proven_by_its_code(enrolling):
    client, user = enrolling
    assert client.post(EMAIL_URL, {"action": "send", "email": "second@example.org"}).status_code == 302
    [message] = mail.outbox
    assert message.to == ["second@example.org"]
    code = code_in(message.body)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(EMAIL_URL, {"action": "confirm", "code": wrong})
    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    assert pending(client)["failures"] == 1
    assert not EmailDevice.objects.exists()
    client.post(EMAIL_URL, {"action": "confirm", "code": code})
    assert EmailDevice.objects.get(user=user).email == "second@example.org"


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "x" * 300 + "@example.com"])
def test_an_invalid_address_is_a_form_error_and_nothing_is_sent(enrolling, address):
    client, _user = enrolling
    response = client.post(EMAIL_URL, {"action": "send", "email": address})
    assert response.status_code == 400
    assert "error" in response.content.decode()
    assert mail.outbox == [] and pending(client) is None


def test_mail_server_down_keeps_the_pending_enrolment(enrolling, settings):
    client, user = enrolling
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    client.post(EMAIL_URL, {"action": "send"})
    earlier_code = code_in(mail.outbox[0].body)
    before = pending(client)

    use_smtp(settings, free_port())  # the mail server goes down
    response = client.post(EMAIL_URL, {"action": "resend"})
    assert response.status_code == 503
    assert FAILED in response.content.decode()
    assert pending(client) == before
    assert not EmailDevice.objects.exists()
    assert SecurityEvent.objects.filter(kind="delivery_failed", user=user).exists()
    # The code that did arrive still confirms the address.
    client.post(EMAIL_URL, {"action": "confirm", "code": earlier_code})
    assert EmailDevice.objects.filter(user=user).exists()


def test_mail_server_down_on_a_first_send_keeps_another_pending_enrolment(enrolling, smtp_down):
    client, _user = enrolling
    client.get("/2fa/setup/totp/")  # an authenticator enrolment is in progress
    before = pending(client)
    assert before["method"] == "totp"
    response = client.post(EMAIL_URL, {"action": "send", "email": "second@example.org"})
    assert response.status_code == 503
    assert FAILED in response.content.decode()
    assert pending(client) == before
    assert not EmailDevice.objects.exists()


def test_email_setup_when_the_method_exists_goes_to_the_overview(verified_client, totp_user):
    client, (user, _device, _totp) = verified_client, totp_user
    EmailDevice.objects.create(user=user, name="Code by email", email=user.email, confirmed=True)
    response = client.get(EMAIL_URL)
    assert response.status_code == 302 and response["Location"] == "/2fa/"
    assert client.post(EMAIL_URL, {"action": "send"}).status_code == 302
    assert mail.outbox == []


def test_an_expired_enrolment_code_is_refused(enrolling):
    client, _user = enrolling
    client.post(EMAIL_URL, {"action": "send"})
    code = code_in(mail.outbox[0].body)
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "valid_until": time.time() - 1}
    session.save()
    response = client.post(EMAIL_URL, {"action": "confirm", "code": code})
    assert response.status_code == 400
    assert "That code has expired. Ask for a new one." in response.content.decode()
    assert not EmailDevice.objects.exists()


def test_too_many_wrong_codes_cancel_the_enrolment(enrolling):
    client, _user = enrolling
    client.post(EMAIL_URL, {"action": "send"})
    code = code_in(mail.outbox[0].body)
    wrong = "000000" if code != "000000" else "111111"
    responses = [client.post(EMAIL_URL, {"action": "confirm", "code": wrong}) for _ in range(10)]
    assert [response.status_code for response in responses] == [400] * 9 + [429]
    assert "Too many wrong codes. The set-up was cancelled" in responses[-1].content.decode()
    assert pending(client) is None
    client.post(EMAIL_URL, {"action": "confirm", "code": code})
    assert not EmailDevice.objects.exists()


# SMS


def test_sms_setup_with_a_national_number(enrolling):
    client, user = enrolling
    assert 'name="phone"' in client.get(SMS_URL).content.decode()
    assert client.post(SMS_URL, {"action": "send", "phone": "(415) 555-0123"}).status_code == 302
    [message] = sms.outbox
    assert message.to == "+14155550123"
    assert "confirm this phone for Example Site" in message.body and "10 minutes" in message.body
    assert not SMSDevice.objects.exists()
    assert "We texted a 6-digit code to +14•••••••23" in client.get(SMS_URL).content.decode()
    client.post(SMS_URL, {"action": "confirm", "code": code_in(message.body)})
    assert SMSDevice.objects.get(user=user).phone_number == "+14155550123"


def test_national_numbers_are_read_in_the_configured_region(enrolling, settings):
    client, user = enrolling
    settings.PHONENUMBER_DEFAULT_REGION = "FR"
    client.post(SMS_URL, {"action": "send", "phone": "06 12 34 56 78"})
    [message] = sms.outbox
    assert message.to == "+33612345678"


INVALID_PHONES = {
    "letters": ("+1 800 FLOWERS", "digits only"),
    "extension": ("415 555 0123 ext 12", "digits only"),
    "too short": ("555-01", "too short"),
    "too short international": ("+1 415 555 01", "too short"),
    "wrong region": ("06 12 34 56 78", "not a valid phone number"),
    "invalid exchange": ("(415) 155-0123", "not a valid phone number"),
    "premium rate US": ("+1 900 555 0123", "Premium-rate"),
    "premium rate UK": ("+44 9090 123456", "Premium-rate"),
    "shared cost FR": ("+33 8 10 12 34 56", "shared-cost"),
    "empty": ("", "Enter your mobile phone number"),
    "too long": ("+1" + "4" * 60, "at most"),
}


@pytest.mark.parametrize("phone, message", INVALID_PHONES.values(), ids=INVALID_PHONES.keys())
def test_invalid_numbers_are_rejected_before_any_message(enrolling, twilio, phone, message):
    client, _user = enrolling
    response = client.post(SMS_URL, {"action": "send", "phone": phone})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert twilio.all_requests() == [] and sms.outbox == []
    assert pending(client) is None


@pytest.mark.parametrize("phone", [value for value, _message in INVALID_PHONES.values()])
def test_the_flow_itself_rejects_invalid_numbers(user, phone):
    request = RequestFactory().post(SMS_URL)
    request.user, request.session = user, {}
    with pytest.raises(flows.TwoFactorError) as failure:
        begin_sms_setup(request, phone)
    assert failure.value.code == "invalid_phone" and "phone" in failure.value.fields
    assert sms.outbox == []


def test_sms_setup_through_twilio(enrolling, twilio):
    client, user = enrolling
    client.post(SMS_URL, {"action": "send", "phone": "+1 415 555 0123"})
    [request] = twilio.all_requests()
    assert request.url.endswith(f"/Accounts/{ACCOUNT_SID}/Messages.json")
    assert request.data["To"] == "+14155550123" and request.data["From"] == TWILIO_FROM
    assert "Example Site" in request.data["Body"]
    client.post(SMS_URL, {"action": "confirm", "code": code_in(request.data["Body"])})
    assert SMSDevice.objects.filter(user=user, phone_number="+14155550123").exists()


@pytest.mark.parametrize(
    "answer",
    [
        twilio_error(400, 21211, "The 'To' number is not valid."),
        twilio_error(401, 20003, "Authenticate"),
        twilio_error(429, 20429, "Too Many Requests"),
        twilio_error(500, 20500, "Internal Server Error"),
        requests.exceptions.ConnectTimeout("connect timed out"),
    ],
    ids=["400", "401", "429", "500", "timeout"],
)
def test_twilio_errors_at_enrolment_leave_the_session_as_it_was(enrolling, twilio, settings, answer):
    client, user = enrolling
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    client.post(SMS_URL, {"action": "send", "phone": "+14155550123"})
    before = pending(client)
    twilio.script = [answer]
    response = client.post(SMS_URL, {"action": "resend"})
    assert response.status_code == 503
    assert FAILED in response.content.decode()
    assert pending(client) == before
    assert not SMSDevice.objects.exists()
    # and a first send to a new number that fails leaves no pending record at all
    client.post(SMS_URL, {"action": "restart"})
    twilio.script = [answer]
    assert client.post(SMS_URL, {"action": "send", "phone": "+14155550199"}).status_code == 503
    assert pending(client) is None


def test_after_a_failed_first_send_the_user_can_try_again_at_once(enrolling, twilio):
    client, user = enrolling
    twilio.script = [twilio_error(500, 20500, "Internal Server Error")]
    assert client.post(SMS_URL, {"action": "send", "phone": "+14155550123"}).status_code == 503
    assert client.post(SMS_URL, {"action": "send", "phone": "+14155550123"}).status_code == 302
    client.post(SMS_URL, {"action": "confirm", "code": code_in(twilio.all_requests()[-1].data["Body"])})
    assert SMSDevice.objects.filter(user=user).exists()


def test_resend_within_the_cooldown_is_refused_with_the_seconds_left(enrolling):
    client, _user = enrolling
    client.post(SMS_URL, {"action": "send", "phone": "+14155550123"})
    response = client.post(SMS_URL, {"action": "resend"})
    assert response.status_code == 429
    assert "You can ask for another in" in response.content.decode()
    statuses = [client.post(SMS_URL, {"action": "send", "phone": "+14155550123"}).status_code for _ in range(10)]
    assert set(statuses) == {429}
    assert len(sms.outbox) == 1


def test_the_cooldown_holds_for_a_number_across_accounts(client, db):
    make_user("alice")
    make_user("bob")
    sign_in(client, "alice")
    client.post(SMS_URL, {"action": "send", "phone": "+14155550123"})
    client.post("/accounts/logout/")
    sign_in(client, "bob")
    response = client.post(SMS_URL, {"action": "send", "phone": "+14155550123"})
    assert response.status_code == 429
    assert len(sms.outbox) == 1


def test_a_resend_keeps_the_failure_count(enrolling, settings):
    client, _user = enrolling
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    client.post(SMS_URL, {"action": "send", "phone": "+14155550123"})
    wrong = "999999" if code_in(sms.outbox[0].body) != "999999" else "888888"
    for _ in range(3):
        client.post(SMS_URL, {"action": "confirm", "code": wrong})
    client.post(SMS_URL, {"action": "resend"})
    assert len(sms.outbox) == 2
    assert pending(client)["failures"] == 3


def test_enrolment_sends_count_against_the_account_cap(enrolling, settings):
    client, _user = enrolling
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    settings.TWOFACTOR_SEND_LIMIT_PER_ACCOUNT_HOUR = 2
    statuses = [client.post(SMS_URL, {"action": "send", "phone": f"+1415555012{n}"}).status_code for n in range(4)]
    assert statuses == [302, 302, 429, 429]
    assert len(sms.outbox) == 2
    response = client.post(EMAIL_URL, {"action": "send"})
    assert response.status_code == 429 and "Too many codes were sent" in response.content.decode()
    assert mail.outbox == []


def test_confirming_without_an_enrolment_says_so(enrolling):
    client, _user = enrolling
    response = client.post(SMS_URL, {"action": "confirm", "code": "123456"})
    assert response.status_code == 400
    assert "There is no set-up in progress" in response.content.decode()
    assert not SMSDevice.objects.exists()


def test_use_a_different_number_clears_the_pending_enrolment(enrolling):
    client, _user = enrolling
    client.post(SMS_URL, {"action": "send", "phone": "+14155550123"})
    assert client.post(SMS_URL, {"action": "restart"}).status_code == 302
    assert pending(client) is None
    assert 'name="phone"' in client.get(SMS_URL).content.decode()


def test_sms_send_and_confirm_events_carry_no_code(enrolling):
    client, user = enrolling
    client.post(SMS_URL, {"action": "send", "phone": "+14155550123"})
    code = code_in(sms.outbox[0].body)
    client.post(SMS_URL, {"action": "confirm", "code": code})
    kinds = list(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert "code_sent" in kinds and "method_added" in kinds
    for event in SecurityEvent.objects.all():
        assert code not in str(event.data) and "+14155550123" not in str(event.data)


def test_sign_up_spam_cannot_bomb_a_mailbox_with_enrolment_codes(db, settings):
    """Anyone may sign up and ask for an enrolment code to any address: across accounts, one address gets at most
    TWOFACTOR_EMAIL_ENROLMENT_LIMIT_PER_ADDRESS_HOUR of them, and its owner's sign-in codes still arrive."""
    from tests.support.api_client import ApiClient, error_of, last_emailed_code
    from tests.support.users import PASSWORD

    settings.TWOFACTOR_COOLDOWN_SECONDS = 0  # what must hold across accounts is the cap, not the cooldown
    victim = "victim@example.org"
    owner = make_user("owner", email=victim)
    EmailDevice.objects.create(user=owner, name="Code by email", email=victim, confirmed=True)
    answers = []
    for number in range(6):
        make_user(f"spammer{number}")
        spammer = ApiClient()
        spammer.login(f"spammer{number}", PASSWORD)
        answers.append(spammer.post("/2fa/setup/email", {"email": victim}))
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429, 429]
    error_of(answers[-1], 429, "throttled")
    assert len([message for message in mail.outbox if message.to == [victim]]) == 3

    signing_in = ApiClient()
    signing_in.login("owner", PASSWORD)
    assert signing_in.post("/2fa/challenge", {"method": "email"}).status_code == 200
    assert signing_in.verify(last_emailed_code())["verified"] is True


def test_one_client_address_gets_at_most_its_enrolment_cap_of_codes_by_email(db, settings):
    """Mailing many addresses from one client address (spam through the site's mail server) stops at
    TWOFACTOR_EMAIL_ENROLMENT_LIMIT_PER_IP_HOUR."""
    from tests.support.api_client import ApiClient
    from tests.support.users import PASSWORD

    settings.TWOFACTOR_EMAIL_ENROLMENT_LIMIT_PER_IP_HOUR = 4
    statuses = []
    for number in range(6):
        make_user(f"spammer{number}")
        spammer = ApiClient()
        spammer.login(f"spammer{number}", PASSWORD)
        statuses.append(spammer.post("/2fa/setup/email", {"email": f"someone{number}@example.org"}).status_code)
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert len(mail.outbox) == 4


# Asking for the code again (flows.resend_setup_code) and the code form (flows.current_setup): only for the
# enrolment in progress of this very method


def _error_messages(response) -> list[str]:
    import re

    return re.findall(r'<li class="message error">(.*?)</li>', response.content.decode())


def test_asking_again_with_no_set_up_in_progress_sends_nothing_and_says_so_in_the_users_language(enrolling, settings):
    client, _user = enrolling
    said = {}
    for language in ("fr", "en"):
        response = client.post(EMAIL_URL, {"action": "resend"}, headers={"accept-language": language})
        assert response.status_code == 400
        [said[language]] = _error_messages(response)
    assert said["fr"] != said["en"]
    assert mail.outbox == [] and sms.outbox == []


def test_asking_again_on_another_methods_page_sends_nothing_there(enrolling, settings):
    """An email enrolment in progress: asking the text-message page for the code again texts nothing, least of all
    to the email address."""
    client, _user = enrolling
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    assert client.post(EMAIL_URL, {"action": "send"}).status_code == 302
    assert len(mail.outbox) == 1
    response = client.post(SMS_URL, {"action": "resend"})
    assert response.status_code == 400 and _error_messages(response)
    assert sms.outbox == [] and len(mail.outbox) == 1
    assert pending(client)["method"] == "email"


def test_another_methods_page_does_not_show_the_code_form_of_an_enrolment_in_progress(enrolling):
    client, _user = enrolling
    assert client.post(EMAIL_URL, {"action": "send"}).status_code == 302
    assert 'name="code"' in client.get(EMAIL_URL).content.decode()
    page = client.get(SMS_URL).content.decode()
    assert 'name="code"' not in page and 'name="phone"' in page
