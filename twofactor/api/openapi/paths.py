"""The OpenAPI paths of the endpoints every method shares; each method adds its own (Method.openapi_paths)."""

from ...forms import SetupConfirmForm, StepUpForm, VerifyForm
from ...web.openapi import BODY_ERRORS, CSRF_ONLY_SECURITY, SESSION_SECURITY, operation
from ..forms import APIReauthenticateForm, LoginForm, RescueForm, SendCodeForm


def shared_paths() -> dict:
    """The endpoints every method shares (built when the document is: forms read the active methods)."""
    return {
        "/session": {
            "get": operation(
                "getSession",
                "The session: who is signed in and what the second step still needs. Sets the CSRF cookie.",
                "Session",
                [],
                security=[],
            )
        },
        "/login": {
            "post": operation(
                "login",
                "The password step. One error, 401 invalid_credentials, for any wrong identity or password "
                "and for inactive accounts; failures are throttled per identifier and per address (429).",
                "Session",
                [*BODY_ERRORS, 429],
                form=LoginForm,
                security=CSRF_ONLY_SECURITY,
            )
        },
        "/logout": {
            "post": operation(
                "logout",
                "End the session; answers the signed-out session.",
                "Session",
                BODY_ERRORS,
                body="EmptyBody",
                body_required=False,
                security=CSRF_ONLY_SECURITY,
            )
        },
        "/reauthenticate": {
            "post": operation(
                "reauthenticate",
                "Prove the password (and a code, when the user has methods) before removing a "
                "method or generating backup codes.",
                "Reauthenticated",
                [*BODY_ERRORS, 429],
                form=APIReauthenticateForm(needs_code=False),
            )
        },
        "/2fa/step-up": {
            "post": operation(
                "stepUp",
                "Confirm it's you with a fresh second factor after a 401 `step_up_required`: a `code` of one of "
                "the user's methods (`method` names it; email and SMS codes come from POST /2fa/challenge), or a "
                "passkey's answer as `credential` with its `method` (options from POST /2fa/verify/passkey/begin). "
                "No password. The session key changes.",
                "SteppedUp",
                [*BODY_ERRORS, 429],
                form=StepUpForm,
            )
        },
        "/2fa/challenge": {
            "post": operation(
                "sendCode",
                "Send a code by email or SMS (for the second step or re-authentication); "
                "a cooldown and hourly caps answer 429.",
                "SentCode",
                [*BODY_ERRORS, 429, 503],
                form=SendCodeForm,
            )
        },
        "/2fa/verify": {
            "post": operation(
                "verify",
                "Complete the second step with a code; 409 when no sign-in waits for one.",
                "Session",
                [*BODY_ERRORS, 409, 429],
                form=VerifyForm,
            )
        },
        "/2fa/rescue": {
            "post": operation(
                "rescue",
                "Lost device, during the second step: a one-time code by email, or a rescue "
                "request to the administrators. (A backup code goes to POST /2fa/verify.)",
                "RescueAnswer",
                [*BODY_ERRORS, 409, 429, 503],
                form=RescueForm,
            )
        },
        "/2fa/devices": {
            "get": operation(
                "listDevices", "The user's methods, without secrets.", "DeviceList", [], security=SESSION_SECURITY
            )
        },
        "/2fa/devices/{id}": {
            "delete": operation(
                "removeDevice",
                "Remove a method (recent re-authentication required). The last method cannot be "
                "removed while the site requires two-factor (409); backup codes go with the last method.",
                "DeviceList",
                [*BODY_ERRORS, 404, 409],
                body="EmptyBody",
                body_required=False,
                parameters=[
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": "The method name, as listed by GET /2fa/devices.",
                    }
                ],
            )
        },
        "/2fa/trusted-browsers": {
            "get": operation(
                "listTrustedBrowsers",
                "The browsers that skip the second step (“remember this browser”), newest first; never a token.",
                "TrustedBrowserList",
                [],
                security=SESSION_SECURITY,
            ),
            "delete": operation(
                "revokeTrustedBrowsers",
                "Revoke every trusted browser: each is asked for a code at its next sign-in. Answers the empty list.",
                "TrustedBrowserList",
                BODY_ERRORS,
                body="EmptyBody",
                body_required=False,
            ),
        },
        "/2fa/trusted-browsers/{id}": {
            "delete": operation(
                "revokeTrustedBrowser",
                "Revoke one trusted browser: it is asked for a code at its next sign-in (a session it has open "
                "stays signed in). Answers the browsers left.",
                "TrustedBrowserList",
                [*BODY_ERRORS, 404],
                body="EmptyBody",
                body_required=False,
                parameters=[
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                        "description": "The id, as listed by GET /2fa/trusted-browsers.",
                    }
                ],
            )
        },
        "/2fa/setup/confirm": {
            "post": operation(
                "confirmSetup",
                "Store the pending method with a code from it; the session is then "
                "verified. The first method comes with backup codes.",
                "Confirmed",
                [*BODY_ERRORS, 409, 429],
                form=SetupConfirmForm,
            )
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


def sent_code_setup_paths(method) -> dict:
    """The set-up step the API gives every method that sends codes (api.views.methods.setup_sent_code)."""
    required = any(field.required for field in method.target_form_class().fields.values())
    return {
        f"/2fa/setup/{method.key}": {
            "post": operation(
                f"setup{method.key.capitalize()}",
                str(method.api_summary),
                "SentCode",
                [*BODY_ERRORS, 409, 429, 503],
                form=method.target_form_class,
                body_required=required,
            )
        }
    }
