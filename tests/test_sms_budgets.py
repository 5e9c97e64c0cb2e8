"""Texts to unproven numbers spend their own budgets; TWOFACTOR_SMS_ALLOWED_REGIONS keeps texts at home."""

import pytest

from tests.api_client import ApiClient, error_of
from tests.conftest import PASSWORD, make_user
from twofactor import sms
from twofactor.methods.sms.models import SMSDevice

pytestmark = pytest.mark.django_db


def enrolling(username: str, address: str = "127.0.0.1") -> ApiClient:
    make_user(username)
    api = ApiClient(REMOTE_ADDR=address)
    api.login(username, PASSWORD)
    return api


def test_enrolment_texts_never_spend_the_sign_in_budget(settings):
    settings.TWOFACTOR_SMS_ENROLMENT_LIMIT_SITE_HOUR = 1
    settings.TWOFACTOR_SMS_LIMIT_SITE_HOUR = 1
    assert enrolling("a", "192.0.2.1").post("/2fa/setup/sms", {"phone": "+14155550101"}).status_code == 200
    error_of(enrolling("b", "192.0.2.2").post("/2fa/setup/sms", {"phone": "+14155550102"}), 429, "throttled")
    texter = make_user("texter")
    SMSDevice.objects.create(user=texter, name="Text", phone_number="+14155550100", confirmed=True)
    api = ApiClient()
    api.login("texter", PASSWORD)
    assert api.post("/2fa/challenge", {"method": "sms"}).status_code == 200
    assert [message.to for message in sms.outbox] == ["+14155550101", "+14155550100"]


def test_enrolment_texts_are_limited_per_client_address(settings):
    settings.TWOFACTOR_SMS_ENROLMENT_LIMIT_PER_IP_HOUR = 1
    assert enrolling("a").post("/2fa/setup/sms", {"phone": "+14155550101"}).status_code == 200
    error_of(enrolling("b").post("/2fa/setup/sms", {"phone": "+14155550102"}), 429, "throttled")
    assert enrolling("c", "192.0.2.3").post("/2fa/setup/sms", {"phone": "+14155550103"}).status_code == 200


def test_only_allowed_regions_receive_texts(settings):
    settings.TWOFACTOR_SMS_ALLOWED_REGIONS = ["GB"]
    error = error_of(enrolling("a").post("/2fa/setup/sms", {"phone": "+14155550101"}), 400, "validation_error")
    assert "cannot send text messages to numbers in that country" in error["fields"]["phone"]
    answer = enrolling("b").post("/2fa/setup/sms", {"phone": "+44 7400 123456"})
    assert answer.status_code == 200, answer.content
    texter = make_user("texter")
    SMSDevice.objects.create(user=texter, name="Text", phone_number="+14155550100", confirmed=True)
    api = ApiClient()
    api.login("texter", PASSWORD)
    error_of(api.post("/2fa/challenge", {"method": "sms"}), 400, "invalid_method")
    assert [message.to for message in sms.outbox] == ["+447400123456"]
