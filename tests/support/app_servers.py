"""Real app servers for the scaling tests and the benchmark: gunicorn started with the Procfile's web command
on free ports of 127.0.0.1, and an HTTP client that talks to them as a browser behind Heroku's or Render's
proxy would (X-Forwarded-Proto: https, so the production settings apply unchanged).
"""

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def web_command(port: int) -> str:
    """The Procfile's web command, bound to 127.0.0.1:`port` (the platforms bind 0.0.0.0:$PORT)."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web: "))
    return line.removeprefix("web: ").replace("0.0.0.0:$PORT", f"127.0.0.1:{port}")


def server_env(database_url: str, **extra: str) -> dict:
    """Production settings (DEBUG off) against `database_url`, static files unhashed (no collectstatic)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL")
    }
    return {
        **inherited,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{inherited.get('PATH', '')}",
        "DATABASE_URL": database_url,
        "TESTING": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "scaling-test-secret-key-0123456789-abcdefghijklmnop"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "TWOFACTOR_ENCRYPTION_KEYS": os.environ.get("TWOFACTOR_ENCRYPTION_KEYS", ""),
        "EMAIL_URL": "consolemail://",
        "WEB_CONCURRENCY": "1",
        **extra,
    }


@contextmanager
def app_servers(count: int, env: dict, log_dir: Path):
    """Start `count` gunicorn instances; yield their base URLs; stop them. Access logs go to log_dir."""
    from tests.support.tiers import require_marker  # here: bench/locustfile.py imports this module without pytest

    require_marker("live", "starts gunicorn")
    processes, urls, logs = [], [], []
    try:
        for index in range(count):
            port = free_port()
            logs.append(log := (log_dir / f"server-{index}.log").open("w"))
            processes.append(
                subprocess.Popen(
                    ["bash", "-c", f"exec {web_command(port)}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            _wait_until_serving(url, processes)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def _wait_until_serving(url: str, processes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("an app server exited while starting; see its log")
        try:
            if requests.get(f"{url}/accounts/login/", headers=BEHIND_PROXY, timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not start serving within {timeout} seconds")


BEHIND_PROXY = {"X-Forwarded-Proto": "https"}


def send_secure_cookies_over_http(session: requests.Session) -> None:
    """The servers believe they are behind a TLS proxy and mark cookies Secure; let the next requests send them."""
    for cookie in session.cookies:
        cookie.secure = False


class BrowserSession(requests.Session):
    """A browser behind the platform's proxy: says it came over HTTPS and keeps the Secure cookies."""

    def __init__(self) -> None:
        super().__init__()
        self.headers.update(BEHIND_PROXY)

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        send_secure_cookies_over_http(self)
        return response


def browser_session() -> BrowserSession:
    return BrowserSession()


def api(session: requests.Session, base: str, method: str, path: str, body: dict | None = None, **kwargs):
    """A JSON API call to one server, with the CSRF header and the Origin a browser on that server sends."""
    if "csrftoken" not in session.cookies:
        session.get(f"{base}/api/v1/session", **kwargs)
    headers = {"X-CSRFToken": session.cookies.get("csrftoken"), "Origin": base.replace("http://", "https://")}
    return session.request(method, f"{base}/api/v1{path}", json=body, headers=headers, **kwargs)


def csrf_of_page(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
