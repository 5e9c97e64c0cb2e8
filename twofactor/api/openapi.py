"""The OpenAPI 3.1 document of the JSON API, kept as Python data beside the views it describes.

tests/test_openapi_schemathesis.py runs Schemathesis against the live API from this document,
and tests/test_api_openapi.py checks that every route is described; change both together.
"""
from copy import deepcopy

from django.conf import settings

from ..codes import MAX_CODE_INPUT
from ..models import RescueRequest
from ..phone import MAX_PHONE_INPUT
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
    "rescue_by_email_refused": "403: a code by email may not replace this account's second step (staff and "
    "superusers, or a password reset by email in the last TWOFACTOR_RESCUE_BY_EMAIL_PAUSE_DAYS days); use a "
    "backup code or a rescue request.",
    "email_factor_paused": "403: after a password reset by email, a code by email cannot be the second step of "
    "an account that has another method (for TWOFACTOR_RESCUE_BY_EMAIL_PAUSE_DAYS days).",
    "second_factor_required": "403: the account has a method, so adding another needs a session that passed "
    "its second step.",
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


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "properties": properties, "required": required or [], "additionalProperties": False,
            **extra}


def _text(max_length: int, **extra) -> dict:
    return {"type": "string", "maxLength": max_length, **extra}


NULLABLE_STRING = {"type": ["string", "null"]}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
METHOD = {"type": "string", "enum": ["totp", "sms", "email", "backup"]}

SCHEMAS = {
    "Error": _object(
        {
            "error": _object(
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
    "User": _object(
        {"id": {"type": "integer"}, "username": {"type": "string"}, "email": {"type": "string"}},
        ["id", "username", "email"],
    ),
    "Session": _object(
        {
            "authenticated": {"type": "boolean"},
            "verified": {"type": "boolean", "description": "The session passed a second step."},
            "user": {"oneOf": [_ref("User"), {"type": "null"}]},
            "two_factor": _object(
                {
                    "required": {"type": "boolean", "description": "The site requires this user to use two-factor."},
                    "state": {
                        "type": "string",
                        "enum": ["none", "verify", "setup"],
                        "description": "What is pending: a code (`verify`), a new method (`setup`) or nothing.",
                    },
                    "methods": {"type": "array", "items": METHOD},
                    "primary_method": {"type": ["string", "null"], "enum": ["totp", "sms", "email", None]},
                },
                ["required", "state", "methods", "primary_method"],
            ),
        },
        ["authenticated", "verified", "user", "two_factor"],
    ),
    "Device": _object(
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
    "DeviceList": _object({"devices": {"type": "array", "items": _ref("Device")}}, ["devices"]),
    "SentCode": _object(
        {
            "sent_to": {"type": "string", "description": "The masked address or number."},
            "cooldown_seconds": {"type": "integer", "description": "Wait this long before asking for another."},
        },
        ["sent_to", "cooldown_seconds"],
    ),
    "TOTPEnrolment": _object(
        {
            "secret": {"type": "string", "description": "The base32 key, for typing into an authenticator app."},
            "otpauth_uri": {"type": "string", "description": "otpauth://totp/… (Key Uri Format)."},
            "qr_svg": {"type": "string", "description": "The URI as a QR code, an <svg> element."},
        },
        ["secret", "otpauth_uri", "qr_svg"],
    ),
    "BackupCodes": _object(
        {"backup_codes": {"type": "array", "items": {"type": "string"}, "description": "Shown this once."}},
        ["backup_codes"],
    ),
    "Confirmed": _object(
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
    "Reauthenticated": _object(
        {"reauthenticated": {"type": "boolean"}, "valid_seconds": {"type": "integer"}},
        ["reauthenticated", "valid_seconds"],
    ),
    "RescueAnswer": {
        "oneOf": [
            _object(
                {"option": {"const": "email"}, "sent_to": {"type": "string"}, "cooldown_seconds": {"type": "integer"}},
                ["option", "sent_to", "cooldown_seconds"],
            ),
            _object({"option": {"const": "email_code"}, "session": _ref("Session")}, ["option", "session"]),
            _object({"option": {"const": "help"}, "filed": {"type": "boolean"}}, ["option", "filed"]),
        ]
    },
    # Request bodies
    "LoginBody": _object(
        {"username": _text(254, description="A username or an email address."), "password": _text(4096)},
        ["username", "password"],
    ),
    "EmptyBody": {"type": "object", "maxProperties": 0, "description": "No fields (the body may be left out)."},
    "ReauthenticateBody": _object(
        {
            "password": _text(4096),
            "code": _text(MAX_CODE_INPUT, description="Required when the user has methods."),
            "method": {**METHOD, "description": "The method the code is from; guessed when left out."},
        },
        ["password"],
    ),
    "ChallengeBody": _object({"method": {"type": "string", "enum": ["email", "sms"]}}, ["method"]),
    "VerifyBody": _object(
        {
            "code": _text(MAX_CODE_INPUT, description="A 6-digit code or a backup code."),
            "method": {**METHOD, "description": "The method the code is from; the pending one when left out."},
            "remember": {"type": "boolean", "description": "Set the remember-this-browser cookie."},
        },
        ["code"],
    ),
    "TOTPSetupBody": _object({"restart": {"type": "boolean", "description": "Replace a pending key."}}),
    "EmailSetupBody": _object(
        {"email": _text(254, description="Another address than the account's; the account's when left out.")}
    ),
    "SMSSetupBody": _object(
        {"phone": _text(MAX_PHONE_INPUT, description="E.164, or national format in the site's region.")}, ["phone"]
    ),
    "ConfirmBody": _object({"code": _text(MAX_CODE_INPUT, description="The 6-digit code.")}, ["code"]),
    "RescueBody": _object(
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
    "Forbidden": {"description": "`csrf_failed`, `reauthentication_required`, `second_factor_required`, "
                  "`email_factor_paused`, `rescue_by_email_disabled` or `rescue_by_email_refused`.",
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


def _operation(operation_id: str, summary: str, answer: str, errors: list[int], *, body: str | None = None,
               body_required: bool = True, security: list | None = None, parameters: list | None = None) -> dict:
    """One operation: 200 with the `answer` schema, then the listed error statuses (401 is always possible)."""
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": _ref(answer)}}}}
    for status in sorted({401, *errors}):
        responses[str(status)] = {"$ref": f"#/components/responses/{STATUS_RESPONSES[status]}"}
    operation = {"operationId": operation_id, "summary": summary, "responses": responses,
                 "security": security if security is not None else UNSAFE_SECURITY}
    if body:
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    if parameters:
        operation["parameters"] = parameters
    return operation


BODY_ERRORS = [400, 403]  # validation_error, csrf_failed: every operation with a body

PATHS = {
    "/session": {
        "get": _operation(
            "getSession", "The session: who is signed in and what the second step still needs. Sets the CSRF "
            "cookie.", "Session", [], security=[],
        )
    },
    "/login": {
        "post": _operation(
            "login", "The password step. One error, 401 invalid_credentials, for any wrong identity or password "
            "and for inactive accounts; failures are throttled per identifier and per address (429).", "Session",
            [*BODY_ERRORS, 429], body="LoginBody", security=CSRF_ONLY_SECURITY,
        )
    },
    "/logout": {
        "post": _operation("logout", "End the session; answers the signed-out session.", "Session", BODY_ERRORS,
                           body="EmptyBody", body_required=False, security=CSRF_ONLY_SECURITY)
    },
    "/reauthenticate": {
        "post": _operation(
            "reauthenticate", "Prove the password (and a code, when the user has methods) before removing a "
            "method or generating backup codes.", "Reauthenticated", [*BODY_ERRORS, 429], body="ReauthenticateBody",
        )
    },
    "/2fa/challenge": {
        "post": _operation("sendCode", "Send a code by email or SMS (for the second step or re-authentication); "
                           "a cooldown and hourly caps answer 429.", "SentCode", [*BODY_ERRORS, 429, 503],
                           body="ChallengeBody")
    },
    "/2fa/verify": {
        "post": _operation("verify", "Complete the second step with a code; 409 when no sign-in waits for one.",
                           "Session", [*BODY_ERRORS, 409, 429], body="VerifyBody")
    },
    "/2fa/rescue": {
        "post": _operation("rescue", "Lost device, during the second step: a one-time code by email, or a rescue "
                           "request to the administrators. (A backup code goes to POST /2fa/verify.)", "RescueAnswer",
                           [*BODY_ERRORS, 409, 429, 503], body="RescueBody")
    },
    "/2fa/devices": {
        "get": _operation("listDevices", "The user's methods, without secrets.", "DeviceList", [],
                          security=SESSION_SECURITY)
    },
    "/2fa/devices/{id}": {
        "delete": _operation(
            "removeDevice", "Remove a method (recent re-authentication required). The last method cannot be "
            "removed while the site requires two-factor (409); backup codes go with the last method.", "DeviceList",
            [*BODY_ERRORS, 404, 409], body="EmptyBody", body_required=False,
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                         "description": "The method name, as listed by GET /2fa/devices."}],
        )
    },
    "/2fa/setup/totp": {
        "post": _operation("setupTotp", "A pending authenticator key, kept until confirmed (a repeated call "
                           "answers the same key unless `restart`).", "TOTPEnrolment", [*BODY_ERRORS, 409],
                           body="TOTPSetupBody", body_required=False)
    },
    "/2fa/setup/email": {
        "post": _operation("setupEmail", "Send a confirmation code to the account's (or another) address.",
                           "SentCode", [*BODY_ERRORS, 409, 429, 503], body="EmailSetupBody", body_required=False)
    },
    "/2fa/setup/sms": {
        "post": _operation("setupSms", "Send a confirmation code to a phone number.", "SentCode",
                           [*BODY_ERRORS, 409, 429, 503], body="SMSSetupBody")
    },
    "/2fa/setup/confirm": {
        "post": _operation("confirmSetup", "Store the pending method with a code from it; the session is then "
                           "verified. The first method comes with backup codes.", "Confirmed",
                           [*BODY_ERRORS, 409, 429], body="ConfirmBody")
    },
    "/2fa/backup-codes": {
        "post": _operation("regenerateBackupCodes", "A new set of backup codes, shown once; the old set stops "
                           "working (recent re-authentication required).", "BackupCodes", [*BODY_ERRORS, 409],
                           body="EmptyBody", body_required=False)
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


def csrf_header_name() -> str:
    """The header Django reads the CSRF token from (CSRF_HEADER_NAME is a WSGI META key)."""
    meta_name = settings.CSRF_HEADER_NAME
    if meta_name == "HTTP_X_CSRFTOKEN":
        return "X-CSRFToken"
    return "-".join(part.capitalize() for part in meta_name.removeprefix("HTTP_").split("_"))


def document(base_path: str = "/api/v1") -> dict:
    """The OpenAPI document for the API mounted at `base_path`, with this site's cookie and header names."""
    components = deepcopy(COMPONENTS)
    schemes = components["securitySchemes"]
    schemes["sessionCookie"]["name"] = settings.SESSION_COOKIE_NAME
    schemes["csrfCookie"]["name"] = settings.CSRF_COOKIE_NAME
    schemes["csrfHeader"]["name"] = csrf_header_name()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Two-factor sign-in API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": base_path}],
        "paths": deepcopy(PATHS),
        "components": components,
    }
