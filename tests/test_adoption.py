"""The adoption page (twofactor.admin.adoption): what it counts, its chart and table, its CSV, who may see it,
and its cost: the same number of statements at 100 users and at 100,000 (PostgreSQL; 2,000 on SQLite)."""

import csv
import io
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support import growth
from tests.support.devices import add_email, add_totp
from tests.support.users import make_user, sign_in
from twofactor.admin.adoption import measure
from twofactor.models import EnrolmentDeadline

SMALL = 100
LARGE = 100_000 if connection.vendor == "postgresql" else 2_000
PAGE = "/admin/twofactor/adoption/"


def _staff_client(username: str = "root", **extra) -> Client:
    admin = make_user(username, is_staff=True, **(extra or {"is_superuser": True}))
    _device, totp = add_totp(admin)
    client = Client()
    sign_in(client, username)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    client.get("/admin/")  # the first page after sign-in also shows its notices once (few backup codes left)
    return client


@pytest.fixture
def staff(db):
    return _staff_client()


def _without_method(username: str, days: float | None, *groups):
    user = make_user(username)
    if days is not None:
        EnrolmentDeadline.objects.create(user=user, deadline=timezone.now() + timedelta(days=days))
    for group in groups:
        user.groups.add(group)
    return user


@pytest.mark.django_db
def test_the_page_counts_methods_groups_deadlines_and_weeks(staff, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    settings.TWOFACTOR_REQUIRED_GROUPS = ["Finance"]
    finance, support = Group.objects.create(name="Finance"), Group.objects.create(name="Support")
    with_totp = make_user("ann")
    add_totp(with_totp)
    with_totp.groups.add(finance)
    with_email = make_user("ben")
    add_email(with_email)
    with_email.groups.add(support)
    _without_method("cat", 5, finance)
    _without_method("dan", -2, finance)
    _without_method("eve", None, finance)
    _without_method("fay", None, support)  # not required: not listed
    make_user("gus", is_active=False)

    adoption = measure()
    assert (adoption.active, adoption.with_method) == (7, 3)  # root, ann, ben of 7 active
    by_method = {title: count for title, count, _share in adoption.by_method}
    assert by_method["Authenticator app"] == 2 and by_method["Code by email"] == 1
    assert ("Finance", 4, 1, 25.0) in adoption.by_group and ("Support", 2, 1, 50.0) in adoption.by_group
    assert [row["account_name"] for row in adoption.required_without] == ["dan", "cat", "eve"]
    assert [row["account_name"] for row in adoption.past_deadline] == ["dan"]
    assert adoption.weekly[-1][1] == 3 and sum(count for _week, count in adoption.weekly) == 3

    page = staff.get(PAGE).content.decode()
    assert "42.9% of active users use two-factor (3 of 7)." in page
    assert "<svg" in page and "<rect" in page and "Methods added per week (the chart" in page
    assert "3 required users without a method" in page and "1 user past their deadline" in page
    index = staff.get("/admin/").content.decode()
    assert f'href="{PAGE}"' in index


@pytest.mark.django_db
def test_the_csv_lists_every_required_user_without_a_method_and_defuses_formulas(staff, settings):
    settings.TWOFACTOR_REQUIRED = "all"
    _without_method("=HYPERLINK(1)", 3)
    _without_method("late", -1)
    response = staff.get(PAGE + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["username", "email_address", "deadline", "days_left", "state"]
    body = {row[0]: row for row in rows[1:]}
    assert body["late"][4] == "past deadline" and body["'=HYPERLINK(1)"][3:] == ["3", "in grace"]
    assert "root" not in body  # has a method


@pytest.mark.django_db
def test_staff_without_the_permission_to_view_users_cannot_see_it(db):
    client = _staff_client("clerk", is_superuser=False)
    assert client.get(PAGE).status_code == 403


@pytest.mark.slow
@pytest.mark.django_db
def test_the_page_costs_the_same_statements_at_100_and_at_100000_users(staff, settings):
    settings.TWOFACTOR_REQUIRED = "all"
    Group.objects.create(name="Finance")
    for number in range(60):  # enough to fill both lists
        _without_method(f"late{number}", -1 - number % 3)
    try:
        growth.populate(0, SMALL)
        small, _seconds = _statements(staff)
        growth.populate(SMALL, LARGE)
        large, seconds = _statements(staff)
        assert len(large) == len(small), (small, large)
        assert len(large) <= 12, large
        print(f"adoption page: {len(small)} statements at {SMALL} users, {len(large)} at {LARGE} ({seconds:.2f} s)")
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"TRUNCATE {', '.join(growth.TABLES)} CASCADE")
            growth.analyze()


def _statements(client: Client) -> tuple[list[str], float]:
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries if "SAVEPOINT" not in query["sql"]], (
        time.perf_counter() - started
    )
