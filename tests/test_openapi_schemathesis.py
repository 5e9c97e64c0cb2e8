"""Schemathesis fuzzes the live API from its own OpenAPI document: no server error, nothing off the document.

The API runs in pytest-django's live server; Schemathesis loads /api/v1/openapi.json over HTTP and sends
generated valid and invalid requests to every operation, once as an anonymous client and once as a
verified session (the session cookie and the CSRF header of a real sign-in), a bounded number each.
"""

import os
import time
from collections import Counter

import hypothesis
import pytest
import requests
import schemathesis
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import override_settings
from pytest_django.live_server_helper import LiveServer
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from twofactor.api.openapi import document
from twofactor.methods.sms.models import SMSDevice

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# The tests send a real session cookie and CSRF header instead of generated ones.
CONFIG = {"generation": {"with-security-parameters": False}}


class ApiSession:
    """A requests session against the live server that holds cookies and answers CSRF like a browser app."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.http.get(f"{base_url}/api/v1/session").raise_for_status()

    @property
    def csrf_headers(self) -> dict:
        return {"X-CSRFToken": self.http.cookies["csrftoken"]}

    def close(self) -> None:
        # Ends the keep-alive connections, so the server's threads end and close their database connections.
        self.http.close()

    def post(self, path: str, body: dict) -> dict:
        response = self.http.post(f"{self.base_url}/api/v1{path}", json=body, headers=self.csrf_headers)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def live_server(request):
    """pytest-django's live server, started with SECURE_SSL_REDIRECT off (it speaks plain HTTP).

    The server builds its middleware once, when it starts, before a per-test settings fixture could
    switch the redirect off. (tests/browser/conftest.py starts its own the same way.)
    """
    address = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(address)
    yield server
    server.stop()


@pytest.fixture
def server_url(live_server, settings, monkeypatch) -> str:
    # The live server speaks plain HTTP, where clients do not send back cookies marked Secure.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    # It writes headers and body in separate packets; without TCP_NODELAY each keep-alive answer waits
    # ~40 ms for the client's delayed ACK, which would make the fuzzing several times slower.
    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)
    return live_server.url


@pytest.fixture
def api_schema(server_url):
    return schemathesis.openapi.from_url(
        f"{server_url}/api/v1/openapi.json", config=schemathesis.Config.from_dict(CONFIG)
    )


@pytest.fixture
def anonymous(server_url):
    session = ApiSession(server_url)
    yield session
    session.close()


@pytest.fixture
def verified(server_url):
    """Alice, signed in with her authenticator and freshly re-authenticated, with SMS as a second method."""
    user = make_user()
    _device, totp = add_totp(user)
    SMSDevice.objects.create(user=user, name="Code by text message", phone_number="+14155550123", confirmed=True)
    session = ApiSession(server_url)
    session.post("/login", {"username": "alice", "password": PASSWORD})
    assert session.post("/2fa/verify", {"code": totp.now(), "method": "totp"})["verified"] is True
    session.post("/reauthenticate", {"password": PASSWORD, "code": totp.at(time.time() + 30), "method": "totp"})
    yield session
    session.close()


#: (path, method) of every operation the document describes but its own address, which Schemathesis leaves out.
OPERATIONS = [
    (path, method) for path, item in document()["paths"].items() for method in item if path != "/openapi.json"
]


def fuzz(api_schema, path: str, method: str, session: ApiSession) -> Counter:
    """Send MAX_EXAMPLES valid and MAX_EXAMPLES invalid generated requests to one operation, checking each answer.

    Returns how often each (status, error code) was answered.
    """
    operation = api_schema[path][method.upper()]
    answers = Counter()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,  # no .hypothesis/ folder
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def send(case):
            # The CSRF header rides along as the session's own; Schemathesis generates every other part.
            response = case.call_and_validate(session=session.http, headers=session.csrf_headers, checks=CHECKS)
            answers[(response.status_code, _error_code(response))] += 1

        try:
            send()
        except hypothesis.errors.Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # no body or parameter to make invalid (GET /session)
    return answers


def _error_code(response) -> str | None:
    body = response.json()
    return body["error"]["code"] if "error" in body else None


def assert_requests_got_through(answers: Counter) -> None:
    """The session's cookie and CSRF header worked: the fuzzing reached the views, not just the CSRF check."""
    assert sum(count for (status, code), count in answers.items() if code != "csrf_failed") > 0, answers


def test_the_served_document_has_every_operation(api_schema):
    assert sorted(
        (operation.path, operation.method.lower())
        for operation in (result.ok() for result in api_schema.get_all_operations())
    ) == sorted(OPERATIONS)


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_anonymous_client(api_schema, anonymous, path, method):
    assert_requests_got_through(fuzz(api_schema, path, method, anonymous))


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_verified_session(api_schema, verified, path, method):
    answers = fuzz(api_schema, path, method, verified)
    assert_requests_got_through(answers)
    assert not {code for _status, code in answers} & {"not_authenticated", "two_factor_required"}, answers
