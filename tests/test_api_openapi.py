"""The OpenAPI document: valid, served to anyone, and in step with the routes and the error codes."""

import re
from pathlib import Path

import pytest
import schemathesis

from tests.support.api_client import ApiClient
from tests.test_api_endpoint import ENDPOINTS
from twofactor.api.openapi import ERROR_CODES, document

pytestmark = pytest.mark.django_db

TWOFACTOR = Path(__file__).resolve().parent.parent / "twofactor"


@pytest.fixture
def served():
    response = ApiClient().get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_is_valid_openapi(served):
    assert served["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(served).validate()


def test_the_document_names_where_the_api_is_mounted(served):
    assert served["servers"] == [{"url": "/api/v1"}]


def test_every_route_is_described_and_nothing_else(served):
    routes = set()
    for pattern in ENDPOINTS:
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", "{id}", str(pattern.pattern))
        routes |= {(path, method.lower()) for method in pattern.callback.api_methods}
    described = {(path, method) for path, item in served["paths"].items() for method in item}
    assert described == routes


def test_every_operation_documents_its_errors(served):
    for path, item in served["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "200" in responses and "401" in responses, (path, method)
            if method in ("post", "delete"):
                assert {"400", "403"} <= set(responses), (path, method)
                assert operation["security"] and "csrfHeader" in operation["security"][0]
    throttled = served["components"]["responses"]["Throttled"]
    assert throttled["headers"]["Retry-After"]["required"] is True


def raised_codes() -> set[str]:
    """Every error code the app can answer with (flows, sent codes, the API and what it shares with the pages, the
    methods, the middleware), read from their source."""
    sources = [path for path in TWOFACTOR.rglob("*.py") if "migrations" not in path.parts]
    text = "\n".join(path.read_text() for path in sources)
    return set(re.findall(r'(?:TwoFactorError|_json_error)\(\s*"(\w+)"', text))


def test_every_error_code_that_can_be_raised_is_documented(served):
    codes = raised_codes()
    assert {"invalid_credentials", "throttled", "two_factor_required", "csrf_failed"} <= codes
    assert codes <= set(ERROR_CODES), codes - set(ERROR_CODES)
    assert served["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"] == list(
        ERROR_CODES
    )


def test_cookie_and_header_names_follow_the_settings(settings):
    settings.SESSION_COOKIE_NAME = "app_session"
    settings.CSRF_HEADER_NAME = "HTTP_X_XSRF_TOKEN"
    schemes = document()["components"]["securitySchemes"]
    assert schemes["sessionCookie"]["name"] == "app_session"
    assert schemes["csrfHeader"]["name"] == "X-Xsrf-Token"
    assert schemes["csrfCookie"]["name"] == "csrftoken"


def test_the_document_is_reachable_before_the_second_step(totp_user):
    api = ApiClient()
    api.login("alice", "correct-horse-battery-9")
    assert api.get("/openapi.json").status_code == 200
