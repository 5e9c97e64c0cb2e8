"""The OpenAPI 3.1 document of the JSON API, kept as Python data beside the views it describes.

tests/test_openapi_schemathesis.py runs Schemathesis against the live API from this document,
and tests/test_api_openapi.py checks that every route is described; change both together.
"""
from copy import deepcopy

from django import forms
from django.conf import settings

from ..codes import MAX_CODE_INPUT
from ..methods import registry
from ..models import RescueRequest
from .body import MAX_BODY_BYTES

#: Every error code the API answers with. Clients may rely on these; new ones are added here first.
ERROR_CODES = {
    "validation_error": "400: the body is not JSON, not an object, too large, or a field is missing, unknown, "
    "of the wrong type or not valid; `fields` names each field (`__all__` for the body as a whole).",
    "invalid_credentials": "401 from POST /login: the username, email or password is not correct (the same for "
    "an unknown or inactive account); 400 from POST /reauthenticate: the password is not correct.",
    "invalid_code": "400: the code is not valid.",
    "code_expired": "400: the code sent for an enrolment has expired; ask for a new one.",
    "invalid_method": "400: the user has no such method, or it does not send codes.",
    "invalid_email": "400: the email address for the email method is missing or not valid.",
    "invalid_phone": "400: the phone number is not one that can receive codes.",
    "invalid_message": "400: the rescue message is too long.",
    "not_authenticated": "401: sign in first.",
    "two_factor_required": "401: the password step is done but the session must first pass the second step "
    "(state `verify`) or add a method (state `setup`).",
    "sign_in_expired": "401: the pending sign-in waited too long for its second step; sign in again.",
    "csrf_failed": "403: the CSRF check failed (missing or wrong X-CSRFToken header or csrftoken cookie, "
    "or a foreign Origin/Referer).",
    "reauthentication_required": "403: POST /reauthenticate first (password, and a code when the user has methods).",
    "rescue_by_email_disabled": "403: this site does not mail rescue codes (TWOFACTOR_RESCUE_BY_EMAIL is off).",
    "not_found": "404: no such method of this user, or no such address.",
    "method_not_allowed": "405: the address does not accept this HTTP method (see the Allow header).",
    "conflict": "409: the request does not fit the account's current state (method already set up, last "
    "required method, no sign-in waiting for a code).",
    "no_pending_setup": "409: no enrolment is in progress (or it expired); start it again.",
    "not_pending": "409: rescue is only for a sign-in waiting for its second step.",
    "no_code_sent": "409: ask for a rescue code (option `email`) before entering one.",
    "no_email": "409: the account has no email address to mail a rescue code to.",
    "already_handled": "409: a rescue request was already handled (staff actions; not answered by this API).",
    "throttled": "429: too many attempts or codes; retry after `retry_after` seconds (also the Retry-After header).",
    "delivery_failed": "503: the email or text message could not be sent; try again or use another method.",
}

DESCRIPTION = f"""\
The JSON API for single-page and mobile clients: the same sign-in and two-factor flows as the pages.

**Session and CSRF.** The API uses Django's session cookie (`sessionid`). Start with `GET /session`:
it sets the `csrftoken` cookie. Every POST and DELETE must send that cookie's value in the
`X-CSRFToken` header; over HTTPS it must also send an `Origin` (or `Referer`) header naming the
site. Signing in rotates the token: read the cookie again after `POST /login`.

**Sign-in.** `POST /login` with the password answers the session; its `two_factor.state` tells
what comes next:
`verify` (send a code to `POST /2fa/verify`; for email or SMS first ask for one with `POST /2fa/challenge`
and name the method when verifying; after losing a device, `POST /2fa/rescue`),
`setup` (the site requires a method: enrol one with `POST /2fa/setup/totp`, `/2fa/setup/email` or
`/2fa/setup/sms`, then `POST /2fa/setup/confirm`), or `none` (nothing pending). A session that passed
its second step reports state `none` with `verified: true`; one whose user has no method and needs
none reports `none` with `verified: false`. While the state is `verify` or `setup`, every other
endpoint answers 401 `two_factor_required`.

**Errors.** Every error is `{{"error": {{"code", "message", "fields"}}}}`; `message` is a sentence
for people, `code` is stable for programs, `fields` maps field names to what is wrong with them.
429 answers add `retry_after` (seconds) and a `Retry-After` header. Request bodies are JSON objects
(`Content-Type: application/json`) of at most {MAX_BODY_BYTES} bytes naming only documented fields.
Unknown addresses under the API answer 404 `not_found`, unsupported methods 405 `method_not_allowed`.

**Re-authentication.** Removing a method and generating new backup codes need the password (and a
code, when the user has methods) entered in the last few minutes: `POST /reauthenticate`.

Error codes:
""" + "\n".join(f"- `{code}`: {meaning}" for code, meaning in ERROR_CODES.items())


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    """An object schema with exactly these properties."""
    return {"type": "object", "properties": properties, "required": required or [], "additionalProperties": False,
            **extra}


def _text(max_length: int, **extra) -> dict:
    return {"type": "string", "maxLength": max_length, **extra}


NULLABLE_STRING = {"type": ["string", "null"]}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
METHOD = {"type": "string", "enum": []}  # the active methods' keys, filled in by document()

SCHEMAS = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": {"type": "string", "enum": list(ERROR_CODES)},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "retry_after": {"type": "integer", "minimum": 1, "description": "Only on 429."},
                },
                ["code", "message", "fields"],
            )
        },
        ["error"],
    ),
    "User": obj(
        {"id": {"type": "integer"}, "username": {"type": "string"}, "email": {"type": "string"}},
        ["id", "username", "email"],
    ),
    "Session": obj(
        {
            "authenticated": {"type": "boolean"},
            "verified": {"type": "boolean", "description": "The session passed a second step."},
            "user": {"oneOf": [_ref("User"), {"type": "null"}]},
            "two_factor": obj(
                {
                    "required": {"type": "boolean", "description": "The site requires this user to use two-factor."},
                    "state": {
                        "type": "string",
                        "enum": ["none", "verify", "setup"],
                        "description": "What is pending: a code (`verify`), a new method (`setup`) or nothing.",
                    },
                    "methods": {"type": "array", "items": METHOD},
                    "primary_method": {"type": ["string", "null"], "enum": [None]},  # filled in by document()
                },
                ["required", "state", "methods", "primary_method"],
            ),
        },
        ["authenticated", "verified", "user", "two_factor"],
    ),
    "Device": obj(
        {
            "id": {"type": "string", "description": "The method name; use it in DELETE /2fa/devices/{id}."},
            "method": METHOD,
            "name": {"type": "string"},
            "target": {**NULLABLE_STRING, "description": "Masked address or number for email and SMS."},
            "primary": {"type": "boolean", "description": "Offered first at sign-in."},
            "created_at": TIMESTAMP,
            "last_used_at": TIMESTAMP,
            "remaining_codes": {"type": ["integer", "null"], "description": "Unused backup codes."},
        },
        ["id", "method", "name", "target", "primary", "created_at", "last_used_at", "remaining_codes"],
    ),
    "DeviceList": obj({"devices": {"type": "array", "items": _ref("Device")}}, ["devices"]),
    "SentCode": obj(
        {
            "sent_to": {"type": "string", "description": "The masked address or number."},
            "cooldown_seconds": {"type": "integer", "description": "Wait this long before asking for another."},
        },
        ["sent_to", "cooldown_seconds"],
    ),
    "Confirmed": obj(
        {
            "device": _ref("Device"),
            "backup_codes": {
                "type": ["array", "null"],
                "items": {"type": "string"},
                "description": "The first set of backup codes, when this was the first method; shown this once.",
            },
            "session": _ref("Session"),
        },
        ["device", "backup_codes", "session"],
    ),
    "Reauthenticated": obj(
        {"reauthenticated": {"type": "boolean"}, "valid_seconds": {"type": "integer"}},
        ["reauthenticated", "valid_seconds"],
    ),
    "RescueAnswer": {
        "oneOf": [
            obj(
                {"option": {"const": "email"}, "sent_to": {"type": "string"}, "cooldown_seconds": {"type": "integer"}},
                ["option", "sent_to", "cooldown_seconds"],
            ),
            obj({"option": {"const": "email_code"}, "session": _ref("Session")}, ["option", "session"]),
            obj({"option": {"const": "help"}, "filed": {"type": "boolean"}}, ["option", "filed"]),
        ]
    },
    # Request bodies
    "LoginBody": obj(
        {"username": _text(254, description="A username or an email address."), "password": _text(4096)},
        ["username", "password"],
    ),
    "EmptyBody": {"type": "object", "maxProperties": 0, "description": "No fields (the body may be left out)."},
    "ReauthenticateBody": obj(
        {
            "password": _text(4096),
            "code": _text(MAX_CODE_INPUT, description="Required when the user has methods."),
            "method": {**METHOD, "description": "The method the code is from; guessed when left out."},
        },
        ["password"],
    ),
    "ChallengeBody": obj({"method": {"type": "string", "enum": []}}, ["method"]),  # filled in by document()
    "VerifyBody": obj(
        {
            "code": _text(MAX_CODE_INPUT, description="A 6-digit code or a backup code."),
            "method": {**METHOD, "description": "The method the code is from; the pending one when left out."},
            "remember": {"type": "boolean", "description": "Set the remember-this-browser cookie."},
        },
        ["code"],
    ),
    "ConfirmBody": obj({"code": _text(MAX_CODE_INPUT, description="The 6-digit code.")}, ["code"]),
    "RescueBody": obj(
        {
            "option": {
                "type": "string",
                "enum": ["email", "email_code", "help"],
                "description": "`email`: mail a one-time code to the account's address; `email_code`: enter it "
                "(completes the sign-in); `help`: ask the administrators (an open request is added to).",
            },
            "code": _text(MAX_CODE_INPUT, description="For `email_code`: the 6-digit code from the email."),
            "message": _text(RescueRequest.MESSAGE_MAX_LENGTH,
                             description="For `help`: how the administrators can check it is you (may be empty)."),
        },
        ["option"],
    ),
}

ERROR_CONTENT = {"application/json": {"schema": _ref("Error")}}
RESPONSES = {
    "BadRequest": {"description": "Bad input.", "content": ERROR_CONTENT},
    "Unauthorized": {
        "description": "`not_authenticated`, `two_factor_required` or `sign_in_expired`; `invalid_credentials` "
        "from POST /login.",
        "content": ERROR_CONTENT,
    },
    "Forbidden": {"description": "`csrf_failed`, `reauthentication_required` or `rescue_by_email_disabled`.",
                  "content": ERROR_CONTENT},
    "NotFound": {"description": "`not_found`.", "content": ERROR_CONTENT},
    "Conflict": {"description": "`conflict`, `no_pending_setup`, `not_pending`, `no_code_sent` or `no_email`.",
                 "content": ERROR_CONTENT},
    "Throttled": {
        "description": "`throttled`.",
        "headers": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}},
        "content": ERROR_CONTENT,
    },
    "DeliveryFailed": {"description": "`delivery_failed`.", "content": ERROR_CONTENT},
}
STATUS_RESPONSES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                    429: "Throttled", 503: "DeliveryFailed"}

SESSION_SECURITY = [{"sessionCookie": []}]
UNSAFE_SECURITY = [{"sessionCookie": [], "csrfCookie": [], "csrfHeader": []}]
CSRF_ONLY_SECURITY = [{"csrfCookie": [], "csrfHeader": []}]


def form_schema(form_class) -> dict:
    """The JSON body a form accepts (twofactor.api.body.read_json): its fields, their types, limits and choices.

    The API reads every body through a form, so the document is derived from the same declaration.
    """
    properties, required = {}, []
    for name, field in form_class().fields.items():
        if isinstance(field, forms.BooleanField):
            schema = {"type": "boolean"}
        elif isinstance(field, forms.ChoiceField):
            schema = {"type": "string", "enum": [str(value) for value, _label in field.choices if value != ""]}
        else:
            schema = {"type": "string"}
            if getattr(field, "max_length", None):
                schema["maxLength"] = field.max_length
        if field.help_text:
            schema["description"] = str(field.help_text)
        properties[name] = schema
        if field.required:
            required.append(name)
    return obj(properties, required)


def operation(operation_id: str, summary: str, answer: str, errors: list[int], *, body: str | None = None,
              form=None, body_required: bool = True, security: list | None = None,
              parameters: list | None = None) -> dict:
    """One operation: 200 with the `answer` schema, then the listed error statuses (401 is always possible).

    The body is the component schema named `body`, or the schema of `form` (`form_schema`).
    """
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": _ref(answer)}}}}
    for status in sorted({401, *errors}):
        responses[str(status)] = {"$ref": f"#/components/responses/{STATUS_RESPONSES[status]}"}
    described = {"operationId": operation_id, "summary": summary, "responses": responses,
                 "security": security if security is not None else UNSAFE_SECURITY}
    if body or form:
        described["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": _ref(body) if body else form_schema(form)}},
        }
    if parameters:
        described["parameters"] = parameters
    return described


BODY_ERRORS = [400, 403]  # validation_error, csrf_failed: every operation with a body

PATHS = {
    "/session": {
        "get": operation(
            "getSession", "The session: who is signed in and what the second step still needs. Sets the CSRF "
            "cookie.", "Session", [], security=[],
        )
    },
    "/login": {
        "post": operation(
            "login", "The password step. One error, 401 invalid_credentials, for any wrong identity or password "
            "and for inactive accounts; failures are throttled per identifier and per address (429).", "Session",
            [*BODY_ERRORS, 429], body="LoginBody", security=CSRF_ONLY_SECURITY,
        )
    },
    "/logout": {
        "post": operation("logout", "End the session; answers the signed-out session.", "Session", BODY_ERRORS,
                           body="EmptyBody", body_required=False, security=CSRF_ONLY_SECURITY)
    },
    "/reauthenticate": {
        "post": operation(
            "reauthenticate", "Prove the password (and a code, when the user has methods) before removing a "
            "method or generating backup codes.", "Reauthenticated", [*BODY_ERRORS, 429], body="ReauthenticateBody",
        )
    },
    "/2fa/challenge": {
        "post": operation("sendCode", "Send a code by email or SMS (for the second step or re-authentication); "
                           "a cooldown and hourly caps answer 429.", "SentCode", [*BODY_ERRORS, 429, 503],
                           body="ChallengeBody")
    },
    "/2fa/verify": {
        "post": operation("verify", "Complete the second step with a code; 409 when no sign-in waits for one.",
                           "Session", [*BODY_ERRORS, 409, 429], body="VerifyBody")
    },
    "/2fa/rescue": {
        "post": operation("rescue", "Lost device, during the second step: a one-time code by email, or a rescue "
                           "request to the administrators. (A backup code goes to POST /2fa/verify.)", "RescueAnswer",
                           [*BODY_ERRORS, 409, 429, 503], body="RescueBody")
    },
    "/2fa/devices": {
        "get": operation("listDevices", "The user's methods, without secrets.", "DeviceList", [],
                          security=SESSION_SECURITY)
    },
    "/2fa/devices/{id}": {
        "delete": operation(
            "removeDevice", "Remove a method (recent re-authentication required). The last method cannot be "
            "removed while the site requires two-factor (409); backup codes go with the last method.", "DeviceList",
            [*BODY_ERRORS, 404, 409], body="EmptyBody", body_required=False,
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                         "description": "The method name, as listed by GET /2fa/devices."}],
        )
    },
    "/2fa/setup/confirm": {
        "post": operation("confirmSetup", "Store the pending method with a code from it; the session is then "
                           "verified. The first method comes with backup codes.", "Confirmed",
                           [*BODY_ERRORS, 409, 429], body="ConfirmBody")
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "security": [],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"},
            },
        }
    },
}

COMPONENTS = {
    "schemas": SCHEMAS,
    "responses": RESPONSES,
    "securitySchemes": {
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "sessionid",
                          "description": "Django's session cookie, set by POST /login."},
        "csrfCookie": {"type": "apiKey", "in": "cookie", "name": "csrftoken",
                       "description": "Set by GET /session (and renewed by POST /login)."},
        "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                       "description": "The csrftoken cookie's value, on every POST and DELETE."},
    },
}


def _describe_methods(schemas: dict, paths: dict) -> None:
    """Add the active methods: their keys where a method is named, their own endpoints and schemas."""
    methods = registry.methods()
    keys = [method.key for method in methods]
    two_factor = schemas["Session"]["properties"]["two_factor"]["properties"]
    two_factor["methods"]["items"]["enum"] = keys
    two_factor["primary_method"]["enum"] = [method.key for method in methods if not method.recovery] + [None]
    schemas["Device"]["properties"]["method"]["enum"] = keys
    schemas["ReauthenticateBody"]["properties"]["method"]["enum"] = keys
    schemas["VerifyBody"]["properties"]["method"]["enum"] = keys
    schemas["ChallengeBody"]["properties"]["method"]["enum"] = [method.key for method in registry.sending()]
    for method in methods:
        schemas.update(method.openapi_schemas())
        paths.update(method.openapi_paths())
    paths["/openapi.json"] = paths.pop("/openapi.json")  # last, as before


def csrf_header_name() -> str:
    """The header Django reads the CSRF token from (CSRF_HEADER_NAME is a WSGI META key)."""
    meta_name = settings.CSRF_HEADER_NAME
    if meta_name == "HTTP_X_CSRFTOKEN":
        return "X-CSRFToken"
    return "-".join(part.capitalize() for part in meta_name.removeprefix("HTTP_").split("_"))


def document(base_path: str = "/api/v1") -> dict:
    """The OpenAPI document for the API mounted at `base_path`, with this site's cookie and header names."""
    components = deepcopy(COMPONENTS)
    paths = deepcopy(PATHS)
    _describe_methods(components["schemas"], paths)
    schemes = components["securitySchemes"]
    schemes["sessionCookie"]["name"] = settings.SESSION_COOKIE_NAME
    schemes["csrfCookie"]["name"] = settings.CSRF_COOKIE_NAME
    schemes["csrfHeader"]["name"] = csrf_header_name()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Two-factor sign-in API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": base_path}],
        "paths": paths,
        "components": components,
    }
