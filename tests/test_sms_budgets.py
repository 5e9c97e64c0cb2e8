"""Texts to unproven numbers spend their own budgets; TWOFACTOR_SMS_ALLOWED_REGIONS keeps texts at home."""

import pytest

from tests.support.api_client import ApiClient, error_of
from tests.support.users import PASSWORD, make_user
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


def test_strangers_enrolling_the_owners_number_neither_flood_it_nor_keep_its_sign_in_texts_away(settings):
    """New accounts from many addresses each enrol the owner's number: the number gets at most
    TWOFACTOR_SMS_ENROLMENT_LIMIT_PER_PHONE_HOUR enrolment texts, and the owner's sign-in text still arrives."""
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0  # what must hold across accounts is the cap, not the cooldown
    owners_number = "+14155550100"
    owner = make_user("owner")
    SMSDevice.objects.create(user=owner, name="Text", phone_number=owners_number, confirmed=True)
    statuses = [
        enrolling(f"stranger{number}", f"192.0.2.{10 + number}")
        .post("/2fa/setup/sms", {"phone": owners_number})
        .status_code
        for number in range(6)
    ]
    assert statuses == [200, 200, 200, 429, 429, 429]
    api = ApiClient()
    api.login("owner", PASSWORD)
    assert api.post("/2fa/challenge", {"method": "sms"}).status_code == 200
    assert [message.to for message in sms.outbox] == [owners_number] * 4
