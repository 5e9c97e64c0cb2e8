"""manage.py twofactor_prune_events: security events past the retention period are deleted, the rest kept."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.support.users import make_user
from twofactor.models import SecurityEvent

pytestmark = pytest.mark.django_db
Kind = SecurityEvent.Kind


def _events_aged(user, *days: int) -> None:
    now = timezone.now()
    for age in days:
        event = SecurityEvent.objects.create(user=user, kind=Kind.SIGNED_IN)
        SecurityEvent.objects.filter(pk=event.pk).update(created_at=now - timedelta(days=age, minutes=1))


def _prune(*args) -> str:
    out = StringIO()
    call_command("twofactor_prune_events", *args, stdout=out)
    return out.getvalue()


def test_events_older_than_the_retention_setting_are_deleted_in_batches(settings):
    settings.TWOFACTOR_EVENT_RETENTION_DAYS = 30
    user = make_user()
    _events_aged(user, 0, 29, 31, 400, 401, 402, 403)
    assert "Deleted 5 security event(s) older than 30 days" in _prune("--batch-size", "3")
    kept = sorted((timezone.now() - event.created_at).days for event in SecurityEvent.objects.all())
    assert kept == [0, 29]


def test_the_default_keeps_a_year_and_days_overrides_it():
    user = make_user()
    _events_aged(user, 10, 364, 366)
    assert "Deleted 1 " in _prune()
    assert "Deleted 1 " in _prune("--days", "100")
    assert SecurityEvent.objects.count() == 1


def test_zero_keeps_every_event(settings):
    settings.TWOFACTOR_EVENT_RETENTION_DAYS = 0
    _events_aged(make_user(), 5000)
    assert "nothing deleted" in _prune()
    assert SecurityEvent.objects.count() == 1


def test_nonsense_arguments_are_refused():
    with pytest.raises(CommandError):
        _prune("--days", "-1")
    with pytest.raises(CommandError):
        _prune("--batch-size", "0")
