"""Playwright fixtures: one Debian Chromium for the browser tests, a fresh browser context per test.

The browser talks to pytest-django's live server (a real HTTP server in a thread of this
process), so settings overrides and monkeypatches apply to the server too. Without
/usr/bin/chromium the tests skip with one line, except on CI (CI=true), where they fail.
"""

import os
from collections.abc import Callable, Iterator

import pytest

from tests.support.authenticator_clock import AuthenticatorClock

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_calls_beside_playwright():
    """Playwright's sync API leaves an event loop running in this thread; the ORM calls of these tests are still
    synchronous and safe. Set for this package only: a subprocess started by another test must not inherit it
    (`check --deploy` rightly flags it)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, started with SECURE_SSL_REDIRECT off.

    It speaks plain HTTP, and the server builds its middleware once, when it starts (before any
    per-test settings fixture could switch the redirect off).
    """
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    address = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(address)
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all browser tests, closed when they are done (its event loop with it)."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests."
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Open a page in a new browser context (its own cookies): a separate browser, as far as the site knows."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server.url, accept_downloads=True, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def clock(monkeypatch) -> AuthenticatorClock:
    return AuthenticatorClock(monkeypatch)
