"""manage.py twofactor_send_reminders (twofactor.flows.reminders): which point is due, once, and a mail that
could not go out is tried again."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor.flows.reminders import due_point, send_reminders
from twofactor.models import EnrolmentDeadline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required_with_grace(settings):
    settings.TWOFACTOR_REQUIRED = "all"
    settings.TWOFACTOR_GRACE_DAYS = 14
    settings.TWOFACTOR_SITE_URL = "https://example.com"


def _in_grace(username: str, days_left: float, **extra):
    user = make_user(username, **extra)
    EnrolmentDeadline.objects.create(user=user, deadline=timezone.now() + timedelta(days=days_left))
    return user


@pytest.mark.parametrize(
    ("days_left", "already", "expected"),
    [(10, None, None), (7, None, 7), (5, None, 7), (3, 7, 3), (2, 3, None), (1, 3, 1), (1, None, 1), (1, 1, None)],
)
def test_the_nearest_point_not_yet_mailed_is_due(days_left, already, expected):
    assert due_point(days_left, already) == expected


def test_one_mail_per_point_however_often_the_command_runs():
    _in_grace("anna", 6.5)
    call_command("twofactor_send_reminders")
    call_command("twofactor_send_reminders")
    assert [message.to for message in mail.outbox] == [["anna@example.com"]]
    message = mail.outbox[0]
    assert "7 days left" in message.body and "https://example.com/2fa/setup/" in message.body
    assert EnrolmentDeadline.objects.get(user__username="anna").reminded_days == 7


def test_a_first_run_close_to_the_deadline_sends_one_mail_not_one_per_point_passed():
    _in_grace("bert", 0.5)
    assert send_reminders().sent == 1
    assert len(mail.outbox) == 1 and "1 day left" in mail.outbox[0].body


def test_nobody_with_a_method_no_longer_required_inactive_or_past_the_deadline_is_mailed(settings):
    add_totp(_in_grace("with_method", 2))
    _in_grace("inactive", 2, is_active=False)
    user = make_user("late")
    EnrolmentDeadline.objects.create(user=user, deadline=timezone.now() - timedelta(hours=1))
    settings.TWOFACTOR_REQUIRED = "staff"
    _in_grace("not_required", 2)
    assert send_reminders().sent == 0 and not mail.outbox


@pytest.fixture
def staff_client():
    admin = make_user("root", is_staff=True, is_superuser=True)
    _device, totp = add_totp(admin)
    client = Client()
    sign_in(client, "root")
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return client


def test_a_moved_deadline_starts_the_reminders_again(staff_client):
    user = _in_grace("carl", 1)
    send_reminders()
    record = EnrolmentDeadline.objects.get(user=user)
    assert record.reminded_days == 1
    later = (timezone.now() + timedelta(days=6, hours=12)).strftime("%Y-%m-%d %H:%M:%S")
    date, time = later.split(" ")
    response = staff_client.post(
        f"/admin/twofactor/enrolmentdeadline/{user.pk}/change/", {"deadline_0": date, "deadline_1": time}
    )
    assert response.status_code == 302, response.content
    assert EnrolmentDeadline.objects.get(user=user).reminded_days is None
    assert send_reminders().sent == 1 and "7 days left" in mail.outbox[-1].body


def test_a_reminder_that_could_not_be_sent_is_tried_again_at_the_next_run(smtp_down, settings):
    _in_grace("dora", 3)
    assert send_reminders().failed == 1
    assert EnrolmentDeadline.objects.get(user__username="dora").reminded_days is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_reminders().sent == 1


def test_the_reminder_speaks_the_language_recorded_with_the_deadline():
    user = _in_grace("emil", 3)
    EnrolmentDeadline.objects.filter(user=user).update(language="de")
    send_reminders()
    assert "noch 3 Tage" in mail.outbox[0].body and "Zwei-Faktor" in mail.outbox[0].subject
