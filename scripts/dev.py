#!/usr/bin/env python3
"""The README's two commands, for a fresh clone with nothing but Python 3.11+.

    python3 scripts/dev.py run     install, migrate, create the demo user, serve on http://127.0.0.1:8000
    python3 scripts/dev.py test    install the test tools and run the whole test suite (extra args go to pytest)

Both create `.venv/` beside this repository and install the pinned requirements into it
(again only when a requirements file changed).
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment(requirements: str) -> None:
    """Create the virtual environment and install `requirements` unless already installed as they are."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this script is what tells an older Python to step aside)
        sys.exit("Python 3.11 or newer is needed (this is %d.%d)." % sys.version_info[:2])
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv/ …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = [ROOT / requirements, ROOT / "requirements.txt"]
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
    print("Serving on http://127.0.0.1:8000 (Ctrl+C stops).", flush=True)
    try:
        return subprocess.run([PYTHON, "manage.py", "runserver", "127.0.0.1:8000"], cwd=ROOT, env=env).returncode
    except KeyboardInterrupt:
        return 0


def test(pytest_args: list[str]) -> int:
    ensure_environment("requirements-dev.txt")
    database = os.environ.get("DATABASE_URL", "sqlite (default)")
    print(f"Running the test suite on {database.split('@')[-1]} …", flush=True)
    return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        print(__doc__)
        return 2
    return run() if sys.argv[1] == "run" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
