"""Locust: complete sign-ins (password, then a TOTP code) and verified page views against two app servers.

Run by bench/run.py, which prepares the accounts and reads the outcome file; by hand:

    BENCH_ACCOUNTS=accounts.json BENCH_OUTCOMES=outcomes.jsonl BENCH_SERVERS=http://127.0.0.1:8001,http://127.0.0.1:8002 \
        locust -f bench/locustfile.py --headless -u 16 -r 16 --host http://127.0.0.1:8001

Each simulated browser takes the next unused account, signs in with the password on one server and with
the authenticator code on the other, then views the home page a few times on both. Every fifth account
is signed in by two browsers that send the same code to both servers at the same moment (a stolen code
raced against its owner): exactly one may be accepted. Each step's outcome is appended to BENCH_OUTCOMES
(one JSON object a line) for the checker; only 127.0.0.1 is ever loaded.
"""

import itertools
import json
import os
import sys
import time
from pathlib import Path

import gevent
import pyotp
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.app_servers import BEHIND_PROXY, send_secure_cookies_over_http

SERVERS = os.environ.get("BENCH_SERVERS", "http://127.0.0.1:8000").split(",")
assert all(server.startswith("http://127.0.0.1:") for server in SERVERS), "load only 127.0.0.1"
ACCOUNTS = json.loads(Path(os.environ.get("BENCH_ACCOUNTS", "accounts.json")).read_text())
OUTCOMES = open(os.environ.get("BENCH_OUTCOMES", "outcomes.jsonl"), "a", buffering=1)  # noqa: SIM115 - open for the whole run
PAGE_VIEWS = int(os.environ.get("BENCH_PAGE_VIEWS", "5"))
RACE_EVERY = 5
_next_account = itertools.count()
_out_of_accounts = itertools.count(1)


def record(**outcome) -> None:
    OUTCOMES.write(json.dumps(outcome) + "\n")


class Browser(HttpUser):
    wait_time = constant(0)
    host = SERVERS[0]

    def on_start(self) -> None:
        self.client.headers.update(BEHIND_PROXY)

    def _call(
        self,
        server: str,
        method: str,
        path: str,
        name: str,
        body: dict | None = None,
        client=None,
        expected: tuple[int, ...] = (200,),
    ):
        client = client or self.client
        headers = {"Origin": server.replace("http://", "https://")}
        if "csrftoken" in client.cookies:
            headers["X-CSRFToken"] = client.cookies.get("csrftoken")
        with client.request(
            method, f"{server}{path}", json=body, headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code in expected:
                response.success()
            else:
                response.failure(f"answered {response.status_code}")
        send_secure_cookies_over_http(client)
        return response

    def _login(self, client, server: str, username: str, password: str) -> float:
        self._call(server, "GET", "/api/v1/session", "session", client=client)
        started = time.perf_counter()
        response = self._call(
            server, "POST", "/api/v1/login", "login", {"username": username, "password": password}, client=client
        )
        elapsed = time.perf_counter() - started
        record(step="login", account=username, status=response.status_code, seconds=elapsed)
        return elapsed if response.status_code == 200 else -1

    @task
    def sign_in_and_browse(self) -> None:
        index = next(_next_account)
        if index >= len(ACCOUNTS):
            if next(_out_of_accounts) == self.environment.parsed_options.num_users:
                self.environment.runner.quit()  # the last browser to run out stops the run
            raise StopUser()
        account = ACCOUNTS[index]
        self.client.cookies.clear()  # each account signs in from a new browser
        first, second = SERVERS[index % len(SERVERS)], SERVERS[(index + 1) % len(SERVERS)]
        login_seconds = self._login(self.client, first, account["username"], account["password"])
        if login_seconds < 0:
            return
        code = pyotp.TOTP(account["secret"]).now()
        racing = index % RACE_EVERY == 0
        if racing:
            self._race(account, code, first, second)
            return
        started = time.perf_counter()
        response = self._call(second, "POST", "/api/v1/2fa/verify", "verify", {"code": code})
        verify_seconds = time.perf_counter() - started
        record(
            step="verify",
            account=account["username"],
            code=code,
            status=response.status_code,
            seconds=verify_seconds,
            sign_in_seconds=login_seconds + verify_seconds,
            finished=time.time(),
        )
        if response.status_code != 200:
            return
        for view in range(PAGE_VIEWS):
            page = self._call(SERVERS[view % len(SERVERS)], "GET", "/", "verified page")
            record(step="page", account=account["username"], status=page.status_code)

    def _race(self, account: dict, code: str, first: str, second: str) -> None:
        """A second browser signs in too; both send the same code, one to each server, at the same moment."""
        from locust.clients import HttpSession

        other = HttpSession(base_url=second, request_event=self.environment.events.request, user=self)
        other.headers.update(BEHIND_PROXY)
        if self._login(other, second, account["username"], account["password"]) < 0:
            return
        results = {}

        def submit(label, client, server) -> None:
            results[label] = self._call(
                server,
                "POST",
                "/api/v1/2fa/verify",
                "verify (same code, both servers)",
                {"code": code},
                client=client,
                expected=(200, 400),
            ).status_code

        gevent.joinall([gevent.spawn(submit, "a", self.client, second), gevent.spawn(submit, "b", other, first)])
        record(
            step="race", account=account["username"], code=code, statuses=sorted(results.values()), finished=time.time()
        )


@events.quitting.add_listener
def _close(environment, **kwargs) -> None:
    OUTCOMES.close()
