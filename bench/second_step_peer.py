#!/usr/bin/env python
"""The second sign-in step of this project and of django-two-factor-auth, side by side on one machine.

    python3 bench/second_step_peer.py                    # PostgreSQL at 127.0.0.1:5432 (DATABASE_URL to choose)
    python3 bench/second_step_peer.py --sign-ins 60 --rounds 3

The peer runs in a throwaway virtual environment, `.venv-peer/` (bench/requirements-peer.txt: Django 5.2 and
django-two-factor-auth with what it needs, pinned), made on first use; this project runs in the current Python
(the project's `.venv`). Each side builds its own throwaway test database on the same server, creates
`--sign-ins` users with an authenticator app (TOTP, django-otp's device on the peer's side), and signs each in
through Django's test client: the password step untimed, then the code step timed and its SQL statements
counted. Password hashing is MD5 on both sides, so nothing but the second step is compared. The sides take
turns `--rounds` times; the table gives each side's median over all sign-ins and its statement count.
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = ROOT / ".venv-peer"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PEER_REQUIREMENTS = ROOT / "bench" / "requirements-peer.txt"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/twofa_peer"


def ensure_peer_environment() -> None:
    if not PEER_PYTHON.exists():
        print("Creating .venv-peer/ …", flush=True)
        venv.EnvBuilder(with_pip=True).create(PEER_VENV)
    digest = hashlib.sha256(PEER_REQUIREMENTS.read_bytes()).hexdigest()
    stamp = PEER_VENV / ".installed"
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installing bench/requirements-peer.txt …", flush=True)
        subprocess.run(
            [PEER_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", PEER_REQUIREMENTS],
            check=True,
        )
        stamp.write_text(digest)


#: Transaction control: counted apart (a round trip each, but not work on data).
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _result(times: list[float], statements: list[list[str]]) -> dict:
    data = [[sql for sql in request if not sql.startswith(CONTROL)] for request in statements]
    return {
        "times": times,
        "statements": max(len(request) for request in data),
        "control": max(len(request) for request in statements) - max(len(request) for request in data),
        "sql": statements[-1],
    }


# One side, in a process of its own: `python bench/second_step_peer.py --side ours|peer --sign-ins N`


def _database(name_suffix: str) -> dict:
    import environ

    return environ.Env.db_url_config(f"{os.environ.get('DATABASE_URL', DEFAULT_DATABASE)}_{name_suffix}")


def measure_ours(count: int) -> dict:
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    os.environ["DATABASE_URL"] = f"{url}_ours"
    os.environ["PASSWORD_ARGON2_MEMORY_KIB"] = "8"  # replaced by MD5 below; no 19 MiB hash while setting up
    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    from bench.verified_request import add_authenticator  # sets Django up with the project's settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    times, statements = [], []
    try:
        for index in range(count):
            user = get_user_model().objects.create_user(f"ours{index}", f"ours{index}@example.com", "pw-0123456789")
            totp = add_authenticator(user)
            client = Client()
            assert (
                client.post("/accounts/login/", {"username": user.username, "password": "pw-0123456789"}).status_code
                == 302
            )
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post("/2fa/verify/", {"code": totp.now()})
                times.append(time.perf_counter() - started)
            assert response.status_code == 302 and response.url == "/", response
            statements.append([query["sql"] for query in captured.captured_queries])
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_database, verbosity=0)
    return _result(times, statements)


def measure_peer(count: int) -> dict:
    import types

    import django
    from django.conf import settings

    urls = types.ModuleType("peer_urls")
    sys.modules["peer_urls"] = urls
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdef",
        ALLOWED_HOSTS=["testserver"],
        DATABASES={"default": _database("peer")},
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django_otp",
            "django_otp.plugins.otp_static",
            "django_otp.plugins.otp_totp",
            "two_factor",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django_otp.middleware.OTPMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        ROOT_URLCONF="peer_urls",
        LOGIN_URL="two_factor:login",
        LOGIN_REDIRECT_URL="/done/",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()
    from django.http import HttpResponse
    from django.urls import include, path
    from two_factor.urls import urlpatterns as two_factor_urls

    urls.urlpatterns = [path("", include(two_factor_urls)), path("done/", lambda request: HttpResponse("ok"))]

    import pyotp
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django_otp.plugins.otp_totp.models import TOTPDevice

    setup_test_environment()
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    times, statements = [], []
    try:
        for index in range(count):
            user = get_user_model().objects.create_user(f"peer{index}", f"peer{index}@example.com", "pw-0123456789")
            device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
            totp = pyotp.TOTP(base64_key(device.bin_key))
            client = Client()
            response = client.post(
                "/account/login/",
                {"login_view-current_step": "auth", "auth-username": user.username, "auth-password": "pw-0123456789"},
            )
            assert response.status_code == 200 and b"token-otp_token" in response.content, response
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(
                    "/account/login/", {"login_view-current_step": "token", "token-otp_token": totp.now()}
                )
                times.append(time.perf_counter() - started)
            assert response.status_code == 302 and response.url == "/done/", response
            statements.append([query["sql"] for query in captured.captured_queries])
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_database, verbosity=0)
    return _result(times, statements)


def base64_key(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode()


def run_side(side: str, count: int) -> dict:
    python = PEER_PYTHON if side == "peer" else sys.executable
    output = subprocess.run(
        [python, __file__, "--side", side, "--sign-ins", str(count)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statements", action="store_true", help="print each side's statements of one sign-in")
    parser.add_argument("--side", choices=["ours", "peer"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        measure = measure_ours if args.side == "ours" else measure_peer
        print(json.dumps(measure(args.sign_ins)))
        return
    ensure_peer_environment()
    results = {side: {"times": [], "statements": 0, "control": 0, "sql": []} for side in ("ours", "peer")}
    for round_ in range(args.rounds):
        for side in ("peer", "ours"):
            print(f"round {round_ + 1}/{args.rounds}: {side} …", flush=True)
            result = run_side(side, args.sign_ins)
            results[side]["times"] += result["times"]
            results[side]["statements"] = max(results[side]["statements"], result["statements"])
            results[side]["control"] = max(results[side]["control"], result["control"])
            results[side]["sql"] = result["sql"]
    if args.statements:
        for side in ("ours", "peer"):
            print(f"\n{side}: {len(results[side]['sql'])} statements")
            for sql in results[side]["sql"]:
                print(f"  {sql[:160]}")
    ours, peer = (statistics.median(results[side]["times"]) for side in ("ours", "peer"))
    print()
    print("second sign-in step (authenticator code) | median ms | statements (+ BEGIN/COMMIT)")
    print("-----------------------------------------|-----------|----------------------------")
    for label, side in (("this project (twofactor)", "ours"), ("django-two-factor-auth 1.18.1", "peer")):
        median = statistics.median(results[side]["times"]) * 1000
        print(f"{label:<41}| {median:9.2f} | {results[side]['statements']} (+ {results[side]['control']})")
    print(f"\nthis project / peer: {ours / peer:.2f}x the time")


if __name__ == "__main__":
    main()
