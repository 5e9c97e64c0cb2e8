"""What every endpoint shares: CSRF in the error shape, 401/404/405 as JSON, no caching."""

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from tests.support.api_client import ApiClient, error_of
from tests.support.users import PASSWORD
from twofactor.api.urls import urlpatterns

pytestmark = pytest.mark.django_db

ENDPOINTS = [pattern for pattern in urlpatterns if hasattr(pattern.callback, "api_methods")]


def url_of(pattern: URLPattern) -> str:
    kwargs = {"device_id": "totp"} if "device_id" in str(pattern.pattern) else {}
    if "browser_id" in str(pattern.pattern):
        kwargs = {"browser_id": 1}
    return reverse(f"twofactor_api:{pattern.name}", kwargs=kwargs)


def endpoint_ids(pattern: URLPattern) -> str:
    return pattern.name


@pytest.fixture
def api():
    return ApiClient()


def test_every_endpoint_is_listed():
    assert {pattern.name for pattern in ENDPOINTS} == {
        "session",
        "login",
        "logout",
        "reauthenticate",
        "send_code",
        "verify",
        "rescue",
        "step_up",
        "devices",
        "device",
        "setup_totp",
        "setup_email",
        "setup_sms",
        "setup_confirm",
        "backup_codes",
        "openapi",
        "setup_hotp",  # the test-only method (tests/hardware_token)
        "setup_passkey_begin",
        "setup_passkey_complete",
        "verify_passkey_begin",
        "verify_passkey_complete",
        "passkey_sign_in_begin",
        "passkey_sign_in_complete",
        "trusted_browsers",
        "trusted_browser",
    }


@pytest.mark.parametrize("pattern", [p for p in ENDPOINTS if p.callback.sign_in_required], ids=endpoint_ids)
def test_anonymous_requests_get_not_authenticated(api, pattern):
    method = pattern.callback.api_methods[0].lower()
    if method == "get":
        response = api.django.get(url_of(pattern))
    else:
        response = getattr(api.django, method)(
            url_of(pattern), "", content_type="application/json", headers={"X-CSRFToken": api.csrf_token}
        )
    error_of(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    "pattern",
    [p for p in ENDPOINTS if "POST" in p.callback.api_methods or "DELETE" in p.callback.api_methods],
    ids=endpoint_ids,
)
def test_unsafe_requests_without_the_csrf_header_are_refused_as_json(api, pattern, verified_api):
    method = next(method for method in pattern.callback.api_methods if method in ("POST", "DELETE")).lower()
    response = getattr(verified_api.django, method)(url_of(pattern), "{}", content_type="application/json")
    error = error_of(response, 403, "csrf_failed")
    assert "CSRF token" in error["message"]


@pytest.fixture
def verified_api(totp_user):
    _user, _device, totp = totp_user
    client = ApiClient()
    client.login("alice", PASSWORD)
    client.verify(totp.now())
    return client


def test_a_wrong_csrf_token_is_refused(api, user):
    response = api.post("/login", {"username": "alice", "password": PASSWORD}, headers={"X-CSRFToken": "x" * 32})
    error_of(response, 403, "csrf_failed")
    assert api.get("/session").json()["authenticated"] is False


def test_a_csrf_header_without_the_cookie_is_refused(user):
    token = ApiClient().csrf_token  # a valid token, from another client's cookie
    fresh = Client(enforce_csrf_checks=True)
    response = fresh.post(
        "/api/v1/login",
        {"username": "alice", "password": PASSWORD},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    error = error_of(response, 403, "csrf_failed")
    assert "cookie" in error["message"]


def test_a_foreign_origin_is_refused(api, user):
    response = api.post(
        "/login", {"username": "alice", "password": PASSWORD}, headers={"Origin": "https://evil.example"}
    )
    error = error_of(response, 403, "csrf_failed")
    assert "evil.example" in error["message"]


def test_https_requests_need_a_matching_referer_or_origin(api, user):
    response = api.post("/login", {"username": "alice", "password": PASSWORD}, secure=True)
    error_of(response, 403, "csrf_failed")
    response = api.post(
        "/login", {"username": "alice", "password": PASSWORD}, secure=True, headers={"Origin": "https://testserver"}
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("method", ["put", "patch", "get", "delete"])
def test_other_methods_get_405_with_allow(api, method):
    response = getattr(api.django, method)("/api/v1/login")
    error_of(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nothing", "/api/v1/session/", "/api/v1/2fa/devices/a/b"])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_addresses_answer_404_as_json(api, path, method):
    error_of(getattr(api.django, method)(path), 404, "not_found")


def test_answers_are_never_cached(verified_api):
    for response in (
        verified_api.get("/2fa/devices"),
        verified_api.post("/2fa/verify", {"code": "1"}),
        verified_api.get("/session"),
    ):
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Type"] == "application/json"


# The decorator itself, applied here: the project's endpoints were decorated at import, before any test ran.


def test_an_endpoint_needs_a_signed_in_user_unless_it_says_otherwise(rf, user):
    from django.contrib.auth.models import AnonymousUser
    from django.http import JsonResponse

    from twofactor.web.endpoint import endpoint

    @endpoint("GET")
    def private(request):
        return JsonResponse({"secret": True})

    @endpoint("GET", sign_in_required=False)
    def public(request):
        return JsonResponse({"open": True})

    request = rf.get("/api/v1/x")
    request.user = AnonymousUser()
    assert answered(private(request)) == (401, "not_authenticated")
    assert public(request).status_code == 200
    request.user = user
    assert private(request).status_code == 200
    assert (private.api_methods, private.sign_in_required, public.sign_in_required) == (("GET",), True, False)


def test_an_endpoint_leaves_csrf_to_its_own_json_check(rf, user):
    """Django's middleware must skip it (csrf_exempt), so that the endpoint answers a failure in JSON."""
    from django.http import JsonResponse
    from django.middleware.csrf import CsrfViewMiddleware

    from twofactor.web.endpoint import endpoint

    @endpoint("POST")
    def change(request):
        return JsonResponse({"changed": True})

    request = rf.post("/api/v1/x", "{}", content_type="application/json")
    request.user = user
    assert CsrfViewMiddleware(lambda r: None).process_view(request, change, (), {}) is None
    assert answered(change(request)) == (403, "csrf_failed")
    response = change(rf.put("/api/v1/x"))
    assert answered(response) == (405, "method_not_allowed")
    assert response["Allow"] == "POST"


def answered(response) -> tuple[int, str]:
    import json

    return response.status_code, json.loads(response.content)["error"]["code"]
