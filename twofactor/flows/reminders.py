"""Grace-period reminders: each user in grace is mailed at TWOFACTOR_REMINDER_DAYS before the deadline.

At most once per point, even when run twice at once: a point is claimed with a conditional UPDATE before
the mail goes, and given back if the mail could not be sent. A user whose deadline is nearer than several
points (a short grace period, or a first run) gets one mail, for the nearest. In the user's language.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..app_settings import app_settings
from ..core import registry
from ..links import absolute_url
from ..models import EnrolmentDeadline
from ..state import grace, policy
from ..users import account_address

SUBJECT = _("Set up two-factor authentication for your %(site_name)s account")


@dataclass(frozen=True)
class RemindersSent:
    sent: int
    failed: int


def in_grace_without_method(now=None):
    """Deadlines still ahead of active users who have no method (one query, however many methods)."""
    now = now or timezone.now()
    queryset = EnrolmentDeadline.objects.filter(deadline__gt=now, user__is_active=True).select_related("user")
    for method in registry.methods():
        queryset = queryset.exclude(user__in=method.get_model().objects.filter(confirmed=True).values("user"))
    return queryset.order_by("deadline")


def due_point(days_left: int, already: int | None) -> int | None:
    """The reminder point due `days_left` days before the deadline, or None (none due, or already sent)."""
    point = min((day for day in app_settings.REMINDER_DAYS if day >= days_left), default=None)
    if point is None or (already is not None and already <= point):
        return None
    return point


def send_reminders(now=None) -> RemindersSent:
    """Mail every user in grace whose next reminder point has come; idempotent."""
    from ..notifications import send_templated_mail, users_language

    now = now or timezone.now()
    sent = failed = 0
    for record in in_grace_without_method(now).iterator():
        left = grace.days_left(record.deadline, now)
        point = due_point(left, record.reminded_days)
        user = record.user
        address = account_address(user)
        if point is None or not address or not policy.required_for(user):
            continue
        before = (
            Q(reminded_days__isnull=True) if record.reminded_days is None else Q(reminded_days=record.reminded_days)
        )
        if not EnrolmentDeadline.objects.filter(before, pk=record.pk).update(reminded_days=point):
            continue  # another run took this point
        context = {
            "username": user.get_username(),
            "days_left": left,
            "deadline": record.deadline,
            "setup_url": absolute_url(reverse("twofactor:setup")),
        }
        with translation.override(record.language or users_language(user)):
            subject = SUBJECT % {"site_name": app_settings.ISSUER}
            delivered = send_templated_mail("reminder", subject, context, [address])
        if delivered:
            sent += 1
        else:  # give the point back: the next run tries again
            EnrolmentDeadline.objects.filter(pk=record.pk, reminded_days=point).update(
                reminded_days=record.reminded_days
            )
            failed += 1
    return RemindersSent(sent=sent, failed=failed)
