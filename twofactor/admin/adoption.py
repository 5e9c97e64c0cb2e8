"""Adoption: how far the site's users have come with two-factor, for staff (linked from the admin index).

Every number is an aggregate query, and the lists are capped, so the page costs the same few statements with
a hundred users or a million (tests/test_adoption.py holds it). The chart of enrolments per week is SVG drawn
on the server, with the same numbers in a table beside it.
"""

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..app_settings import app_settings
from ..core import registry
from ..state import grace
from ..state.policy import policy_callable

LISTED = 50  # rows of each list on the page; the CSV has them all
WEEKS = 12


def _has_method(method) -> Q:
    # IN (subquery), not EXISTS: PostgreSQL hashes the device table's user ids once (a hashed SubPlan), where a
    # correlated EXISTS inside COUNT(...) FILTER runs once per user (1.5 s instead of 0.1 s at 100,000 users).
    return Q(pk__in=method.get_model().objects.filter(confirmed=True).values("user_id"))


def _any_method() -> Q:
    """A user holds at least one method that is not only recovery codes."""
    condition = Q()
    for method in registry.methods():
        if not method.recovery:
            condition |= _has_method(method)
    return condition


def required_users():
    """Active users the policy requires, as a query: the policy's words and groups; a callable policy decides
    per user in Python, so for it the users already seen required (they have a deadline) stand in."""
    users = get_user_model()._default_manager.filter(is_active=True)
    policy = app_settings.REQUIRED
    if policy == "all":
        condition = Q()
    else:
        condition = Q(pk__in=[])
        if policy == "staff":
            condition |= Q(is_staff=True) | Q(is_superuser=True)
        if policy_callable() is not None:
            condition |= Q(twofactor_deadline__isnull=False)
        if app_settings.REQUIRED_GROUPS:
            condition |= Q(
                pk__in=get_user_model()._default_manager.filter(groups__name__in=app_settings.REQUIRED_GROUPS)
            )
    return users.filter(condition)


def without_method(users):
    """`users` who hold no method, with their deadline and their name and address under fixed names."""
    model = get_user_model()
    for method in registry.methods():  # NOT EXISTS each: anti-joins, which PostgreSQL runs as hash joins
        if not method.recovery:
            users = users.exclude(Exists(method.get_model().objects.filter(user=OuterRef("pk"), confirmed=True)))
    return users.annotate(
        deadline=F("twofactor_deadline__deadline"),
        account_name=F(model.USERNAME_FIELD),
        account_email=F(model.get_email_field_name()),
    )


FIELDS = ("pk", "account_name", "account_email", "deadline")


@dataclass
class Adoption:
    active: int = 0
    with_method: int = 0
    by_method: list = field(default_factory=list)  # (title, users, share %)
    by_group: list = field(default_factory=list)  # (group, members, with a method, share %)
    required_without: list = field(default_factory=list)
    required_without_count: int = 0
    past_deadline: list = field(default_factory=list)
    past_deadline_count: int = 0
    weekly: list = field(default_factory=list)  # (week's Monday, enrolments)


def share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def measure(now: datetime | None = None) -> Adoption:
    """The page's numbers: seven statements, whatever the number of users."""
    now = now or timezone.now()
    user_model = get_user_model()
    active = user_model._default_manager.filter(is_active=True)
    methods = [method for method in registry.methods() if not method.recovery]
    totals = active.aggregate(
        total=Count("pk"),
        any=Count("pk", filter=_any_method()),
        **{f"m_{method.key}": Count("pk", filter=_has_method(method)) for method in methods},
    )
    adoption = Adoption(active=totals["total"], with_method=totals["any"])
    adoption.by_method = [
        (method.title, totals[f"m_{method.key}"], share(totals[f"m_{method.key}"], totals["total"]))
        for method in methods
    ]
    groups = (
        active.filter(groups__isnull=False)
        .values("groups__name")
        .annotate(members=Count("pk"), adopted=Count("pk", filter=_any_method()))
        .order_by("groups__name")
    )
    adoption.by_group = [
        (row["groups__name"], row["members"], row["adopted"], share(row["adopted"], row["members"])) for row in groups
    ]
    missing = without_method(required_users())
    adoption.required_without_count = missing.count()
    adoption.required_without = list(
        missing.order_by(F("deadline").asc(nulls_last=True), "pk").values(*FIELDS)[:LISTED]
    )
    late = without_method(active).filter(twofactor_deadline__deadline__lte=now)
    adoption.past_deadline_count = late.count()
    adoption.past_deadline = list(late.order_by("deadline", "pk").values(*FIELDS)[:LISTED])
    adoption.weekly = enrolments_per_week(now, methods)
    for row in [*adoption.required_without, *adoption.past_deadline]:
        row["days_left"] = grace.days_left(row["deadline"], now) if row["deadline"] else None
    return adoption


def enrolments_per_week(now: datetime, methods) -> list[tuple[date, int]]:
    """Methods added per week (Monday to Sunday) over the last WEEKS weeks, every week listed: one statement."""
    this_monday = timezone.localdate(now) - timedelta(days=timezone.localdate(now).weekday())
    first = this_monday - timedelta(weeks=WEEKS - 1)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    parts = [
        method.get_model()
        .objects.filter(confirmed=True, created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(added=Count("pk"))
        .order_by()
        for method in methods
    ]
    counts: dict[date, int] = {}
    if parts:
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for row in rows:
            week = row["week"]
            week = timezone.localdate(week) if isinstance(week, datetime) and timezone.is_aware(week) else week
            week = week.date() if isinstance(week, datetime) else week
            counts[week] = counts.get(week, 0) + row["added"]
    return [(first + timedelta(weeks=n), counts.get(first + timedelta(weeks=n), 0)) for n in range(WEEKS)]


def chart(weekly: list[tuple[date, int]], width: int = 640, height: int = 200) -> dict:
    """Bar geometry for the SVG (drawn by the template, escaped like any text)."""
    top = max((count for _week, count in weekly), default=0) or 1
    slot = width / max(len(weekly), 1)
    bars = []
    for index, (week, count) in enumerate(weekly):
        bar_height = round((height - 40) * count / top, 1)  # room above the tallest bar for its number
        bars.append(
            {
                "x": round(index * slot + slot * 0.15, 1),
                "y": round(height - 20 - bar_height, 1),
                "width": round(slot * 0.7, 1),
                "height": bar_height,
                "label_x": round(index * slot + slot / 2, 1),
                "label_y": round(height - 24 - bar_height, 1),
                "week": week,
                "count": count,
            }
        )
    return {"width": width, "height": height, "bars": bars, "top": top, "baseline": height - 20, "axis_y": height - 5}


def can_view(request) -> bool:
    opts = get_user_model()._meta
    return (
        request.user.is_active
        and request.user.is_staff
        and request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


def adoption_view(request, admin_site):
    """The page (and ?format=csv)."""
    if not can_view(request):
        raise PermissionDenied
    if request.GET.get("format") == "csv":
        return csv_export()
    adoption = measure()
    context = {
        **admin_site.each_context(request),
        "title": _("Two-factor adoption"),
        "adoption": adoption,
        "share_with_method": share(adoption.with_method, adoption.active),
        "chart": chart(adoption.weekly),
        "listed": LISTED,
        "policy_is_callable": policy_callable() is not None,
        "grace_days": app_settings.GRACE_DAYS,
    }
    request.current_app = admin_site.name
    return TemplateResponse(request, "twofactor/admin/adoption.html", context)


class _Echo:
    def write(self, value):
        return value


def csv_export() -> StreamingHttpResponse:
    """Every required user without a method: username, email, deadline, days left, state."""
    now = timezone.now()
    writer = csv.writer(_Echo())
    rows = without_method(required_users()).order_by(F("deadline").asc(nulls_last=True), "pk")

    def lines():
        yield writer.writerow(["username", "email_address", "deadline", "days_left", "state"])
        for row in rows.values(*FIELDS).iterator(chunk_size=2000):
            deadline = row["deadline"]
            if deadline is None:
                state, left = "no deadline yet", ""
            elif deadline <= now:
                state, left = "past deadline", 0
            else:
                state, left = "in grace", grace.days_left(deadline, now)
            yield writer.writerow(
                [
                    _safe_cell(row["account_name"]),
                    _safe_cell(row["account_email"]),
                    deadline.isoformat() if deadline else "",
                    left,
                    state,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="two-factor-adoption-{now:%Y-%m-%d}.csv"'
    return response


def _safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): a leading = + - @ is quoted with '."""
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
