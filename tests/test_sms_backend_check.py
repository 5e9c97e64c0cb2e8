"""System check twofactor.E008: the SMS backend named by TWOFACTOR_SMS_BACKEND must work."""

import pytest

from twofactor.checks import check_sms_backend


def ids(errors) -> list[str]:
    return [error.id for error in errors]


@pytest.mark.parametrize("backend", ["console", "locmem", "twofactor.sms.backends.console.SMSBackend"])
def test_working_backends_pass(settings, backend):
    settings.TWOFACTOR_SMS_BACKEND = backend
    assert check_sms_backend(None) == []


@pytest.mark.parametrize("backend", ["carrier-pigeon", "no.such.module.SMSBackend", "os.path.join"])
def test_an_unknown_backend_is_an_error_with_a_hint(settings, backend):
    settings.TWOFACTOR_SMS_BACKEND = backend
    [error] = check_sms_backend(None)
    assert error.id == "twofactor.E008"
    assert repr(backend) in error.msg and "console, file, locmem, twilio" in error.hint


def test_twilio_without_credentials_names_what_is_missing(settings):
    settings.TWOFACTOR_SMS_BACKEND = "twilio"
    settings.TWOFACTOR_TWILIO_ACCOUNT_SID = "AC123"
    settings.TWOFACTOR_TWILIO_AUTH_TOKEN = ""
    settings.TWOFACTOR_TWILIO_FROM_NUMBER = ""
    settings.TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = ""
    [error] = check_sms_backend(None)
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
    assert check_sms_backend(None) == []


def test_the_file_backend_needs_a_folder(settings, tmp_path):
    settings.TWOFACTOR_SMS_BACKEND = "file"
    settings.TWOFACTOR_SMS_FILE_PATH = ""
    assert ids(check_sms_backend(None)) == ["twofactor.E008"]
    settings.TWOFACTOR_SMS_FILE_PATH = str(tmp_path)
    assert check_sms_backend(None) == []
