#!/usr/bin/env python
"""What a verified request costs: queries per request and time relative to a plain `login_required` page.

Standalone: `python bench/verified_request.py [--requests N]`. It builds a throwaway test database
(SQLite by default, or the one DATABASE_URL names, as test_<name>, dropped afterwards), signs one user
in with password and authenticator code through Django's test client, then times the same page
template behind the full two-factor middleware and behind nothing but `login_required` on a site
without the middleware, in the same run. See bench/README.md.
"""

import argparse
import base64
import logging
import os
import secrets
import statistics
import sys
import time
import types
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twofa_site.settings")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("TESTING", "1")  # plain static files storage: no collectstatic needed
os.environ.setdefault("SECURE_SSL_REDIRECT", "off")  # the test client speaks plain HTTP

import django  # noqa: E402

django.setup()
logging.getLogger("twofactor").setLevel(logging.WARNING)  # no log line per sign-in step
warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here

import pyotp  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.generic import TemplateView  # noqa: E402

PASSWORD = "bench-password-0123456789"
TWO_FACTOR_MIDDLEWARE = "twofactor.middleware.TwoFactorMiddleware"
VERIFIED_PAGE = "/"  # the home page: requires a fully verified session
PLAIN_PAGE = "/plain/"  # the same template behind Django's login_required alone


def _bench_urls() -> str:
    """A URLconf: the project's URLs plus the plain page."""
    from twofa_site.urls import urlpatterns

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [
        path("plain/", login_required(TemplateView.as_view(template_name="accounts/home.html"))),
        *urlpatterns,
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def add_authenticator(user) -> pyotp.TOTP:
    """Give `user` a confirmed authenticator app; return an independent generator of its codes."""
    from twofactor.methods.totp.models import TOTPDevice

    key = secrets.token_bytes(20)
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    return pyotp.TOTP(base64.b32encode(key).decode())


def verified_client(username: str, **extra) -> Client:
    """A test client signed in with both steps, as a new user with an authenticator app."""
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)
    totp = add_authenticator(user)
    client = Client()
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    code = totp.now()
    assert client.post("/2fa/verify/", {"code": code}).status_code == 302
    return client


def _plain_client() -> Client:
    """Built while the middleware is switched off: a Client loads its middleware on first use."""
    user = get_user_model().objects.create_user("bench-plain", "plain@example.com", PASSWORD)
    client = Client()
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def _queries_per_request(client: Client, url: str, requests: int = 50) -> float:
    for _ in range(20):  # warm up: templates compiled, session written
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        for _ in range(requests):
            client.get(url)
    return len(captured.captured_queries) / requests


def _seconds_per_request(client: Client, url: str, requests: int) -> float:
    """Timed apart from the query count: capturing queries slows every query down."""
    started = time.perf_counter()
    for _ in range(requests):
        client.get(url)
    return (time.perf_counter() - started) / requests


def measure(requests: int = 4000, batch: int = 100) -> dict:
    """Queries and median time per request of the verified page and the plain page, on the current database."""
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # sign-in speed is not measured here
    with override_settings(ROOT_URLCONF=_bench_urls(), PASSWORD_HASHERS=fast_hashing):
        verified = verified_client("bench-verified")
        without_middleware = [name for name in settings.MIDDLEWARE if name != TWO_FACTOR_MIDDLEWARE]
        with override_settings(MIDDLEWARE=without_middleware, TWOFACTOR_REQUIRED="optional"):
            plain = _plain_client()
            plain.get(PLAIN_PAGE)  # loads this client's middleware chain, without two-factor
        verified_queries = _queries_per_request(verified, VERIFIED_PAGE)
        plain_queries = _queries_per_request(plain, PLAIN_PAGE)
        times: dict[str, list[float]] = {"verified": [], "plain": []}
        ratios = []
        for index in range(max(1, requests // batch)):
            # Back-to-back pairs in alternating order, so a busy machine slows both sides of a pair alike.
            order = [("verified", verified, VERIFIED_PAGE), ("plain", plain, PLAIN_PAGE)]
            for name, client, url in order if index % 2 == 0 else order[::-1]:
                times[name].append(_seconds_per_request(client, url, batch))
            ratios.append(times["verified"][-1] / times["plain"][-1])
    return {
        "pairs": len(ratios),
        "batch": batch,
        "verified_queries": verified_queries,
        "plain_queries": plain_queries,
        "verified_seconds": statistics.median(times["verified"]),
        "plain_seconds": statistics.median(times["plain"]),
        "ratio": statistics.median(ratios),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", "-n", type=int, default=4000, help="requests per page (default 4000)")
    parser.add_argument("--batch", type=int, default=100, help="requests per timed batch (default 100)")
    args = parser.parse_args()

    setup_test_environment()
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        result = measure(args.requests, args.batch)
    finally:
        connection.creation.destroy_test_db(test_database, verbosity=0)

    print(f"database: {connection.vendor}; {result['pairs']} pairs of {args.batch}-request batches, medians reported")
    print(
        f"verified page {VERIFIED_PAGE} (two-factor middleware):   "
        f"{result['verified_queries']:.2f} queries/request, {result['verified_seconds'] * 1000:.3f} ms/request"
    )
    print(
        f"plain login_required page {PLAIN_PAGE} (no middleware): "
        f"{result['plain_queries']:.2f} queries/request, {result['plain_seconds'] * 1000:.3f} ms/request"
    )
    print(
        f"queries per verified request: {result['verified_queries']:.2f} (plain: {result['plain_queries']:.2f}, "
        f"extra: {result['verified_queries'] - result['plain_queries']:+.2f})"
    )
    print(f"time of a verified request relative to the plain page: {result['ratio']:.3f}x")


if __name__ == "__main__":
    main()
