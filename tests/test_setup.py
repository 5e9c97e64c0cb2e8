"""flows.setup: what storing a method leaves behind (the backup codes, the security record), over the API."""

import time

import pyotp
import pytest

from tests.support.api_client import ApiClient, error_of, last_emailed_code
from tests.support.users import PASSWORD, make_user
from twofactor import activity
from twofactor.methods.backup.models import BackupCodeDevice
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import SecurityEvent

pytestmark = pytest.mark.django_db


def first_method(api: ApiClient) -> dict:
    totp = pyotp.parse_uri(api.post("/2fa/setup/totp").json()["otpauth_uri"])
    response = api.post("/2fa/setup/confirm", {"code": totp.now()})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_first_method_comes_with_backup_codes_and_the_record_says_both(settings):
    alice = make_user("alice")
    api = ApiClient()
    api.login("alice", PASSWORD)
    body = first_method(api)
    assert len(body["backup_codes"]) == 10
    added = SecurityEvent.objects.get(user=alice, kind=SecurityEvent.Kind.METHOD_ADDED)
    device = TOTPDevice.objects.get(user=alice)
    assert added.data["method"] == "totp" and added.data["name"] == device.name  # the record names the device
    made = SecurityEvent.objects.get(user=alice, kind=SecurityEvent.Kind.BACKUP_CODES_GENERATED)
    assert made.data["count"] == 10 and "10" in activity.describe(made)


def test_a_second_method_keeps_the_backup_codes_and_shows_none(settings):
    alice = make_user("alice")
    api = ApiClient()
    api.login("alice", PASSWORD)
    codes = first_method(api)["backup_codes"]
    before = list(BackupCodeDevice.objects.filter(user=alice).values_list("pk", flat=True))
    assert api.post("/2fa/setup/email", {"email": "alice@example.com"}).status_code == 200
    response = api.post("/2fa/setup/confirm", {"code": last_emailed_code()})
    assert response.status_code == 200, response.content
    assert response.json()["backup_codes"] is None
    assert list(BackupCodeDevice.objects.filter(user=alice).values_list("pk", flat=True)) == before
    assert SecurityEvent.objects.filter(user=alice, kind=SecurityEvent.Kind.BACKUP_CODES_GENERATED).count() == 1
    assert len(codes) == 10


def test_an_enrolment_of_a_method_the_site_no_longer_offers_is_dropped_with_a_clear_answer(settings):
    """The site turned a method off while someone was setting it up: confirming says so, and starts afresh."""
    from twofactor.flows.setup import PENDING_KEY

    make_user("alice")
    api = ApiClient()
    api.login("alice", PASSWORD)
    session = api.django.session
    session[PENDING_KEY] = {"method": "retired", "started_at": time.time(), "failures": 0}
    session.save()
    said = {}
    for language in ("fr", "en"):
        response = api.post("/2fa/setup/confirm", {"code": "123456"}, headers={"accept-language": language})
        said[language] = error_of(response, 409, "no_pending_setup")["message"]
        assert PENDING_KEY not in api.django.session
        session = api.django.session
        session[PENDING_KEY] = {"method": "retired", "started_at": time.time(), "failures": 0}
        session.save()
    assert said["fr"] != said["en"]
