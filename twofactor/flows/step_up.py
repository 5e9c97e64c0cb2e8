"""Step-up: a fresh second factor (a code or a passkey, never a password) before a sensitive view or action.

`require_fresh_second_factor` is the rule, raised as 401 "step_up_required" with `max_age`; `step_up` answers
it. A session proves a second factor at sign-in, at re-authentication and here; a remembered browser proves
none, so it is asked.
"""

from django.utils.translation import gettext_lazy as _

from .. import state
from ..errors import TwoFactorError, step_up_required
from .signin import check_code

DEFAULT_MAX_AGE = 300


def require_fresh_second_factor(request, max_age: int = DEFAULT_MAX_AGE) -> None:
    """Raise "step_up_required" unless this session proved a second factor in the last `max_age` seconds."""
    current = state.read(request)
    if current is None or not current.verified or not state.second_factor_fresh(request, max_age):
        raise step_up_required(max_age)


def step_up(request, code: str, method: str | None = None) -> None:
    """Prove a second factor again: a code of one of the user's methods, or a passkey's answer (`method`
    "passkey", the browser's credential as `code`). Checked exactly once, throttled and recorded like every code;
    the session key is rotated, as at every step up."""
    user = request.user
    if not state.devices_of(user):
        raise TwoFactorError(
            "invalid_method", _("You have no two-factor method: set one up first."), fields={"method": "none"}
        )
    current = state.read(request)
    if current is None or not current.verified:
        raise TwoFactorError("two_factor_required", _("Complete the second sign-in step first."), status=401)
    check_code(request, user, code, method)
    state.mark_code_entered(request)
    state.rotate_key(request)
