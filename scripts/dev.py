#!/usr/bin/env python3
"""The README's two commands, for a fresh clone with nothing but Python 3.11+.

    python3 scripts/dev.py run     install, migrate, create the demo user, serve on http://127.0.0.1:8000 ($PORT)
    python3 scripts/dev.py test    install the test tools and run the whole test suite (extra args go to pytest)
    python3 scripts/dev.py test -m "not live and not browser and not slow"    the fast tier only
    python3 scripts/dev.py mutate  mutation testing of the modules that guard the account (slow; see docs/testing.md)

Each creates `.venv/` beside this repository and install the pinned requirements into it
(again only when a requirements file changed).
"""

import hashlib
import os
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _requirement_files(path: Path) -> list[Path]:
    """The file and every file it includes with -r, so a change to any of them reinstalls."""
    files = [path]
    for line in path.read_text().splitlines():
        if line.startswith("-r "):
            files += _requirement_files(path.parent / line[3:].strip())
    return files


def ensure_environment(requirements: str) -> None:
    """Create the virtual environment and install `requirements` unless already installed as they are."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this script is what tells an older Python to step aside)
        sys.exit("Python 3.11 or newer is needed (this is %d.%d)." % sys.version_info[:2])
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv/ …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = _requirement_files(ROOT / requirements)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing {requirements} …", flush=True)
    subprocess.run(
        [PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", ROOT / requirements],
        check=True,
        cwd=ROOT,
    )
    stamp.write_text(digest)


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True, cwd=ROOT, env=env)


def run() -> int:
    ensure_environment("requirements.txt")
    env = {**os.environ}
    # Local development defaults: debug on, codes printed to this terminal.
    env.setdefault("DEBUG", "on")
    env.setdefault("SMS_BACKEND", "console")
    env.setdefault("EMAIL_URL", "consolemail://")
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", env=env)
    address = f"127.0.0.1:{os.environ.get('PORT') or 8000}"
    print(f"Serving on http://{address} (Ctrl+C stops).", flush=True)
    try:
        return subprocess.run([PYTHON, "manage.py", "runserver", address], cwd=ROOT, env=env).returncode
    except KeyboardInterrupt:
        return 0


CONCURRENCY_TESTS = ["tests/test_concurrency.py", "tests/test_passkey_concurrency.py"]
#: Set to "off" by .ci/run, which runs the whole suite on PostgreSQL anyway.
CONCURRENCY_PASS_VARIABLE = "TWOFA_CONCURRENCY_ON_POSTGRES"


def postgres_reachable() -> bool:
    with socket.socket() as probe:
        probe.settimeout(3)
        return probe.connect_ex(("127.0.0.1", 5432)) == 0


def names_tests(pytest_args: list[str]) -> bool:
    """Whether the arguments pick test files, tests or a tier (-m, -k): then the extra PostgreSQL pass is left out."""
    picks = any("::" in arg or (not arg.startswith("-") and (ROOT / arg).exists()) for arg in pytest_args)
    return picks or any(arg in ("-m", "-k") or arg.startswith(("-m=", "-k=")) for arg in pytest_args)


def test(pytest_args: list[str]) -> int:
    ensure_environment("requirements-dev.txt")
    database = os.environ.get("DATABASE_URL", "sqlite (default)")
    print(f"Running the test suite on {database.split('@')[-1]} …", flush=True)
    status = subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT).returncode
    if database.startswith("postgres") or names_tests(pytest_args):
        return status
    if os.environ.get(CONCURRENCY_PASS_VARIABLE, "on") == "off":
        return status
    # SQLite's immediate transactions serialise every writer, so only PostgreSQL shows a missing row lock.
    if not postgres_reachable():
        print(
            "PostgreSQL is not reachable at 127.0.0.1:5432, so the concurrency tests ran on SQLite only, where "
            "immediate transactions hide a missing row lock. Run them on PostgreSQL with: "
            f"DATABASE_URL=postgres://postgres@127.0.0.1:5432/twofa python3 scripts/dev.py test {' '.join(CONCURRENCY_TESTS)}",
            flush=True,
        )
        return status
    url = f"postgres://postgres@127.0.0.1:5432/twofa_concurrency_{os.getpid()}_{int(time.time())}"
    print("Running the concurrency tests again on PostgreSQL (row locks) …", flush=True)
    again = subprocess.run(
        [PYTHON, "-m", "pytest", *pytest_args, *CONCURRENCY_TESTS], cwd=ROOT, env={**os.environ, "DATABASE_URL": url}
    ).returncode
    return status or again


def mutate(args: list[str]) -> int:
    ensure_environment("requirements-mutation.txt")
    return subprocess.run([PYTHON, ROOT / "scripts" / "mutate.py", *args], cwd=ROOT).returncode


def main() -> int:
    commands = {"run": lambda _args: run(), "test": test, "mutate": mutate}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
