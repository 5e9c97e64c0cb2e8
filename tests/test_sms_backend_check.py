"""System check twofactor.E008: the SMS backend named by TWOFACTOR_SMS_BACKEND must work (a check of the SMS method:
it runs only while TWOFACTOR_METHODS offers it)."""

import pytest
from django.core.checks import run_checks

from twofactor.methods.sms.checks import backend_errors


def ids(errors) -> list[str]:
    return [error.id for error in errors]


@pytest.mark.parametrize("backend", ["console", "locmem", "twofactor.sms.backends.console.SMSBackend"])
def test_working_backends_pass(settings, backend):
    settings.TWOFACTOR_SMS_BACKEND = backend
    assert backend_errors() == []


@pytest.mark.parametrize("backend", ["carrier-pigeon", "no.such.module.SMSBackend", "os.path.join"])
def test_an_unknown_backend_is_an_error_with_a_hint(settings, backend):
    settings.TWOFACTOR_SMS_BACKEND = backend
    [error] = backend_errors()
    assert error.id == "twofactor.E008"
    assert repr(backend) in error.msg and "console, file, locmem, twilio" in error.hint


def test_twilio_without_credentials_names_what_is_missing(settings):
    settings.TWOFACTOR_SMS_BACKEND = "twilio"
    settings.TWOFACTOR_TWILIO_ACCOUNT_SID = "AC123"
    settings.TWOFACTOR_TWILIO_AUTH_TOKEN = ""
    settings.TWOFACTOR_TWILIO_FROM_NUMBER = ""
    settings.TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = ""
    [error] = backend_errors()
    assert error.id == "twofactor.E008"
    # Named as the app's settings, not as this site's environment variables.
    assert "TWOFACTOR_TWILIO_AUTH_TOKEN" in error.msg
    assert "TWOFACTOR_TWILIO_FROM_NUMBER or TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID" in error.msg
    assert "ACCOUNT_SID" not in error.msg and "TWOFACTOR_TWILIO_ACCOUNT_SID" in error.hint


@pytest.mark.parametrize("sender", ["TWOFACTOR_TWILIO_FROM_NUMBER", "TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID"])
def test_twilio_with_credentials_and_a_sender_passes(settings, sender):
    settings.TWOFACTOR_SMS_BACKEND = "twilio"
    settings.TWOFACTOR_TWILIO_ACCOUNT_SID = "AC123"
    settings.TWOFACTOR_TWILIO_AUTH_TOKEN = "token"
    settings.TWOFACTOR_TWILIO_FROM_NUMBER = ""
    settings.TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = ""
    setattr(settings, sender, "+15005550006" if "NUMBER" in sender else "MG123")
    assert backend_errors() == []


def test_the_file_backend_needs_a_folder(settings, tmp_path):
    settings.TWOFACTOR_SMS_BACKEND = "file"
    settings.TWOFACTOR_SMS_FILE_PATH = ""
    assert ids(backend_errors()) == ["twofactor.E008"]
    settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path)
    assert backend_errors() == []


def test_the_sms_checks_run_only_while_the_method_is_offered(settings):
    """A site without text messages is not asked to configure them: neither E008 nor E011 (DEBUG off, texts written
    to the console) fires when TWOFACTOR_METHODS leaves the SMS method out."""
    settings.DEBUG = False
    settings.TWOFACTOR_SMS_BACKEND = "console"
    assert "twofactor.E011" in ids(run_checks())
    settings.TWOFACTOR_SMS_BACKEND = "carrier-pigeon"
    assert "twofactor.E008" in ids(run_checks())
    settings.TWOFACTOR_METHODS = [path for path in settings.TWOFACTOR_METHODS if ".sms." not in path]
    assert not {"twofactor.E008", "twofactor.E011"} & set(ids(run_checks()))
