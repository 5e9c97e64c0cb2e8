"""The OpenAPI components: the answers' and the bodies' schemas, the error responses, the security schemes."""

from ...web.openapi import obj, ref
from .errors import ERROR_CODES


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
                    "max_age": {
                        "type": "integer",
                        "description": "Only on `step_up_required`: how recent (seconds) the second factor must be.",
                    },
                },
                ["code", "message", "fields"],
            )
        },
        ["error"],
    ),
    "User": obj(
        {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "email": {
                "type": "string",
                "description": "Masked (first letter and domain) while the second step is pending.",
            },
        },
        ["id", "username", "email"],
    ),
    "Session": obj(
        {
            "authenticated": {"type": "boolean"},
            "verified": {"type": "boolean", "description": "The session passed a second step."},
            "user": {"oneOf": [ref("User"), {"type": "null"}]},
            "two_factor": obj(
                {
                    "required": {"type": "boolean", "description": "The site requires this user to use two-factor."},
                    "state": {
                        "type": "string",
                        "enum": ["none", "verify", "setup", "grace"],
                        "description": "What is pending: a code (`verify`), a new method (`setup`), a new method "
                        "by `deadline` (`grace`: the user may go on until then, TWOFACTOR_GRACE_DAYS) or nothing.",
                    },
                    "methods": {"type": "array", "items": METHOD},
                    "primary_method": {"type": ["string", "null"], "enum": [None]},  # filled in by document()
                    "deadline": {
                        **TIMESTAMP,
                        "description": "State `grace`: when the user must have set up a method (ISO 8601).",
                    },
                    "days_left": {
                        "type": ["integer", "null"],
                        "description": "State `grace`: whole days until the deadline (a part of a day counts as one).",
                    },
                },
                ["required", "state", "methods", "primary_method", "deadline", "days_left"],
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
    "DeviceList": obj({"devices": {"type": "array", "items": ref("Device")}}, ["devices"]),
    "TrustedBrowser": obj(
        {
            "id": {"type": "integer", "description": "Use it in DELETE /2fa/trusted-browsers/{id}."},
            "browser": {"type": "string", "description": "The browser and system in words: “Firefox on Windows”."},
            "network": {**NULLABLE_STRING, "description": "The network it was remembered from (IPv4 /24, IPv6 /48)."},
            "method": {"type": "string", "description": "The method whose answer made it trusted."},
            "this_browser": {"type": "boolean", "description": "The browser that sent this request."},
            "created_at": {"type": "string", "format": "date-time"},
            "last_used_at": TIMESTAMP,
            "expires_at": {"type": "string", "format": "date-time"},
        },
        ["id", "browser", "network", "method", "this_browser", "created_at", "last_used_at", "expires_at"],
    ),
    "TrustedBrowserList": obj(
        {"trusted_browsers": {"type": "array", "items": ref("TrustedBrowser")}}, ["trusted_browsers"]
    ),
    "SentCode": obj(
        {
            "sent_to": {"type": "string", "description": "The masked address or number."},
            "cooldown_seconds": {"type": "integer", "description": "Wait this long before asking for another."},
        },
        ["sent_to", "cooldown_seconds"],
    ),
    "Confirmed": obj(
        {
            "device": ref("Device"),
            "backup_codes": {
                "type": ["array", "null"],
                "items": {"type": "string"},
                "description": "The first set of backup codes, when this was the first method; shown this once.",
            },
            "session": ref("Session"),
        },
        ["device", "backup_codes", "session"],
    ),
    "SteppedUp": obj(
        {"confirmed": {"type": "boolean"}, "session": ref("Session")},
        ["confirmed", "session"],
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
            obj({"option": {"const": "email_code"}, "session": ref("Session")}, ["option", "session"]),
            obj({"option": {"const": "help"}, "filed": {"type": "boolean"}}, ["option", "filed"]),
        ]
    },
    # Request bodies
    "EmptyBody": {"type": "object", "maxProperties": 0, "description": "No fields (the body may be left out)."},
}

ERROR_CONTENT = {"application/json": {"schema": ref("Error")}}
RESPONSES = {
    "BadRequest": {"description": "Bad input.", "content": ERROR_CONTENT},
    "Unauthorized": {
        "description": "`not_authenticated`, `two_factor_required` or `sign_in_expired`; `invalid_credentials` "
        "from POST /login.",
        "content": ERROR_CONTENT,
    },
    "Forbidden": {
        "description": "`csrf_failed`, `reauthentication_required`, `second_factor_required`, "
        "`email_factor_paused`, `rescue_by_email_disabled` or `rescue_by_email_refused`.",
        "content": ERROR_CONTENT,
    },
    "NotFound": {"description": "`not_found`.", "content": ERROR_CONTENT},
    "Conflict": {
        "description": "`conflict`, `no_pending_setup`, `not_pending`, `no_code_sent` or `no_email`.",
        "content": ERROR_CONTENT,
    },
    "Throttled": {
        "description": "`throttled`.",
        "headers": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}}},
        "content": ERROR_CONTENT,
    },
    "DeliveryFailed": {"description": "`delivery_failed`.", "content": ERROR_CONTENT},
}
COMPONENTS = {
    "schemas": SCHEMAS,
    "responses": RESPONSES,
    "securitySchemes": {
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Django's session cookie, set by POST /login.",
        },
        "csrfCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": "csrftoken",
            "description": "Set by GET /session (and renewed by POST /login).",
        },
        "csrfHeader": {
            "type": "apiKey",
            "in": "header",
            "name": "X-CSRFToken",
            "description": "The csrftoken cookie's value, on every POST and DELETE.",
        },
    },
}
