"""twofactor.delivery: the code mail and text, and delivery failures that never carry the code."""

import socket
import time

import pytest
from django.core import mail

from tests.support.delivery_fixtures import use_smtp
from twofactor import delivery, sms
from twofactor.sms.backends.base import BaseSMSBackend

CODE = "735102"


@pytest.fixture(autouse=True)
def _isolated(settings, monkeypatch):
    settings.TWOFACTOR_ISSUER = "Example Site"
    monkeypatch.setattr(sms, "outbox", [])


PURPOSE_WORDS = {
    delivery.SIGN_IN: ("sign-in code", "Your Example Site sign-in code"),
    delivery.CONFIRM: ("adding this email address", "Confirm your email address for Example Site"),
    delivery.RESCUE: ("account rescue code", "Your Example Site account rescue code"),
}


@pytest.mark.parametrize("purpose", PURPOSE_WORDS)
def test_the_code_mail_names_the_site_the_purpose_and_the_expiry(purpose, user):
    delivery.send_code_email("someone@example.org", CODE, purpose=purpose, user=user)
    [message] = mail.outbox
    words, subject = PURPOSE_WORDS[purpose]
    assert message.subject == subject
    assert message.to == ["someone@example.org"]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    for body in (message.body, html):
        assert CODE in body and "Example Site" in body and "10 minutes" in body and "alice" in body
    assert words in message.body


def test_the_expiry_follows_the_code_validity_setting(settings):
    settings.TWOFACTOR_CODE_VALIDITY_SECONDS = 60
    delivery.send_code_email("someone@example.org", CODE, purpose=delivery.SIGN_IN)
    assert "expires in 1 minute and" in mail.outbox[0].body


def test_the_html_mail_escapes_the_site_name(settings):
    settings.TWOFACTOR_ISSUER = "<b>Shop</b>"
    delivery.send_code_email("someone@example.org", CODE, purpose=delivery.SIGN_IN)
    html = mail.outbox[0].alternatives[0][0]
    assert "<b>Shop</b>" not in html and "&lt;b&gt;Shop&lt;/b&gt;" in html
    assert "<b>Shop</b>" in mail.outbox[0].body  # plain text is not HTML


@pytest.mark.parametrize(
    "purpose, words",
    [
        (delivery.SIGN_IN, "is your Example Site sign-in code"),
        (delivery.CONFIRM, "to confirm this phone for Example Site"),
        (delivery.RESCUE, "is your Example Site account rescue code"),
    ],
)
def test_the_code_text_names_the_site_the_purpose_and_the_expiry(purpose, words):
    delivery.send_code_sms("+14155550123", CODE, purpose=purpose)
    [message] = sms.outbox
    assert message.to == "+14155550123"
    assert message.body.startswith(CODE) and words in message.body and "10 minutes" in message.body
    assert len(message.body) <= 160, "one SMS segment"


def test_a_mail_reaches_a_real_smtp_server(smtp_server):
    delivery.send_code_email("someone@example.org", CODE, purpose=delivery.SIGN_IN)
    [received] = smtp_server.mails
    assert received.recipients == ["someone@example.org"] and received.code == CODE


def test_a_mail_server_that_is_down_is_a_delivery_error_without_the_code(smtp_down):
    with pytest.raises(delivery.DeliveryError) as failure:
        delivery.send_code_email("someone@example.org", CODE, purpose=delivery.SIGN_IN)
    assert "ConnectionRefusedError" in str(failure.value) and CODE not in str(failure.value)


def test_a_mail_server_that_never_answers_times_out(settings, monkeypatch):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection in the backlog, never says hello
    try:
        use_smtp(settings, listener.getsockname()[1])
        settings.EMAIL_TIMEOUT = None
        monkeypatch.setattr(delivery, "DEFAULT_EMAIL_TIMEOUT_SECONDS", 0.5)
        started = time.monotonic()
        with pytest.raises(delivery.DeliveryError):
            delivery.send_code_email("someone@example.org", CODE, purpose=delivery.SIGN_IN)
        assert time.monotonic() - started < 5
    finally:
        listener.close()


def test_a_misconfigured_sms_backend_is_a_delivery_error(settings):
    settings.TWOFACTOR_SMS_BACKEND = "twilio"
    settings.TWOFACTOR_TWILIO_ACCOUNT_SID = ""
    with pytest.raises(delivery.DeliveryError, match="misconfigured"):
        delivery.send_code_sms("+14155550123", CODE, purpose=delivery.SIGN_IN)


class EchoingBackend(BaseSMSBackend):
    """A third-party backend whose provider error repeats the message body."""

    def send_message(self, message):
        raise sms.SMSDeliveryError(f"provider refused: {message.body}")


def test_a_third_party_backend_is_used_and_an_echoed_code_is_blanked_out(settings):
    settings.TWOFACTOR_SMS_BACKEND = "tests.test_delivery.EchoingBackend"
    with pytest.raises(delivery.DeliveryError) as failure:
        delivery.send_code_sms("+14155550123", CODE, purpose=delivery.SIGN_IN)
    assert "provider refused" in str(failure.value) and CODE not in str(failure.value)


def test_unknown_purposes_are_programming_errors():
    with pytest.raises(ValueError):
        delivery.send_code_email("someone@example.org", CODE, purpose="newsletter")
    with pytest.raises(ValueError):
        delivery.send_code_sms("+14155550123", CODE, purpose="newsletter")
