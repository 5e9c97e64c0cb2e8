"""Codes proving a target being enrolled (an address, a number): sent through the one send path, kept hashed in
the pending enrolment record in the session, and checked there.

    request.session["twofactor_setup"] = {"method": <key>, "target": "+14155550123", "code_hash": …,
                                          "valid_until": …, "sent_at": …, "started_at": …, "failures": 0}

The cooldown holds per target (across sessions and accounts) as well as per enrolment.
"""

import time

from django.utils.translation import gettext_lazy as _

from .. import delivery, ratelimit
from ..app_settings import app_settings
from ..codes import hash_code
from ..errors import TwoFactorError, invalid_code
from ..state.enrolment import pending, record_failure, save_pending
from .caps import cooling_down, digest
from .checking import matches
from .sending import SentCode, send_code


class NewTarget:
    """A code for a target being enrolled by `method` (a SentCodeMethod)."""

    def __init__(self, request, method, target: str):
        self.request, self.method, self.target = request, method, target
        self.masked_target = method.mask(target)
        previous = pending(request)
        self.same_method = previous if previous and previous.get("method") == method.key else None
        self.cooldown = min(app_settings.COOLDOWN_SECONDS, ratelimit.MAX_WINDOW_SECONDS)
        self.cooldown_key = f"twofactor:cooldown:{method.key}:{digest(target)}"
        self.code_hash = ""

    def reserve(self) -> str:
        now = time.time()
        same = self.same_method
        if same and same.get("target") == self.target and same.get("sent_at", 0) + self.cooldown > now:
            raise cooling_down(same["sent_at"] + self.cooldown - now)
        if self.cooldown > 0:
            # Holds across sessions and accounts: one code per target per cooldown window.
            decision = ratelimit.consume(self.cooldown_key, 1, self.cooldown)
            if not decision.allowed:
                raise cooling_down(decision.retry_after)
        return self.target

    def keep(self, code: str) -> None:
        self.code_hash = hash_code(code)  # stored in the session once the code is delivered

    def undo(self) -> None:
        if self.cooldown > 0:
            ratelimit.reset(self.cooldown_key)  # nothing arrived, so "try again" may be taken at its word

    def delivered(self) -> None:
        now = time.time()
        save_pending(
            self.request,
            {
                "method": self.method.key,
                "target": self.target,
                "code_hash": self.code_hash,
                "valid_until": now + app_settings.CODE_VALIDITY_SECONDS,
                "sent_at": now,
                "started_at": now,
                # A new code does not wipe out the wrong guesses made against the previous one.
                "failures": self.same_method.get("failures", 0) if self.same_method else 0,
            },
        )


def send_setup_code(request, method, target: str) -> SentCode:
    """Send a code proving `target` for an enrolment of `method` (a SentCodeMethod): cooldown per target, caps."""
    user = request.user
    return send_code(
        request,
        NewTarget(request, method, target),
        method=method.key,
        purpose=delivery.CONFIRM,
        caps=lambda target: method.caps(request, target, enrolment=True),
        deliver=lambda target, code: method.deliver(
            target, code, purpose=delivery.CONFIRM, user=user, host=delivery.origin_host(request)
        ),
    )


def check_enrolment_code(request, record: dict, code: str) -> str:
    """Check the code of a pending enrolment whose code was sent; return the target it proves.

    A wrong code counts against the enrolment (the tenth cancels it)."""
    if not record.get("code_hash"):
        raise TwoFactorError("no_pending_setup", _("There is no set-up in progress."), status=409)
    if time.time() > record.get("valid_until", 0):
        raise TwoFactorError("code_expired", _("That code has expired. Ask for a new one."))
    if not matches(code, record["code_hash"]):
        record_failure(request, record)
        raise invalid_code()
    return record["target"]
