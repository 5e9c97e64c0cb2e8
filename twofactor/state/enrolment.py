"""The pending enrolment: one record in the session until a code from the new method is confirmed.

    request.session["twofactor_setup"] = {"method": <key>, "started_at": …, "failures": 0, …}

with what the method needs to check the code (an encrypted key; a target and a hashed code for methods that
send codes, see twofactor.sent_code). Nothing reaches the database before the code is confirmed.
"""

import time

from django.utils.translation import gettext_lazy as _

from ..errors import TwoFactorError

PENDING_KEY = "twofactor_setup"
PENDING_LIFETIME_SECONDS = 30 * 60
MAX_PENDING_FAILURES = 10


def pending(request) -> dict | None:
    """The enrolment in progress, unless it is older than PENDING_LIFETIME_SECONDS."""
    record = request.session.get(PENDING_KEY)
    if not record or time.time() - record.get("started_at", 0) > PENDING_LIFETIME_SECONDS:
        return None
    return record


def save_pending(request, record: dict) -> None:
    request.session[PENDING_KEY] = record


def clear_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


def record_failure(request, record: dict) -> None:
    """Count a wrong code against the enrolment; the tenth cancels it (429)."""
    record["failures"] = record.get("failures", 0) + 1
    if record["failures"] >= MAX_PENDING_FAILURES:
        clear_pending(request)
        raise TwoFactorError(
            "throttled",
            _("Too many wrong codes. The set-up was cancelled; please start again."),
            status=429,
            retry_after=1,
        )
    save_pending(request, record)
