"""The two-factor state of sessions, by concern (each module says more):

    sign_in.py    the sign-in record in the session (pending, set-up, verified), read at every request for free
    policy.py     who must use two-factor, the user's methods and the one offered first
    grace.py      the grace period: a required user's deadline to set up a method
    sessions.py   the user's sessions as rows: kept in step with the session key, ended to revoke them
    reauth.py     re-authentication stamps: when this session last proved the password and a code

Callers use the names re-exported here (`state.read`, `state.devices_of`, …).
"""

from .policy import devices_of, primary_device, required_for
from .reauth import (
    REAUTH_KEY,
    mark_code_entered,
    mark_password_entered,
    recently_authenticated,
    second_factor_fresh,
)
from .sessions import (
    end_sessions,
    end_unproven_sessions,
    is_newest_recent_password_proof,
    live_sessions,
    record_session,
    rotate_key,
)
from .sign_in import (
    GRACE,
    NONE,
    SESSION_KEY,
    SETUP,
    VERIFIED,
    VERIFY,
    SignInState,
    begin,
    mark_verified,
    read,
    review,
    set_method,
)

__all__ = [
    "GRACE",
    "NONE",
    "REAUTH_KEY",
    "SESSION_KEY",
    "SETUP",
    "VERIFIED",
    "VERIFY",
    "SignInState",
    "begin",
    "devices_of",
    "end_sessions",
    "end_unproven_sessions",
    "is_newest_recent_password_proof",
    "live_sessions",
    "mark_code_entered",
    "mark_password_entered",
    "mark_verified",
    "primary_device",
    "read",
    "recently_authenticated",
    "review",
    "second_factor_fresh",
    "record_session",
    "required_for",
    "rotate_key",
    "set_method",
]
