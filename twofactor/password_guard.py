"""Password attempts, counted before the password is checked, so a burst can never check more than the limit.

Every attempt (sign-in page, API login, re-authentication, password change) consumes, all or nothing,
one unit of
- the client address's budget (TWOFACTOR_PASSWORD_FAILURES_PER_IP per 15 minutes),
- the account-and-address budget (TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP per 15 minutes), and
- the account's ceiling (TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT per day; NIST SP 800-63B allows at
  most 100 consecutive failures), which stops slow guessing spread over many addresses.
A browser holding the account's device cookie (bound to the current password) uses one budget of its own
instead of the last two, TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP a day, shared by every copy of the
cookie, then the ordinary ones: strangers elsewhere can never lock the owner out, and a stolen cookie buys
no more than that.
When the ceiling is spent, the owner is mailed a link that makes the browser it is opened in known
(flows.unlock); a password change or reset clears the ceiling (`forget_failures`). A correct password
gives its units back. Budgets are token buckets (twofactor.ratelimit) in the database or Redis, shared by
every app server.
"""

import hashlib

from django.contrib.auth import get_user_model
from django.db.models import Case, Q, When

from . import device_cookie, ratelimit
from .app_settings import app_settings
from .client_info import budget_address
from .errors import throttled

WINDOW_SECONDS = 15 * 60
CEILING_WINDOW_SECONDS = 24 * 60 * 60


def account_for(identifier: str):
    """The pk of the account a username or email address names (letter case ignored), or None."""
    user_model = get_user_model()
    identifier = identifier.strip()
    by_name = Q(**{f"{user_model.USERNAME_FIELD}__iexact": identifier})
    match, preferred = by_name, by_name
    email_field = user_model.get_email_field_name()
    if any(field.name == email_field for field in user_model._meta.get_fields()):
        by_email = Q(**{f"{email_field}__iexact": identifier})
        match |= by_email
        if "@" in identifier:  # as the sign-in backend: an address names its holder first
            preferred = by_email
    accounts = user_model._default_manager.filter(match)
    return accounts.order_by(Case(When(preferred, then=0), default=1), "pk").values_list("pk", flat=True).first()


def admit(request, user_pk, identifier: str = "") -> list[ratelimit.Limit]:
    """Count one password attempt; raise TwoFactorError "throttled" (429) when a budget is spent.

    `user_pk` is the account tried (None for an unknown name, which is budgeted by the name).
    Returns the units counted, for `succeeded`.
    """
    address = budget_address(request)  # an IPv6 client by its /64: every address of it shares one budget
    account = _account(user_pk, identifier)
    limits = [ratelimit.Limit(f"password:ip:{address}", app_settings.PASSWORD_FAILURES_PER_IP, WINDOW_SECONDS)]
    ordinary = [
        *limits,
        ratelimit.Limit(
            f"password:account-ip:{account}:{address}", app_settings.PASSWORD_FAILURES_PER_ACCOUNT_IP, WINDOW_SECONDS
        ),
        _ceiling(account),
    ]
    nonce = device_cookie.known_device(request, user_pk)
    refused = []
    if nonce:
        # A day's budget, not 15 minutes': the cookie skips the ceiling, so it (and every copy of it) buys no more
        # than this. Once it is spent the browser is counted like any other, never worse.
        known = [
            *limits,
            ratelimit.Limit(
                f"password:device:{account}:{_digest(nonce)}",
                app_settings.PASSWORD_FAILURES_PER_ACCOUNT_IP,
                CEILING_WINDOW_SECONDS,
            ),
        ]
        decision = ratelimit.consume_all(known)
        if decision.allowed:
            return known
        refused.append(decision.retry_after)
    decision = ratelimit.consume_all(ordinary)
    if not decision.allowed:
        raise throttled(min([*refused, decision.retry_after]))  # whichever budget comes back first
    return ordinary


def ceiling_reached(user_pk, identifier: str = "") -> bool:
    """Whether the account's ceiling is spent (every browser without a device budget left meets it)."""
    ceiling = _ceiling(_account(user_pk, identifier))
    return not ratelimit.peek(ceiling.key, ceiling.limit, ceiling.window_seconds).allowed


def address_limit_reached(request, user_pk, identifier: str = "") -> bool:
    """Whether this client address spent its budget of passwords for the account (the (account, address) limit)."""
    limit = ratelimit.Limit(
        f"password:account-ip:{_account(user_pk, identifier)}:{budget_address(request)}",
        app_settings.PASSWORD_FAILURES_PER_ACCOUNT_IP,
        WINDOW_SECONDS,
    )
    return not ratelimit.peek(limit.key, limit.limit, limit.window_seconds).allowed


def failures_today(user_pk) -> int:
    """At least how many wrong passwords strangers tried for the account in the last 24 hours (what its ceiling
    still counts; known browsers and right passwords are not in it)."""
    ceiling = _ceiling(_account(user_pk))
    return ratelimit.in_use(ceiling.key, ceiling.limit, ceiling.window_seconds)


def forget_failures(user) -> None:
    """The password changed: the guesses against the old one no longer matter, so the ceiling starts afresh."""
    ratelimit.reset(_ceiling(_account(user.pk)).key)


def succeeded(limits: list[ratelimit.Limit]) -> None:
    """The password was right: the attempt was no failure, so give its units back."""
    for item in limits:
        ratelimit.refund(item.key, item.limit, item.window_seconds)


def _account(user_pk, identifier: str = "") -> str:
    return f"user:{user_pk}" if user_pk is not None else "name:" + _digest(identifier.strip().lower())


def _ceiling(account: str) -> ratelimit.Limit:
    return ratelimit.Limit(
        f"password:account:{account}", app_settings.PASSWORD_FAILURES_PER_ACCOUNT, CEILING_WINDOW_SECONDS
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]
