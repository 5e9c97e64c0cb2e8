"""A method declares its own settings (`Method.settings_class`): the SMS, Twilio, WebAuthn, email-enrolment and
backup-code settings left the core's list, keep their TWOFACTOR_* names and defaults, and read through the core's
settings object as well as the method's own."""

import pytest

from twofactor.app_settings import AppSettings, app_settings
from twofactor.core import registry
from twofactor.methods.passkey.settings import passkey_settings
from twofactor.methods.sms.settings import sms_settings

#: Each method's settings and their defaults, as they were in the core's list.
DEFAULTS = {
    "sms": {
        "SMS_BACKEND": "console",
        "SMS_FILE_PATH": "",
        "SEND_LIMIT_PER_PHONE_HOUR": 5,
        "SMS_LIMIT_SITE_HOUR": 500,
        "SMS_ENROLMENT_LIMIT_SITE_HOUR": 100,
        "SMS_ENROLMENT_LIMIT_PER_PHONE_HOUR": 3,
        "SMS_ENROLMENT_LIMIT_PER_IP_HOUR": 10,
        "SMS_ALLOWED_REGIONS": [],
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
        "TWILIO_FROM_NUMBER": "",
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "TWILIO_TIMEOUT_SECONDS": 10.0,
        "TWILIO_HTTP_CLIENT": "",
    },
    "email": {"EMAIL_ENROLMENT_LIMIT_PER_ADDRESS_HOUR": 3, "EMAIL_ENROLMENT_LIMIT_PER_IP_HOUR": 10},
    "passkey": {
        "WEBAUTHN_RP_ID": "",
        "WEBAUTHN_ORIGINS": [],
        "WEBAUTHN_USER_VERIFICATION": "preferred",
        "WEBAUTHN_ATTESTATION": "none",
        "WEBAUTHN_CHALLENGE_SECONDS": 300,
        "WEBAUTHN_BEGINS_PER_IP": 60,
        "WEBAUTHN_ASSERTIONS_PER_IP": 20,
        "WEBAUTHN_PASSWORDLESS": True,
    },
    "backup": {"BACKUP_CODE_COUNT": 10},
}


@pytest.fixture
def defaults_only(settings):
    for names in DEFAULTS.values():
        for name in names:
            if hasattr(settings, f"TWOFACTOR_{name}"):
                delattr(settings, f"TWOFACTOR_{name}")


@pytest.mark.parametrize("key", DEFAULTS)
def test_each_method_declares_its_settings_with_the_same_names_and_defaults(key, defaults_only):
    method = registry.get(key)
    declared = method.settings_class()
    for name, default in DEFAULTS[key].items():
        assert not isinstance(getattr(AppSettings, name, None), property), f"{name} is still the core's"
        assert getattr(declared, name) == default, name
        assert getattr(app_settings, name) == default, name  # read through the core's settings object


def test_a_methods_setting_is_read_from_the_project_settings(settings):
    settings.TWOFACTOR_SMS_BACKEND = "locmem"
    settings.TWOFACTOR_WEBAUTHN_ORIGINS = "https://example.com"
    assert sms_settings.SMS_BACKEND == app_settings.SMS_BACKEND == "locmem"
    assert passkey_settings.WEBAUTHN_ORIGINS == app_settings.WEBAUTHN_ORIGINS == ["https://example.com"]
    settings.TWOFACTOR_ISSUER = "Example"
    assert passkey_settings.WEBAUTHN_RP_NAME == "Example"  # a method's default may read the core's settings


def test_a_setting_nobody_declares_is_an_attribute_error():
    name = "NO_SUCH_THING"
    with pytest.raises(AttributeError, match="TWOFACTOR_NO_SUCH_THING"):
        getattr(app_settings, name)
    assert not hasattr(app_settings, name)
