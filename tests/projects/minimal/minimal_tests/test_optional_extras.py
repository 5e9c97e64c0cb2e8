"""The wheel's extras: without them the site offers TOTP, email and backup codes and never imports twilio,
phonenumbers or webauthn (not even to load the models or run the migrations); with [sms,passkeys] it offers the
text-message and passkey methods too."""

import re
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.checks import run_checks
from django.test import Client

from twofactor import sms
from twofactor.core import registry

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-password-for-tests"
OPTIONAL = ("twilio", "phonenumbers", "phonenumber_field", "webauthn")
WITH_EXTRAS = settings.MINIMAL_EXTRAS == "sms,passkeys"


def api(client, path, body=None):
    response = client.post(f"/security/api/{path}", body or {}, content_type="application/json")
    return response.status_code, response.json()


def signed_in_without_a_method(email="new@example.org"):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(email, PASSWORD)
    client = Client()
    status, session = api(client, "login", {"username": email, "password": PASSWORD})
    assert status == 200 and session["two_factor"]["state"] == "setup"
    return client


def six_digits(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


@pytest.mark.skipif(WITH_EXTRAS, reason="the wheel was installed with its extras")
def test_a_totp_and_email_site_imports_no_optional_library():
    assert [method.key for method in registry.methods()] == ["totp", "email", "backup"]
    assert not [message for message in run_checks() if message.is_serious()]
    client = signed_in_without_a_method()
    page = client.get("/security/2fa/setup/")
    assert page.status_code == 200 and b"Text message" not in page.content and b"Passkey" not in page.content
    status, sent = api(client, "2fa/setup/email", {})
    assert status == 200 and sent["sent_to"].endswith("@example.org")
    status, stored = api(client, "2fa/setup/confirm", {"code": six_digits(mail.outbox[-1].body)})
    assert status == 200 and stored["device"]["method"] == "email" and len(stored["backup_codes"]) == 10
    assert "/2fa/setup/sms" not in client.get("/security/api/openapi.json").json()["paths"]
    assert [name for name in OPTIONAL if name in sys.modules] == []
    for name in OPTIONAL:
        with pytest.raises(ImportError):
            __import__(name)  # not installed at all: the wheel does not require them


@pytest.mark.skipif(not WITH_EXTRAS, reason="the wheel was installed without extras")
def test_with_the_extras_texts_and_passkeys_work_too():
    assert [method.key for method in registry.methods()] == ["totp", "sms", "email", "passkey", "backup"]
    assert not [message for message in run_checks() if message.is_serious()]
    client = signed_in_without_a_method()
    status, sent = api(client, "2fa/setup/sms", {"phone": "+14155550123"})
    assert status == 200 and sent["sent_to"].endswith("23")
    status, stored = api(client, "2fa/setup/confirm", {"code": six_digits(sms.outbox[-1].body)})
    assert status == 200 and stored["device"]["method"] == "sms"
    status, options = api(signed_in_without_a_method("other@example.org"), "2fa/setup/passkey/begin", {"name": "Key"})
    assert status == 200 and options["publicKey"]["rp"]["id"] == "localhost"
    assert {"phonenumbers", "phonenumber_field", "webauthn"} <= set(sys.modules)
