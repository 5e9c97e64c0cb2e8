"""Admin lists cost the same number of statements whatever the table size, and on PostgreSQL read only the
rows they show (no COUNT(*) over the table, no SELECT DISTINCT of dates, no COUNT per row).

PostgreSQL: 100 rows, then 100,000 (written with INSERT … SELECT generate_series in a few seconds).
SQLite: 100 rows, then 2,000, so the regular suite checks the statement counts too.
"""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support import growth
from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor.models import SecurityEvent

pytestmark = pytest.mark.slow

SMALL = 100
LARGE = 100_000 if connection.vendor == "postgresql" else 2_000
MOST_ROWS_READ = 1_000  # per statement, on the big tables: a page shows 100

PAGES = {
    **growth.ADMIN_LISTS,
    "security events, one kind": "/admin/twofactor/securityevent/?kind__exact=signed_in",
    "security events, past 7 days": "/admin/twofactor/securityevent/?created_at__gte={week_ago}&created_at__lt={tomorrow}",
    "rescue requests, denied": "/admin/twofactor/rescuerequest/?status__exact=denied",
}


@pytest.fixture
def staff(db):
    admin = make_user("root", is_staff=True, is_superuser=True)
    _device, totp = add_totp(admin)
    client = Client()
    sign_in(client, "root")
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    client.get("/admin/")  # the first page after sign-in also shows its notices once (few backup codes left)
    yield client
    if connection.vendor == "postgresql":
        # ANALYZE writes the statistics in place, outside the test's transaction: leave them as they were.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(growth.TABLES)} CASCADE")
        growth.analyze()


def _url(template: str) -> str:
    """The URL, with the dates the admin's "Past 7 days" link carries."""
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return template.format(
        week_ago=quote(str(today - timedelta(days=7))), tomorrow=quote(str(today + timedelta(days=1)))
    )


def _statements(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries if "SAVEPOINT" not in query["sql"]]


def _rows_read(sql: str) -> int:
    """Rows PostgreSQL read from the grown tables to answer `sql` (EXPLAIN ANALYZE; nodes never run count 0)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def walk(node) -> int:
        own = 0
        if node.get("Relation Name") in growth.TABLES:
            own = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node.get("Actual Loops", 0)
        return own + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


def _shown_count(client: Client, url: str, noun: str) -> int:
    page = client.get(url).content.decode()
    return int(page.split(f" {noun}")[0].rsplit(">", 1)[-1].replace(",", "").strip())


def test_admin_lists_cost_the_same_from_100_rows_to_many(staff):
    """One test, so the 100,000 rows are written once: statements, rows read and the count shown."""
    growth.populate(0, SMALL)
    small = {name: _statements(staff, _url(url)) for name, url in PAGES.items()}
    events = "/admin/twofactor/securityevent/"
    assert _shown_count(staff, events, "security events") == SecurityEvent.objects.count()  # small: exact

    growth.populate(SMALL, LARGE)
    large = {name: _statements(staff, _url(url)) for name, url in PAGES.items()}
    for name in PAGES:
        assert len(large[name]) == len(small[name]), (name, small[name], large[name])
        assert len(large[name]) <= 8, (name, large[name])  # no statement per row shown
    if connection.vendor != "postgresql":
        return
    for name in growth.ADMIN_LISTS:
        for sql in large[name]:
            if sql.startswith("SELECT"):
                assert _rows_read(sql) <= MOST_ROWS_READ, (name, sql)
    assert 0.9 * LARGE <= _shown_count(staff, events, "security events") <= 1.1 * LARGE  # estimated


def test_the_backup_code_list_shows_each_devices_unused_codes(staff):
    growth.populate(0, 3)
    page = staff.get("/admin/twofactor/backupcodedevice/").content.decode()
    assert page.count('<td class="field-remaining">1</td>') == 3
