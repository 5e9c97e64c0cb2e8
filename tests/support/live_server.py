"""A real gunicorn (several sync workers) serving the site against the test database, for the attack tests.

The listening socket is opened here on a free port and handed to gunicorn (`--bind fd://N`), so
there is no race for the port. Mail goes to files (Django's file backend), text messages too.
"""

import email
import os
import re
import socket
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.support.tiers import require_marker

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4


#: The file each hash computed by a live server's workers adds a line to (what `LiveServer.hashes()` counts).
HASH_LOG_VARIABLE = "TWOFA_LIVE_HASH_LOG"


class LiveServerHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds (about 0.1 s here instead of 1 s): keeps the attack tests quick.

    In a live server, every hash it computes (a password checked, or made) also adds a line to the file named by
    TWOFA_LIVE_HASH_LOG: the real hasher, counted across the workers."""

    algorithm = "pbkdf2_live"
    iterations = 100_000

    def encode(self, password, salt, iterations=None):
        _count_hash()
        return super().encode(password, salt, iterations)


def _count_hash() -> None:
    log = os.environ.get(HASH_LOG_VARIABLE)
    if log:
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, b"hash\n")  # one small append: whole lines, even from several workers at once
        finally:
            os.close(descriptor)


def database_url() -> str:
    """The URL of the test database pytest-django created (what gunicorn must use)."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    auth = config["USER"] + (f":{config['PASSWORD']}" if config.get("PASSWORD") else "")
    return f"postgres://{auth}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"


class LiveServer:
    def __init__(self, folder: Path, **variables: str):
        require_marker("live", "starts gunicorn")
        self.mail_dir = folder / "mail"
        self.sms_dir = folder / "sms"
        self.hash_log = folder / "hashes.log"
        self.mail_dir.mkdir(parents=True)
        self.sms_dir.mkdir(parents=True)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "TWOFACTOR_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.support.live_settings",
            DEBUG="off",
            TESTING="1",
            CONN_MAX_AGE="0",
            # The test process's key, so secrets it encrypts (TOTP keys) read the same on the server.
            SECRET_KEY=settings.SECRET_KEY,
            TWOFACTOR_ENCRYPTION_KEYS=",".join(settings.TWOFACTOR_ENCRYPTION_KEYS),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=database_url(),
            EMAIL_URL=f"filemail:///{self.mail_dir}",
            SMS_BACKEND="file",
            SMS_FILE_PATH=str(self.sms_dir),
            PYTHONPATH=str(ROOT),
            **{HASH_LOG_VARIABLE: str(self.hash_log)},
        )
        env.update(variables)  # a test may also replace a default (EMAIL_URL for a real SMTP server)
        self.env = env
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log = open(folder / "gunicorn.log", "w")  # noqa: SIM115  (open for the server's whole life)
        fd = self.listener.fileno()
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "twofa_site.wsgi",
                "--bind",
                f"fd://{fd}",
                "--workers",
                str(WORKERS),
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            pass_fds=[fd],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {Path(self.log.name).read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/api/v1/session", timeout=30).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):  # the workers are still starting
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.listener.close()
        self.log.close()

    def manage(self, *args: str, **variables: str) -> str:
        """Run a management command as the platform's scheduler would, on this server's database, mail and
        settings (plus `variables`); returns its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **variables},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def clear_outboxes(self) -> None:
        for folder in (self.mail_dir, self.sms_dir):
            for item in folder.iterdir():
                item.unlink()
        self.hash_log.unlink(missing_ok=True)

    def hashes(self) -> int:
        """How many password hashes the server's workers computed since the outboxes were last cleared."""
        return len(self.hash_log.read_text().splitlines()) if self.hash_log.exists() else 0

    def mails_to(self, address: str, at_least: int = 0, timeout: float = 10) -> list[str]:
        """The plain-text bodies of the mails sent to `address`, oldest first; waits (up to `timeout` seconds) until
        there are `at_least` of them, for mails the site sends after its answer (password reset)."""
        deadline = time.monotonic() + timeout
        while len(bodies := self._mails_to(address)) < at_least and time.monotonic() < deadline:
            time.sleep(0.05)
        return bodies

    def _mails_to(self, address: str) -> list[str]:
        bodies = []
        for path in sorted(self.mail_dir.iterdir(), key=lambda item: item.stat().st_mtime):
            for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
                if not raw.strip():
                    continue
                message = email.message_from_string(raw.lstrip(), policy=policy.default)
                if address in str(message["To"]):
                    part = message.get_body(preferencelist=("plain",))
                    bodies.append(part.get_content() if part else "")
        return bodies

    def texts(self) -> list[str]:
        return [path.read_text() for path in sorted(self.sms_dir.iterdir())]


class Browser:
    """One client of the live site (cookies kept), coming from `address` through the trusted proxy, if given."""

    def __init__(self, server: LiveServer, address: str | None = None, forwarded: str | None = None):
        self.server = server
        self.http = requests.Session()
        forwarded = forwarded or address
        self.headers = {"X-Forwarded-For": forwarded} if forwarded else {}

    def _csrf(self, path: str = "/api/v1/session") -> str:
        if "csrftoken" not in self.http.cookies:
            self.http.get(self.server.url + path, headers=self.headers, timeout=30)
        return self.http.cookies.get("csrftoken", "")

    def api(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        headers = {**self.headers, "X-CSRFToken": self._csrf()}
        return self.http.request(method, f"{self.server.url}/api/v1{path}", json=body, headers=headers, timeout=60)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.server.url + path, headers=self.headers, allow_redirects=False, timeout=60)

    def post(self, path: str, data: dict) -> requests.Response:
        token = self._csrf(path)
        return self.http.post(
            self.server.url + path,
            data={**data, "csrfmiddlewaretoken": token},
            headers={**self.headers, "X-CSRFToken": token},
            allow_redirects=False,
            timeout=60,
        )

    def login(self, username: str, password: str) -> requests.Response:
        return self.api("POST", "/login", {"username": username, "password": password})

    def state(self) -> dict:
        return self.api("GET", "/session").json()


def six_digit_code(text: str) -> str:
    return re.search(r"\b(\d{3} ?\d{3})\b", text).group(1).replace(" ", "")
