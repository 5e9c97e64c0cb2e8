"""Loaded (-p) only by the mutation run (scripts/mutate.py): each test process gets its own SQLite database.

mutmut forks every mutant's test run from one process that has already read the settings, so the
settings' per-process database name would be shared by mutants running side by side. Each process
instead copies the database that scripts/mutate.py migrated once (MUTATION_DB_TEMPLATE) and uses it
as it is, which also spares every mutant the migrations.
"""

import os
import shutil
from pathlib import Path


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
