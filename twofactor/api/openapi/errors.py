"""The API's error codes and the document's introduction."""

from ...web.body import MAX_BODY_BYTES

#: Every error code the API answers with. Clients may rely on these; new ones are added here first.
ERROR_CODES = {
    "validation_error": "400: the body is not JSON, not an object, too large, or a field is missing, unknown, "
    "of the wrong type or not valid; `fields` names each field (`__all__` for the body as a whole).",
    "invalid_credentials": "401 from POST /login: the username, email or password is not correct (the same for "
    "an unknown or inactive account); 400 from POST /reauthenticate: the password is not correct.",
    "invalid_code": "400: the code is not valid.",
    "code_expired": "400: the code sent for an enrolment has expired; ask for a new one.",
    "challenge_expired": "400: the challenge a browser's answer (WebAuthn) was made for expired or was already "
    "answered; begin again.",
    "invalid_response": "400: the browser's answer (a WebAuthn credential) is malformed or could not be verified.",
    "invalid_method": "400: the user has no such method, or it does not send codes.",
    "invalid_email": "400: the email address for the email method is missing or not valid.",
    "invalid_phone": "400: the phone number is not one that can receive codes.",
    "invalid_message": "400: the rescue message is too long.",
    "not_authenticated": "401: sign in first.",
    "two_factor_required": "401: the password step is done but the session must first pass the second step "
    "(state `verify`) or add a method (state `setup`).",
    "step_up_required": "401 from a view that needs a fresh second factor (twofactor.decorators."
    "require_fresh_second_factor): the session proved one longer than `max_age` seconds ago (the error object "
    "carries `max_age`); answer with POST /2fa/step-up, then send the request again.",
    "sign_in_expired": "401: the pending sign-in waited too long for its second step; sign in again.",
    "csrf_failed": "403: the CSRF check failed (missing or wrong X-CSRFToken header or csrftoken cookie, "
    "or a foreign Origin/Referer).",
    "outranked": "403: a staff action (a two-factor reset, a rescue request approved or denied) on the actor's own "
    "account, on a superuser by a non-superuser, or on an account holding a permission the actor lacks; recorded.",
    "reauthentication_required": "403: POST /reauthenticate first (password, and a code when the user has methods).",
    "rescue_by_email_disabled": "403: this site does not mail rescue codes (TWOFACTOR_RESCUE_BY_EMAIL is off).",
    "rescue_by_email_refused": "403: a code by email may not replace this account's second step (staff and "
    "superusers, or an account whose password a reset by email set, however long ago); use a backup code or a "
    "rescue request.",
    "email_factor_paused": "403: while the password is one a reset by email set, a code by email cannot be the "
    "second step of an account that has another method, or of a staff account; changing the password once signed "
    "in lifts it.",
    "limited_session": "403: this session signed in with a rescue code by email: it adds, removes and renames no "
    "method, makes no backup codes, changes no password and signs no session out for TWOFACTOR_RESCUE_WAIT_HOURS.",
    "staff_method_required": "403: staff and superusers set up one of TWOFACTOR_STAFF_METHODS (not mailbox-bound) "
    "before any other method.",
    "invalid_link": "400: an unlock link (mailed when an account's ceiling of wrong passwords is spent) that was "
    "used already, expired, or outlived the password it was made for.",
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

**Step-up.** A view of the site guarded by `require_fresh_second_factor` answers 401 `step_up_required`
with `max_age` when the session proved its second factor longer ago than that: `POST /2fa/step-up` with a
code, or a passkey's answer (options from `POST /2fa/verify/passkey/begin`), then repeat the request. A
password is never enough there.

**Re-authentication.** Removing a method and generating new backup codes need the password (and a
code, when the user has methods) entered in the last few minutes: `POST /reauthenticate`.

Error codes:
""" + "\n".join(f"- `{code}`: {meaning}" for code, meaning in ERROR_CODES.items())
