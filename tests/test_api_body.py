"""Request bodies: JSON objects of known fields and the right types, or 400 validation_error naming them."""

import pytest

from tests.support.api_client import ApiClient, error_of
from tests.support.users import PASSWORD
from twofactor.web.body import MAX_BODY_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return ApiClient()


def login_error(api, body, **extra) -> dict:
    return error_of(api.post("/login", body, **extra), 400, "validation_error")


def test_missing_fields_are_named(api):
    error = login_error(api, {})
    assert set(error["fields"]) == {"username", "password"}
    assert error["fields"]["username"] == "This field is required."


def test_unknown_fields_are_refused(api, user):
    error = login_error(api, {"username": "alice", "password": PASSWORD, "is_staff": True})
    assert error["fields"] == {"is_staff": "Unknown field."}
    assert api.get("/session").json()["authenticated"] is False


@pytest.mark.parametrize("value", [123, None, ["alice"], {"name": "alice"}, True])
def test_a_string_field_refuses_other_json_types(api, value):
    error = login_error(api, {"username": value, "password": PASSWORD})
    assert error["fields"] == {"username": "Must be a string."}


@pytest.mark.parametrize("value", ["true", 1, None])
def test_a_boolean_field_refuses_other_json_types(api, totp_user, value):
    api.login("alice", PASSWORD)
    error = error_of(api.post("/2fa/verify", {"code": "123456", "remember": value}), 400, "validation_error")
    assert error["fields"] == {"remember": "Must be true or false."}


@pytest.mark.parametrize("body", ["[]", '"alice"', "42", "null"])
def test_the_body_must_be_an_object(api, body):
    error = login_error(api, body)
    assert set(error["fields"]) == {"__all__"}


@pytest.mark.parametrize("body", ["{", "{'username': 'alice'}", "username=alice&password=x", b"\xff\xfe{}", "[" * 5000])
def test_non_json_bodies_are_refused(api, body):
    error = login_error(api, body)
    assert error["fields"] == {"__all__": "The body is not valid JSON."}


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])
def test_other_content_types_are_refused(api, content_type):
    error = login_error(api, f'{{"username": "alice", "password": "{PASSWORD}"}}', content_type=content_type)
    assert set(error["fields"]) == {"__all__"}
    assert "application/json" in error["message"]


def test_a_form_post_is_refused_in_the_error_shape(api, user):
    response = api.django.post(
        "/api/v1/login", {"username": "alice", "password": PASSWORD}, headers={"X-CSRFToken": api.csrf_token}
    )
    error = error_of(response, 400, "validation_error")
    assert set(error["fields"]) == {"__all__"}


def test_a_huge_body_is_refused_before_it_is_read(api, user):
    body = '{"username": "alice", "password": "' + "x" * MAX_BODY_BYTES + '"}'
    error = login_error(api, body)
    assert set(error["fields"]) == {"__all__"}
    assert str(MAX_BODY_BYTES) in error["message"]


def test_a_huge_body_without_csrf_still_answers_in_the_error_shape(api):
    error = error_of(
        api.post(
            "/login", "a=" + "x" * (3 * 1024 * 1024), csrf=False, content_type="application/x-www-form-urlencoded"
        ),
        400,
        "validation_error",
    )
    assert set(error["fields"]) == {"__all__"}


def test_too_long_values_are_refused_by_the_form(api):
    error = login_error(api, {"username": "a" * 300, "password": PASSWORD})
    assert set(error["fields"]) == {"username"}


@pytest.mark.parametrize("escaped", [r"alice\u0000", r"\ud800alice"])  # a NUL, a lone surrogate
def test_text_a_database_cannot_store_is_refused(api, escaped):
    error = login_error(api, '{"username": "%s", "password": "p"}' % escaped)
    assert set(error["fields"]) == {"username"}


def test_an_empty_body_is_an_empty_object(api, totp_user):
    api.login("alice", PASSWORD)
    assert api.post("/logout").status_code == 200


def test_body_less_endpoints_refuse_fields(api, totp_user):
    api.login("alice", PASSWORD)
    error = error_of(api.post("/logout", {"everywhere": True}), 400, "validation_error")
    assert error["fields"] == {"everywhere": "Unknown field."}


def test_json_with_a_charset_parameter_is_json(api, user):
    response = api.post(
        "/login", {"username": "alice", "password": PASSWORD}, content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 200, response.content
