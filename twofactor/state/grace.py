"""The grace period: a newly required user without a method may go on until a deadline, then must set one up.

The deadline is stored per user (EnrolmentDeadline), set the first time the user is seen required without a
method, TWOFACTOR_GRACE_DAYS (TWOFACTOR_STAFF_GRACE_DAYS for staff and superusers) from then. Staff can see
and move it in the admin. A user with a method never reaches this module (sign_in.begin asks for their second
step first): the grace period is for adoption, not a way around the second step.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone, translation

from ..app_settings import app_settings
from ..models import EnrolmentDeadline

DAY_SECONDS = 24 * 60 * 60


def grace_days_for(user) -> int:
    if user.is_staff or user.is_superuser:
        return app_settings.STAFF_GRACE_DAYS
    return app_settings.GRACE_DAYS


def deadline_for(user) -> datetime | None:
    """The future deadline of a required user without a method; None when they must set a method up now.

    The first call for a user stores the deadline (and the page's language, for the reminders); later calls
    read it (one query), so a deadline staff moved in the admin applies at the user's next request.
    """
    if app_settings.GRACE_DAYS <= 0 and app_settings.STAFF_GRACE_DAYS <= 0:
        return None  # no grace at all: nothing to store or read
    now = timezone.now()
    language = (translation.get_language() or "")[:16]
    record = EnrolmentDeadline.objects.filter(user_id=user.pk).first()
    if record is None:
        days = grace_days_for(user)
        if days <= 0:
            return None
        record, _created = EnrolmentDeadline.objects.get_or_create(
            user_id=user.pk, defaults={"deadline": now + timedelta(days=days), "language": language}
        )
    elif language and record.language != language and record.deadline > now:
        EnrolmentDeadline.objects.filter(pk=record.pk).update(language=language)
    return record.deadline if record.deadline > now else None


def end_grace(user) -> None:
    """No grace (any more) for `user`: a staff reset means "set up a new method at the next sign-in"."""
    now = timezone.now()
    record, created = EnrolmentDeadline.objects.get_or_create(user_id=user.pk, defaults={"deadline": now})
    if not created and record.deadline > now:
        EnrolmentDeadline.objects.filter(pk=record.pk).update(deadline=now)


def days_left(deadline: datetime | float, now: datetime | None = None) -> int:
    """Whole days until the deadline, counting a part of a day as one (the last day is "1 day left")."""
    if not isinstance(deadline, datetime):
        deadline = datetime.fromtimestamp(deadline, tz=timezone.get_current_timezone())
    seconds = (deadline - (now or timezone.now())).total_seconds()
    return max(0, math.ceil(seconds / DAY_SECONDS))


@dataclass(frozen=True)
class Grace:
    """What the banner and the API say about a session in grace (read from the session: no query)."""

    deadline: datetime
    days_left: int


def of_session(current) -> Grace | None:
    """The grace of a session's state record (state.SignInState in state "grace"), else None."""
    if current is None or current.deadline is None:
        return None
    deadline = datetime.fromtimestamp(current.deadline, tz=timezone.get_current_timezone())
    return Grace(deadline=deadline, days_left=days_left(deadline))
