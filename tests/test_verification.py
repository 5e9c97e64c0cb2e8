"""twofactor.verification.verify_code, directly and fast: the throttle, the count, exactly once.

The same guarantees under 16 real threads are in test_concurrency.py (run on PostgreSQL as well).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.authenticator_clock import AuthenticatorClock
from twofactor.methods.totp.models import TOTPDevice
from twofactor.verification import verify_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return AuthenticatorClock(monkeypatch)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1000000:06d}"


def later(monkeypatch, seconds: float) -> None:
    moved = timezone.now() + timedelta(seconds=seconds)
    monkeypatch.setattr(timezone, "now", lambda: moved)


def test_a_throttled_device_refuses_even_the_right_code_until_its_back_off_ends(totp_user, clock, monkeypatch):
    _user, device, totp = totp_user
    code = clock.code(totp)
    first = verify_code(device, wrong(code))
    assert (first.accepted, first.throttled, first.failure_count) == (False, False, 1)
    refused = verify_code(device, code)
    assert refused.throttled and not refused.accepted
    assert refused.retry_after == 1 and refused.failure_count == 1  # django-otp's back-off: 1, 2, 4 … seconds
    later(monkeypatch, 1.5)
    assert verify_code(device, code).accepted


def test_retry_after_is_the_whole_seconds_left_of_the_back_off(totp_user, clock, monkeypatch, settings):
    settings.TWOFACTOR_THROTTLE_FACTOR = 10
    _user, device, totp = totp_user
    code = clock.code(totp)
    assert verify_code(device, wrong(code)).failure_count == 1
    later(monkeypatch, 2.5)
    refused = verify_code(device, code)
    assert refused.throttled and refused.retry_after == 8  # 10 s back-off, 2.5 s gone: 7.5 s, rounded up


def test_every_failure_is_stored_and_a_success_clears_them(totp_user, clock, monkeypatch):
    _user, device, totp = totp_user
    code = clock.code(totp)
    verify_code(device, wrong(code))
    stored = TOTPDevice.objects.get(pk=device.pk)
    assert stored.throttling_failure_count == 1 and stored.throttling_failure_timestamp is not None
    later(monkeypatch, 2)
    assert verify_code(device, wrong(code)).failure_count == 2
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 2
    later(monkeypatch, 10)
    result = verify_code(device, code)
    assert result.accepted and result.failure_count == 0
    stored = TOTPDevice.objects.get(pk=device.pk)
    assert stored.throttling_failure_count == 0 and stored.last_used_at is not None


def test_a_code_is_accepted_once(totp_user, clock):
    _user, device, totp = totp_user
    code = clock.code(totp)
    assert verify_code(device, code).accepted
    assert not verify_code(TOTPDevice.objects.get(pk=device.pk), code).accepted


def test_an_unconfirmed_or_removed_device_accepts_nothing(totp_user, clock):
    _user, device, totp = totp_user
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    result = verify_code(device, clock.code(totp))
    assert (result.accepted, result.device) == (False, None)
    TOTPDevice.objects.filter(pk=device.pk).delete()
    assert verify_code(device, clock.code(totp)).accepted is False


def test_the_result_names_the_locked_device_as_stored(totp_user, clock):
    _user, device, totp = totp_user
    result = verify_code(TOTPDevice.objects.get(pk=device.pk), clock.code(totp))
    assert result.accepted and result.device.pk == device.pk and result.device.last_used_at is not None
