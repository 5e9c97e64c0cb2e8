#!/usr/bin/env python3
"""All the numbers in one table: `python3 bench/run.py` (PostgreSQL at 127.0.0.1:5432 by default).

1. Overhead of a verified request: queries and time relative to a plain `login_required` page (in process).
2. Sign-in under load, once per password hasher (PBKDF2-SHA256 as before, then Argon2id as now, side by side):
   two gunicorn servers (the Procfile's web command, 2 workers each) on one PostgreSQL database; locust (bench/locustfile.py, headless) runs complete sign-ins (password on one server, TOTP
   code on the other) and verified page views from 127.0.0.1; then a checker reads the outcomes, the
   servers' access logs and the database: no 5xx, every accepted code accepted once, one security event
   per action. Also: the share of a sign-in spent hashing the password, the password and second steps one
   at a time, and the peak resident memory of a worker.
3. Bursts: every fifth account races the same code to both servers at once; exactly one may pass.
4. Growth: page times and statements with 1,000 and then 100,000 users (and their devices, events and
   rescue requests): the verified page, /2fa/, and every admin list.

It works in a throwaway database (`test_<name>` of DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
twofa_bench; dropped at the end) and installs its tools (bench/requirements.txt) into .venv-bench/ on first
use. Options: --accounts N (sign-ins, default 300), --users N (concurrent browsers, default 8),
--growth N (users at the end of the growth step, default 100000), --requests N (step 1, default 2000),
--hashers pbkdf2 argon2id (which sign-in loads to run, default both).
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".venv-bench"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"


def _ensure_bench_environment() -> None:
    """Re-run this script inside .venv-bench/, installing bench/requirements.txt when it changed."""
    if Path(sys.prefix).resolve() == BENCH_VENV.resolve():
        return
    if not BENCH_PYTHON.exists():
        print("Creating .venv-bench/ …", flush=True)
        venv.EnvBuilder(with_pip=True).create(BENCH_VENV)
    files = [ROOT / "bench" / "requirements.txt", ROOT / "requirements-dev.txt", ROOT / "requirements.txt"]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()
    stamp = BENCH_VENV / ".installed"
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installing bench/requirements.txt …", flush=True)
        subprocess.run(
            [
                BENCH_PYTHON,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                ROOT / "bench" / "requirements.txt",
            ],
            check=True,
        )
        stamp.write_text(digest)
    os.execv(BENCH_PYTHON, [str(BENCH_PYTHON), *sys.argv])


if __name__ == "__main__":
    _ensure_bench_environment()

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twofa_bench")
os.environ.setdefault("TWOFACTOR_ENCRYPTION_KEYS", secrets.token_urlsafe(32))
import pyotp  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, get_hasher  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402

import bench.verified_request as verified_request  # noqa: E402  (sets up Django with TESTING=1)
from tests.support import growth  # noqa: E402
from tests.support.app_servers import api, app_servers, browser_session, server_env  # noqa: E402
from twofactor.models import SecurityEvent  # noqa: E402

PASSWORD = "bench-password-0123456789"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _totp_account(username: str, password_hash: str) -> dict:
    user = get_user_model().objects.create(username=username, email=f"{username}@example.com", password=password_hash)
    return {"username": username, "password": PASSWORD, "secret": verified_request.add_authenticator(user).secret}


def _database_url() -> str:
    params = connection.settings_dict
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    return f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


# 2 and 3: sign-in under load, bursts, and the checker


def password_hash_seconds(encoded: str) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        assert check_password(PASSWORD, encoded)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def serial_sign_ins(servers: list[str], accounts: list[dict]) -> list[tuple[float, float]]:
    """(password step, code step) seconds of sign-ins one after another: the unloaded cost."""
    steps = []
    for account in accounts:
        session = browser_session()
        api(session, servers[0], "GET", "/session")
        started = time.perf_counter()
        assert (
            api(
                session, servers[0], "POST", "/login", {"username": account["username"], "password": PASSWORD}
            ).status_code
            == 200
        )
        middle = time.perf_counter()
        code = pyotp.TOTP(account["secret"]).now()
        assert api(session, servers[1], "POST", "/2fa/verify", {"code": code}).status_code == 200
        steps.append((middle - started, time.perf_counter() - middle))
    return steps


#: The password hashers compared, "before" first: the servers' settings module and how the accounts are hashed.
HASHERS = {
    "pbkdf2": ("bench.settings_pbkdf2", lambda: PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())),
    "argon2id": ("twofa_site.settings", lambda: get_hasher("default").encode(PASSWORD, get_hasher("default").salt())),
}


def peak_worker_rss(servers: list[str]) -> int:
    """The largest peak resident set (VmHWM, bytes) of the gunicorn processes serving `servers`."""
    ports = [url.rsplit(":", 1)[1] for url in servers]
    peaks = [0]
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "gunicorn" in command and any(f"127.0.0.1:{port}" in command for port in ports):
                line = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
                peaks.append(int(line.split()[1]) * 1024)
        except (OSError, StopIteration):  # the process ended meanwhile
            continue
    return max(peaks)


def load_test(args, work: Path, hasher: str) -> dict:
    settings_module, make_hash = HASHERS[hasher]
    password_hash = make_hash()
    work = work / hasher
    work.mkdir()
    serial = [_totp_account(f"{hasher}-serial{index}", password_hash) for index in range(8)]
    accounts = [_totp_account(f"{hasher}-bench{index}", password_hash) for index in range(args.accounts)]
    (work / "accounts.json").write_text(json.dumps(accounts))
    outcomes_path = work / "outcomes.jsonl"
    env = server_env(_database_url(), WEB_CONCURRENCY="2", DJANGO_SETTINGS_MODULE=settings_module)
    with app_servers(2, env, work) as servers:
        steps = serial_sign_ins(servers, serial)
        hashing = password_hash_seconds(password_hash)  # right after: the machine as busy as it was then
        started = time.time()
        locust = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.users),
                "--only-summary",
                "--csv",
                str(work / "locust"),
                "--host",
                servers[0],
                "--stop-timeout",
                "30",
            ],
            env={
                **os.environ,
                "BENCH_SERVERS": ",".join(servers),
                "BENCH_ACCOUNTS": str(work / "accounts.json"),
                "BENCH_OUTCOMES": str(outcomes_path),
            },
            capture_output=True,
            text=True,
            timeout=3600,
        )
        duration = time.time() - started
        peak_rss = peak_worker_rss(servers)
    (work / "locust.log").write_text(locust.stdout + locust.stderr)
    outcomes = [json.loads(line) for line in outcomes_path.read_text().splitlines()]
    return {**check(outcomes, accounts, work, duration, hashing, steps, hasher), "peak_rss": peak_rss}


def check(
    outcomes: list[dict],
    accounts: list[dict],
    work: Path,
    duration: float,
    hashing: float,
    steps: list[tuple[float, float]],
    hasher: str,
) -> dict:
    """No 5xx anywhere, every accepted code accepted once, one security event per action."""
    statuses = [outcome["status"] for outcome in outcomes if "status" in outcome]
    statuses += [status for outcome in outcomes for status in outcome.get("statuses", [])]
    logged = [int(code) for log in work.glob("server-*.log") for code in re.findall(r'" (\d{3}) ', log.read_text())]
    verifies = [outcome for outcome in outcomes if outcome["step"] == "verify"]
    races = [outcome for outcome in outcomes if outcome["step"] == "race"]
    accepted = sum(outcome["status"] == 200 for outcome in verifies) + sum(200 in race["statuses"] for race in races)
    rejected = sum(outcome["status"] == 400 for outcome in verifies) + sum(
        race["statuses"].count(400) for race in races
    )
    codes = [(outcome["account"], outcome["code"]) for outcome in verifies if outcome["status"] == 200]
    bench_events = SecurityEvent.objects.filter(user__username__regex=rf"^{hasher}-bench[0-9]+$")
    kinds = {kind: bench_events.filter(kind=kind).count() for kind in bench_events.values_list("kind", flat=True)}
    per_account = set(bench_events.filter(kind=SecurityEvent.Kind.SIGNED_IN).values_list("user_id", flat=True))
    sign_ins = [outcome["sign_in_seconds"] for outcome in verifies if outcome["status"] == 200]
    serial_total = [password + code for password, code in steps]
    return {
        "accounts": len(accounts),
        "sign_ins": accepted,
        "duration": duration,
        "page_views": sum(outcome["step"] == "page" and outcome["status"] == 200 for outcome in outcomes),
        "server_errors": sum(status >= 500 for status in statuses) + sum(code >= 500 for code in logged),
        "requests_logged": len(logged),
        "races": len(races),
        "races_accepted_once": sum(race["statuses"] == [200, 400] for race in races),
        "codes_accepted_twice": len(codes) - len(set(codes)),
        "events_match": (
            kinds.get("signed_in", 0) == accepted
            and kinds.get("code_failed", 0) == rejected
            and set(kinds) <= {"signed_in", "code_failed"}
            and len(per_account) == accepted
        ),
        "events": kinds,
        "p50": percentile(sign_ins, 0.50),
        "p95": percentile(sign_ins, 0.95),
        "p99": percentile(sign_ins, 0.99),
        "serial_sign_in": statistics.median(serial_total),
        "password_step": statistics.median(password for password, _code in steps),
        "second_step": statistics.median(code for _password, code in steps),
        "hash_seconds": hashing,
        "hash_share": hashing / statistics.median(serial_total),
    }


# 4: growth


def _staff_client() -> Client:
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        return verified_request.verified_client("bench-staff", is_staff=True, is_superuser=True)


def _page_cost(client: Client, url: str, repeat: int = 15) -> tuple[float, int]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    statements = [query["sql"] for query in captured.captured_queries]  # now: the next request empties the log
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(statements), _database_seconds(statements)


def _database_seconds(statements: list[str]) -> float:
    """What PostgreSQL spends on the page's reads (EXPLAIN ANALYZE: planning plus execution), the part that
    would grow with the tables; steadier than the page time on a busy machine."""
    total = 0.0
    with connection.cursor() as cursor:
        for sql in statements:
            if sql.startswith("SELECT"):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
                plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
                total += (plan["Planning Time"] + plan["Execution Time"]) / 1000
    return total


def growth_test(args) -> dict:
    client = _staff_client()
    pages = {
        "verified page /": "/",
        "/2fa/": "/2fa/",
        **{f"admin: {name}": url for name, url in growth.ADMIN_LISTS.items()},
        "admin: a user's change page": None,
    }
    sizes = {}
    for size in (1000, args.growth):
        growth.populate(get_user_model().objects.filter(username__startswith="grow").count(), size)
        change = f"/admin/accounts/user/{get_user_model().objects.get(username='grow500').pk}/change/"
        sizes[size] = {name: _page_cost(client, url or change) for name, url in pages.items()}
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--growth", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--hashers", nargs="+", choices=list(HASHERS), default=list(HASHERS), help="password hashers to load-test"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/run.py needs PostgreSQL (DATABASE_URL=postgres://…): the servers share one database.")
    setup_test_environment()
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    work = Path(tempfile.mkdtemp(prefix="twofa-bench-"))
    try:
        print("1/3 verified request …", flush=True)
        overhead = verified_request.measure(args.requests, 100)
        loads = {}
        for hasher in args.hashers:
            print(f"2/3 sign-in load, {hasher} ({args.accounts} accounts, {args.users} browsers) …", flush=True)
            loads[hasher] = load_test(args, work, hasher)
        print(f"3/3 growth to {args.growth:,} users …", flush=True)
        sizes = growth_test(args)
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_database, verbosity=0)
    print_table(overhead, loads, sizes, work)


def load_rows(hasher: str, load: dict) -> list[tuple[str, str]]:
    return [
        (f"[{hasher}] sign-ins (password + TOTP) completed", f"{load['sign_ins']} of {load['accounts']} accounts"),
        (f"[{hasher}] sign-ins per second (2 servers x 2 workers)", f"{load['sign_ins'] / load['duration']:.2f}"),
        (
            f"[{hasher}] sign-in latency p50 / p95 / p99",
            f"{load['p50'] * 1000:.0f} / {load['p95'] * 1000:.0f} / {load['p99'] * 1000:.0f} ms",
        ),
        (
            f"[{hasher}] password step / second step, one at a time",
            f"{load['password_step'] * 1000:.0f} / {load['second_step'] * 1000:.0f} ms",
        ),
        (
            f"[{hasher}] share of a sign-in spent hashing the password",
            f"{load['hash_share'] * 100:.0f}% ({load['hash_seconds'] * 1000:.0f} ms of {load['serial_sign_in'] * 1000:.0f} ms)",
        ),
        (f"[{hasher}] peak RSS of a worker", f"{load['peak_rss'] / 2**20:.0f} MiB"),
        (f"[{hasher}] verified page views", f"{load['page_views']}"),
        (
            f"[{hasher}] 5xx answers (client and access logs)",
            f"{load['server_errors']} of {load['requests_logged']} requests logged",
        ),
        (
            f"[{hasher}] burst: one code to both servers at once",
            f"accepted once in {load['races_accepted_once']} of {load['races']}",
        ),
        (f"[{hasher}] codes accepted twice", f"{load['codes_accepted_twice']}"),
        (f"[{hasher}] one security event per action", f"{'yes' if load['events_match'] else 'NO'} {load['events']}"),
    ]


def comparison_rows(before: dict, after: dict) -> list[tuple[str, str]]:
    rate = (after["sign_ins"] / after["duration"]) / (before["sign_ins"] / before["duration"])
    return [
        ("argon2id vs pbkdf2: sign-ins per second", f"{rate:.2f}x"),
        ("argon2id vs pbkdf2: p95 sign-in latency", f"{after['p95'] / before['p95'] * 100:.0f}% of before"),
    ]


def print_table(overhead: dict, loads: dict, sizes: dict, work: Path) -> None:
    rows = [
        (
            "verified request: queries (plain login_required page)",
            f"{overhead['verified_queries']:.2f} ({overhead['plain_queries']:.2f})",
        ),
        (
            "verified request: time, verified / plain",
            f"{overhead['ratio']:.3f}x ({overhead['verified_seconds'] * 1000:.2f} ms / {overhead['plain_seconds'] * 1000:.2f} ms)",
        ),
    ]
    for hasher, load in loads.items():
        rows += load_rows(hasher, load)
    if {"pbkdf2", "argon2id"} <= loads.keys():
        rows += comparison_rows(loads["pbkdf2"], loads["argon2id"])
    small, large = sorted(sizes)
    for name in sizes[small]:
        (small_time, small_queries, small_sql), (large_time, large_queries, large_sql) = (
            sizes[small][name],
            sizes[large][name],
        )
        rows.append(
            (
                f"growth {small:,} -> {large:,} users: {name}",
                f"page {small_time * 1000:.0f} -> {large_time * 1000:.0f} ms ({large_time / small_time:.2f}x); "
                f"SQL {small_sql * 1000:.2f} -> {large_sql * 1000:.2f} ms ({large_sql / small_sql:.2f}x); "
                f"{small_queries} -> {large_queries} statements",
            )
        )
    width = max(len(label) for label, _ in rows)
    print()
    print(f"{'measure'.ljust(width)} | value")
    print(f"{'-' * width}-|-{'-' * 60}")
    for label, value in rows:
        print(f"{label.ljust(width)} | {value}")
    print(f"\n(locust's own summary and the servers' access logs: {work})")


if __name__ == "__main__":
    main()
