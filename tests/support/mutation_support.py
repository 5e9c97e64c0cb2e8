"""Loaded (-p) only by the mutation run (scripts/mutate.py): each test process gets its own SQLite database.

mutmut forks every mutant's test run from one process that has already read the settings, so the
settings' per-process database name would be shared by mutants running side by side. Each process
instead copies the database that scripts/mutate.py migrated once (MUTATION_DB_TEMPLATE) and uses it
as it is, which also spares every mutant the migrations.
"""

import os
import shutil
from pathlib import Path

import pytest


def _database() -> Path:
    template = Path(os.environ["MUTATION_DB_TEMPLATE"])
    return template.with_name(f"twofa-mutant-{os.getpid()}.sqlite3")


def pytest_sessionstart(session) -> None:
    if "MUTATION_DB_TEMPLATE" not in os.environ:
        return
    from django.conf import settings
    from django.db import connections

    copy = _database()
    shutil.copyfile(os.environ["MUTATION_DB_TEMPLATE"], copy)
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(copy)
    connections["default"].settings_dict.setdefault("TEST", {})["NAME"] = str(copy)
    session.config.option.reuse_db = True  # pytest-django: use the copied database, keep the file


def pytest_sessionfinish(session) -> None:
    if "MUTATION_DB_TEMPLATE" not in os.environ:
        return
    from django.db import connections

    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{_database()}{suffix}").unlink(missing_ok=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list) -> None:
    """A mutant's tests, the likeliest to kill it first: those of the test module that mirrors the mutated module
    (twofactor.ratelimit -> tests/test_ratelimit*.py), then the fastest. The first failure ends the run (-x), so a
    killed mutant costs a second or two instead of the whole list. Tests that empty the database (transactional)
    stay after the others, as pytest-django orders them."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant:
        return
    try:
        from mutmut.state import state

        durations = state().duration_by_test
    except ImportError:
        durations = {}
    module = mutant.partition("__mutmut_")[0].rsplit(".", 1)[0].split(".")  # twofactor.flows.setup -> [.., "setup"]
    mirrors = {f"test_{part}" for part in module[1:]}
    items.sort(
        key=lambda item: (
            _transactional(item),
            not _mirrors(item, mirrors),
            durations.get(item.nodeid.removeprefix("mutants/"), 0.0),
        )
    )


def _mirrors(item, mirrors: set[str]) -> bool:
    """tests/test_setup.py or tests/test_setup_email_sms.py mirror twofactor/flows/setup.py."""
    stem = Path(str(item.path)).stem
    return any(stem == mirror or stem.startswith(f"{mirror}_") for mirror in mirrors)


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))) or (
        "transactional_db" in fixtures or "live_server" in fixtures
    )
