"""Fixtures for code delivery: a real SMTP server on localhost, one that is down, and Twilio behind the fake transport.

A pytest plugin (tests/conftest.py lists it in pytest_plugins): a test names the fixture it needs as a parameter
(smtp_server, smtp_down, twilio, twofactor_logs), nothing to import. The plain helpers (code_in, use_smtp,
free_port, TWILIO_FROM) are imported by name.
"""

import email
import email.policy
import logging
import re
import socket
from dataclasses import dataclass, field

import pytest

TWILIO_FROM = "+15005550006"
CODE = re.compile(r"\b(\d{6})\b")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    @property
    def code(self) -> str:
        return code_in(self.text)


@dataclass
class MailSink:
    """What the aiosmtpd handler received, in order."""

    mails: list[ReceivedMail] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match, f"no 6-digit code in {text!r}"
    return match.group(1)


def use_smtp(settings, port: int) -> None:
    """Point Django's SMTP backend at 127.0.0.1:`port`."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free localhost port, with Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller  # here: the plugin loads wherever the tests run, aiosmtpd is dev-only

    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_down(settings):
    """Django's SMTP backend pointed at a localhost port where nothing listens."""
    use_smtp(settings, free_port())


@pytest.fixture
def twilio(settings):
    """The twilio backend with the real client over the recording transport; returns the client class."""
    from tests.support.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, RecordingHttpClient, ScriptedTwilioClient

    settings.TWOFACTOR_SMS_BACKEND = "twilio"
    settings.TWOFACTOR_TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWOFACTOR_TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWOFACTOR_TWILIO_FROM_NUMBER = TWILIO_FROM
    settings.TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWOFACTOR_TWILIO_HTTP_CLIENT = "tests.support.twilio_fake.ScriptedTwilioClient"
    RecordingHttpClient.instances.clear()
    ScriptedTwilioClient.script = []
    yield ScriptedTwilioClient
    RecordingHttpClient.instances.clear()
    ScriptedTwilioClient.script = []


@pytest.fixture
def twofactor_logs(caplog):
    """caplog, also catching the "twofactor" logger (which does not propagate in the site's settings)."""
    logger = logging.getLogger("twofactor")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
