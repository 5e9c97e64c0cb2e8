"""Notices for the first page after signing in: each method may have some (a few backup codes left).

The second step writes and reads nothing for them: the first page a verified session opens after it (an HTML GET)
asks the methods (`Method.sign_in_notices`), shows their notices as messages, and notes in the session for which
sign-in (the time it was verified) it did, so later pages ask nothing. A JSON request leaves them for the next page.
"""

from django.contrib import messages

from .core import registry

SESSION_KEY = "twofactor_notices_shown"


def pending(request, verified_at: float | None) -> bool:
    """Whether this session's sign-in (verified at `verified_at`) has not shown its notices yet."""
    return verified_at is not None and request.session.get(SESSION_KEY) != verified_at


def show(request, user, verified_at: float) -> None:
    """Add every method's notices for `user` to this page's messages, once per sign-in."""
    request.session[SESSION_KEY] = verified_at
    for method in registry.methods():
        for notice in method.sign_in_notices(request, user):
            # fail_silently: a project without MessageMiddleware simply shows no notice.
            messages.warning(request, notice, fail_silently=True)
