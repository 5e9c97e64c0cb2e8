"""Passkey ceremonies budgeted per client address, so strangers spend their own budget, never the owner's.

A refused assertion is no guess at a secret (a signature cannot be guessed, and credential ids are not
secret: the second step lists them), so it never counts against the credential: strangers naming the
owner's credential id cannot lock it. Begins and answers count against the client address instead
(an IPv6 client by its network, twofactor.client_info.budget_address), and an accepted answer is given back.
"""

from ... import ratelimit
from ...client_info import budget_address
from ...errors import throttled
from .settings import passkey_settings

WINDOW_SECONDS = 15 * 60


def count_begin(request) -> None:
    """Count one ceremony begun from this client address; 429 when its budget is spent."""
    _consume(
        ratelimit.Limit(
            f"passkey:begin:{budget_address(request)}", passkey_settings.WEBAUTHN_BEGINS_PER_IP, WINDOW_SECONDS
        )
    )


def count_answer(request) -> ratelimit.Limit:
    """Count one assertion submitted from this client address, before it is checked; 429 when spent."""
    limit = ratelimit.Limit(
        f"passkey:answer:{budget_address(request)}", passkey_settings.WEBAUTHN_ASSERTIONS_PER_IP, WINDOW_SECONDS
    )
    _consume(limit)
    request._twofactor_passkey_answer = limit
    return limit


def answer_accepted(request) -> None:
    """The assertion was accepted: it was no failure, so its unit goes back."""
    limit = getattr(request, "_twofactor_passkey_answer", None)
    if limit is not None:
        ratelimit.refund(limit.key, limit.limit, limit.window_seconds)
        request._twofactor_passkey_answer = None


def _consume(limit: ratelimit.Limit) -> None:
    decision = ratelimit.consume(limit.key, limit.limit, limit.window_seconds)
    if not decision.allowed:
        raise throttled(decision.retry_after)
