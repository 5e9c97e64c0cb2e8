"""twofactor.sms: get_connection, send_sms and the console, file, locmem and twilio backends."""

import io
import logging
import os
import sys

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from phonenumber_field.phonenumber import PhoneNumber
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from tests.support.twilio_fake import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGING_SERVICE_SID,
    RecordingHttpClient,
    message_created,
    problem_details,
    twilio_error,
)
from twofactor import sms
from twofactor.sms import SMSDeliveryError, SMSMessage, get_connection, send_sms
from twofactor.sms.backends import console, file, locmem
from twofactor.sms.backends import twilio as twilio_backend
from twofactor.sms.backends.base import BaseSMSBackend

TO = "+14155550123"
BODY = "Your sign-in code is 493817"
FROM = "+15005550006"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    RecordingHttpClient.instances.clear()


@pytest.fixture
def sms_log(caplog, monkeypatch):
    """Captures twofactor.* records (the project's LOGGING stops them from reaching caplog's root handler)."""
    monkeypatch.setattr(logging.getLogger("twofactor"), "propagate", True)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="twofactor")
    return caplog


@pytest.fixture
def twilio_settings(settings):
    settings.TWOFACTOR_TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWOFACTOR_TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWOFACTOR_TWILIO_FROM_NUMBER = FROM
    settings.TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWOFACTOR_TWILIO_HTTP_CLIENT = ""
    settings.TWOFACTOR_TWILIO_TIMEOUT_SECONDS = 4
    return settings


class ScriptedBackend(BaseSMSBackend):
    """A third-party backend: fails for numbers ending in 9, sends the rest to `sent`."""

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently, **kwargs)
        self.options = kwargs
        self.sent = []
        self.events = []

    def open(self):
        self.events.append("open")
        return True

    def close(self):
        self.events.append("close")

    def send_message(self, message):
        if message.to.endswith("9"):
            raise SMSDeliveryError("The provider refused the number.")
        self.sent.append(message)


# SMSMessage


def test_message_needs_an_e164_number():
    with pytest.raises(ValueError, match="E.164"):
        SMSMessage("4155550123", BODY)


def test_message_accepts_a_phonenumber_object():
    assert SMSMessage(PhoneNumber.from_string(TO), BODY).to == TO


def test_message_repr_hides_the_body():
    assert "493817" not in repr(SMSMessage(TO, BODY))


# get_connection and send_sms


@pytest.mark.parametrize(
    ("name", "backend_class"),
    [
        ("console", console.SMSBackend),
        ("locmem", locmem.SMSBackend),
        ("file", file.SMSBackend),
        ("twilio", twilio_backend.SMSBackend),
    ],
)
def test_get_connection_takes_short_names(name, backend_class, twilio_settings, tmp_path):
    twilio_settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path)
    assert type(get_connection(name)) is backend_class


def test_get_connection_defaults_to_the_setting(settings):
    settings.TWOFACTOR_SMS_BACKEND = "console"
    assert isinstance(get_connection(), console.SMSBackend)


def test_get_connection_takes_a_dotted_path_and_passes_options():
    connection = get_connection("tests.test_sms_backends.ScriptedBackend", fail_silently=True, region="eu")
    assert isinstance(connection, ScriptedBackend)
    assert connection.fail_silently is True
    assert connection.options == {"region": "eu"}


@pytest.mark.parametrize("name", ["carrier-pigeon", "tests.test_sms_backends.Missing", "no_such_module.Backend"])
def test_unknown_backend_is_a_configuration_error(settings, name):
    settings.TWOFACTOR_SMS_BACKEND = name
    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_SMS_BACKEND") as caught:
        get_connection()
    assert name in str(caught.value)


def test_send_sms_uses_the_configured_backend():
    assert send_sms(TO, BODY) == 1
    assert [(message.to, message.body) for message in sms.outbox] == [(TO, BODY)]


def test_send_sms_uses_a_given_connection():
    connection = ScriptedBackend()
    assert send_sms(TO, BODY, connection=connection) == 1
    assert connection.sent == [SMSMessage(TO, BODY)]
    assert sms.outbox == []


# BaseSMSBackend


def test_send_messages_opens_and_closes_around_the_batch():
    connection = ScriptedBackend()
    assert connection.send_messages([SMSMessage(TO, "a"), SMSMessage("+14155550124", "b")]) == 2
    assert connection.events == ["open", "close"]


def test_send_messages_with_nothing_to_send_returns_zero():
    connection = ScriptedBackend()
    assert connection.send_messages([]) == 0
    assert connection.events == []


def test_context_manager_opens_and_closes():
    with ScriptedBackend() as connection:
        assert connection.events == ["open"]
    assert connection.events == ["open", "close"]


def test_failure_raises_and_is_logged_without_the_body(sms_log):
    connection = ScriptedBackend()
    with pytest.raises(SMSDeliveryError, match="refused the number"):
        connection.send_messages([SMSMessage("+14155550129", BODY)])
    assert connection.events == ["open", "close"]
    [record] = [record for record in sms_log.records if record.name == "twofactor.sms"]
    assert record.levelno == logging.WARNING
    assert "refused the number" in record.getMessage()
    assert "493817" not in sms_log.text
    assert "5550129" not in sms_log.text  # the number is masked too


def test_fail_silently_counts_only_what_was_sent():
    connection = ScriptedBackend(fail_silently=True)
    messages = [SMSMessage("+14155550129", BODY), SMSMessage(TO, BODY)]
    assert connection.send_messages(messages) == 1
    assert connection.sent == [SMSMessage(TO, BODY)]


def test_base_backend_must_be_subclassed():
    with pytest.raises(NotImplementedError):
        BaseSMSBackend().send_messages([SMSMessage(TO, BODY)])


# console


def test_console_writes_a_readable_block():
    stream = io.StringIO()
    assert get_connection("console", stream=stream).send_messages([SMSMessage(TO, BODY)]) == 1
    assert stream.getvalue() == f"To: {TO}\nBody: {BODY}\n{'-' * 79}\n"


def test_console_writes_to_stdout_by_default(capsys):
    send_sms(TO, BODY, connection=get_connection("console"))
    assert f"To: {TO}\nBody: {BODY}\n" in capsys.readouterr().out


# file


def test_file_writes_one_file_per_message(settings, tmp_path):
    settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path / "sms")
    connection = get_connection("file")
    assert connection.send_messages([SMSMessage(TO, BODY), SMSMessage("+14155550124", "second")]) == 2
    contents = sorted(path.read_text() for path in (tmp_path / "sms").iterdir())
    rule = "-" * 79
    assert contents == sorted([f"To: {TO}\nBody: {BODY}\n{rule}\n", f"To: +14155550124\nBody: second\n{rule}\n"])


def test_file_path_argument_wins_over_the_setting(settings, tmp_path):
    settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path / "from-setting")
    send_sms(TO, BODY, connection=get_connection("file", file_path=str(tmp_path / "given")))
    assert len(list((tmp_path / "given").iterdir())) == 1
    assert not (tmp_path / "from-setting").exists()


def test_file_without_a_path_is_a_configuration_error(settings):
    settings.TWOFACTOR_SMS_FILE_PATH = ""
    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_SMS_FILE_PATH"):
        get_connection("file")


def test_file_path_that_is_a_file_is_a_configuration_error(settings, tmp_path):
    (tmp_path / "taken").write_text("")
    settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path / "taken")
    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_SMS_FILE_PATH"):
        get_connection("file")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root may write to any folder")
def test_file_path_that_is_read_only_is_a_configuration_error(settings, tmp_path):
    (tmp_path / "locked").mkdir(mode=0o500)
    settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path / "locked")
    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_SMS_FILE_PATH"):
        get_connection("file")


def test_file_write_failure_is_a_delivery_error(settings, tmp_path):
    settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path)
    connection = get_connection("file")
    connection.file_path = str(tmp_path / "removed")  # the folder vanished after start-up
    with pytest.raises(SMSDeliveryError) as caught:
        connection.send_messages([SMSMessage(TO, BODY)])
    assert BODY not in str(caught.value)


# locmem


def test_locmem_keeps_copies_in_the_outbox():
    message = SMSMessage(TO, BODY)
    assert get_connection("locmem").send_messages([message]) == 1
    message.body = "changed afterwards"
    assert [(sent.to, sent.body) for sent in sms.outbox] == [(TO, BODY)]


def test_locmem_appends_to_a_replaced_outbox(monkeypatch):
    monkeypatch.setattr(sms, "outbox", [])
    send_sms(TO, BODY)
    assert len(sms.outbox) == 1


# twilio: the real twilio client over a recording transport


def test_twilio_sends_from_the_number(twilio_settings):
    transport = RecordingHttpClient()
    assert send_sms(TO, BODY, connection=get_connection("twilio", http_client=transport)) == 1
    [request] = transport.requests
    assert request.method == "POST"
    assert request.url == MESSAGES_URL
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.data == {"To": TO, "Body": BODY, "From": FROM}


def test_twilio_prefers_the_messaging_service(twilio_settings):
    twilio_settings.TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE_SID
    transport = RecordingHttpClient()
    send_sms(TO, BODY, connection=get_connection("twilio", http_client=transport))
    assert transport.requests[0].data == {"To": TO, "Body": BODY, "MessagingServiceSid": MESSAGING_SERVICE_SID}


def test_twilio_messaging_service_alone_is_enough(twilio_settings):
    twilio_settings.TWOFACTOR_TWILIO_FROM_NUMBER = ""
    twilio_settings.TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE_SID
    transport = RecordingHttpClient()
    send_sms(TO, BODY, connection=get_connection("twilio", http_client=transport))
    assert transport.requests[0].data["MessagingServiceSid"] == MESSAGING_SERVICE_SID


def test_twilio_sends_a_batch_through_one_client(twilio_settings):
    transport = RecordingHttpClient()
    connection = get_connection("twilio", http_client=transport)
    sent = connection.send_messages([SMSMessage(TO, "one"), SMSMessage("+14155550124", "two")])
    assert sent == 2
    assert [request.data["To"] for request in transport.requests] == [TO, "+14155550124"]
    assert connection.client is None  # closed after the batch


def test_twilio_transport_from_the_setting(twilio_settings):
    twilio_settings.TWOFACTOR_TWILIO_HTTP_CLIENT = "tests.support.twilio_fake.RecordingHttpClient"
    send_sms(TO, BODY, connection=get_connection("twilio"))
    [transport] = RecordingHttpClient.instances
    assert transport.timeout == 4
    assert transport.requests[0].url == MESSAGES_URL


def test_twilio_default_transport_is_twilios_with_the_timeout(twilio_settings):
    transport = get_connection("twilio").http_client
    assert type(transport) is TwilioHttpClient
    assert transport.timeout == 4


@pytest.mark.parametrize(
    "path", ["tests.support.twilio_fake.message_created", "tests.support.twilio_fake.Nowhere", "nodots"]
)
def test_twilio_transport_setting_must_name_an_http_client(twilio_settings, path):
    twilio_settings.TWOFACTOR_TWILIO_HTTP_CLIENT = path
    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_TWILIO_HTTP_CLIENT"):
        get_connection("twilio")


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("TWOFACTOR_TWILIO_ACCOUNT_SID", "TWOFACTOR_TWILIO_ACCOUNT_SID"),
        ("TWOFACTOR_TWILIO_AUTH_TOKEN", "TWOFACTOR_TWILIO_AUTH_TOKEN"),
        ("TWOFACTOR_TWILIO_FROM_NUMBER", "TWOFACTOR_TWILIO_FROM_NUMBER or TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID"),
    ],
)
def test_twilio_missing_credentials_are_configuration_errors(twilio_settings, setting, named):
    setattr(twilio_settings, setting, "")
    with pytest.raises(ImproperlyConfigured) as caught:
        get_connection("twilio")
    assert named in str(caught.value)
    assert AUTH_TOKEN not in str(caught.value)


def test_twilio_keyword_arguments_override_the_settings(twilio_settings):
    transport = RecordingHttpClient()
    connection = get_connection(
        "twilio", account_sid="AC" + "9" * 32, auth_token="other", from_number="+15005550001", http_client=transport
    )
    send_sms(TO, BODY, connection=connection)
    [request] = transport.requests
    assert request.url == MESSAGES_URL.replace(ACCOUNT_SID, "AC" + "9" * 32)
    assert request.auth == ("AC" + "9" * 32, "other")
    assert request.data["From"] == "+15005550001"


# Every failing answer carries the body and the token in Twilio's text, to prove neither gets through.
LEAKY = f"Rejected {BODY} for {AUTH_TOKEN}"


@pytest.mark.parametrize(
    ("answer", "status", "code", "expected"),
    [
        (twilio_error(400, 21211, LEAKY), 400, 21211, "HTTP 400, Twilio error 21211"),
        (twilio_error(401, 20003, LEAKY), 401, 20003, "HTTP 401, Twilio error 20003"),
        (twilio_error(429, 20429, LEAKY), 429, 20429, "HTTP 429, Twilio error 20429"),
        (twilio_error(500, 20500, LEAKY), 500, 20500, "HTTP 500, Twilio error 20500"),
        (problem_details(400, 21610, LEAKY), 400, 21610, "HTTP 400, Twilio error 21610"),
        (requests.exceptions.Timeout(LEAKY), None, None, "did not answer within 4"),
        (requests.exceptions.ConnectionError(LEAKY), None, None, "Could not reach Twilio (ConnectionError)"),
    ],
    ids=["400", "401", "429", "500", "rfc9457", "timeout", "connection"],
)
def test_twilio_failures_raise_safe_delivery_errors(twilio_settings, sms_log, answer, status, code, expected):
    transport = RecordingHttpClient(timeout=4, answers=[answer])
    with pytest.raises(SMSDeliveryError) as caught:
        send_sms(TO, BODY, connection=get_connection("twilio", http_client=transport))
    error = caught.value
    assert expected in str(error)
    assert (error.status, error.code) == (status, code)
    assert error.__cause__ is None and error.__suppress_context__  # Twilio's text is not chained
    assert any(record.name == "twofactor.sms" and expected in record.getMessage() for record in sms_log.records)
    for text in (str(error), sms_log.text):
        assert BODY not in text
        assert "493817" not in text
        assert AUTH_TOKEN not in text


def test_twilio_answer_without_json_is_a_delivery_error(twilio_settings):
    transport = RecordingHttpClient(answers=[Response(503, "<html>Service Unavailable</html>")])
    with pytest.raises(SMSDeliveryError, match="HTTP 503"):
        send_sms(TO, BODY, connection=get_connection("twilio", http_client=transport))


def test_twilio_fail_silently_returns_zero_and_keeps_going(twilio_settings, sms_log):
    transport = RecordingHttpClient(answers=[twilio_error(429, 20429, LEAKY), message_created()])
    connection = get_connection("twilio", fail_silently=True, http_client=transport)
    assert connection.send_messages([SMSMessage(TO, BODY), SMSMessage("+14155550124", BODY)]) == 1
    assert len(transport.requests) == 2
    assert "HTTP 429" in sms_log.text
    assert BODY not in sms_log.text
    assert AUTH_TOKEN not in sms_log.text


def test_twilio_success_logs_neither_token_nor_body(twilio_settings, sms_log):
    sms_log.set_level(logging.DEBUG, logger="twilio")
    send_sms(TO, BODY, connection=get_connection("twilio", http_client=RecordingHttpClient()))
    assert BODY not in sms_log.text
    assert AUTH_TOKEN not in sms_log.text
