"""The abuse and outage findings of issue 21 (and 20.5), run over HTTP against a live gunicorn on the test database.

Each test is one attack or one fault, and what the site must now do. The Redis tests start a private
`redis-server` on a free port (never the machine's shared one) and stop it mid-run.
"""

import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis
from django.contrib.auth import get_user_model

from twofactor.models import RateCounter

from .live_server import WORKERS, Browser, LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "owner-password-1234"
WRONG = "not-the-password-00"


@pytest.fixture(autouse=True)
def _live_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.live_server.LiveServerHasher"]


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone, on a free port, that the test stops and starts again."""

    def __init__(self, folder):
        self.port = _free_port()
        self.folder = folder
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1)

    def keys(self) -> int:
        return self.client().dbsize()


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def _concurrent_wrong_passwords(site, count: int, address: str) -> list[int]:
    barrier = threading.Barrier(count)
    statuses = []

    def attempt():
        browser = Browser(site, address)
        browser._csrf()
        barrier.wait()
        statuses.append(browser.login("owner", WRONG).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


# 1. Redis is an accelerator, not a single point of failure


def test_redis_stopped_mid_run_rate_limits_fall_back_to_the_database_and_return(tmp_path, private_redis):
    make_user("owner")
    site = LiveServer(
        tmp_path / "site",
        REDIS_URL=private_redis.url,
        TWOFACTOR_TRUSTED_PROXIES="1",
        TWOFACTOR_CACHE_RETRY_SECONDS="2",
    )
    try:
        first = Browser(site, "198.51.100.20")
        assert first.login("owner", PASSWORD).json()["two_factor"]["state"] == "setup"
        assert private_redis.keys() > 0 and not RateCounter.objects.exists()  # Redis counts while it answers

        private_redis.stop()
        owner = Browser(site, "198.51.100.21")
        answer = owner.login("owner", PASSWORD)
        assert answer.status_code == 200, answer.text[:500]
        assert answer.json()["authenticated"] is True
        statuses = _concurrent_wrong_passwords(site, 20, "203.0.113.77")
        assert len(statuses) == 20 and 500 not in statuses, statuses
        assert statuses.count(401) <= 10 and statuses.count(401) + statuses.count(429) == 20, statuses
        assert RateCounter.objects.filter(key__contains="203.0.113.77").exists()  # counted in the database

        private_redis.start()
        time.sleep(2.5)  # the retry interval: the next attempt asks Redis again
        RateCounter.objects.all().delete()
        late = Browser(site, "198.51.100.22")
        for _attempt in range(3):
            assert late.login("owner", WRONG).status_code == 401
        assert private_redis.keys() > 0, "Redis was not used again after it came back"
        assert not RateCounter.objects.filter(key__contains="198.51.100.22").exists()
    finally:
        site.stop()
    log = (tmp_path / "site" / "gunicorn.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    outage_lines = [line for line in log.splitlines() if "cannot be reached" in line]
    assert 1 <= len(outage_lines) <= WORKERS, outage_lines  # one line per outage and process, not per request
