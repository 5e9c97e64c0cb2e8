"""The test tiers as pytest markers, set from what a test uses, so that a new test cannot forget its tier.

    live      starts gunicorn: its module imports tests/support/live_server.py or app_servers.py
    browser   drives Chromium: everything under tests/browser/
    postgres  needs PostgreSQL: marked by hand, skipped (with the reason) on SQLite
    slow      fuzzing, thread races, deploy builds, big tables: marked by hand

The fast tier alone (what a change is checked with first):

    python3 scripts/dev.py test -m "not live and not browser and not slow"

A pytest plugin (tests/conftest.py lists it in pytest_plugins). As a safety net, starting gunicorn from a test
that is not marked `live` (say, an import inside a function) fails the test with the reason.
"""

from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parent.parent / "browser"
#: Modules whose use makes a test module part of the `live` tier.
LIVE_MODULES = {"tests.support.live_server", "tests.support.app_servers"}

_running: pytest.Item | None = None


def _uses_live_servers(module) -> bool:
    for value in vars(module).values():
        name = getattr(value, "__module__", None) or getattr(value, "__name__", None)
        if name in LIVE_MODULES:
            return True
    return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
        module = getattr(item, "module", None)
        if module is not None and _uses_live_servers(module):
            item.add_marker(pytest.mark.live)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _running
    _running = item
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")


def pytest_runtest_teardown(item: pytest.Item) -> None:
    global _running
    _running = None


def require_marker(name: str, what: str) -> None:
    """Fail the running test unless it carries the marker `name` (outside pytest, as in bench/, nothing)."""
    if _running is not None and not _running.get_closest_marker(name):
        pytest.fail(f"{_running.nodeid} {what} but is not marked {name!r}: import the helper at the top of its module")
