"""Use cases, one function each. Pages (views.py) and the JSON API (api/) call these and nothing else."""

from . import setup
from .challenge import SentCode, send_sign_in_code
from .errors import TwoFactorError
from .manage import (
    password_changed,
    remove_method,
    require_standing,
    reset_user,
    sign_out_other_sessions,
    sign_out_session,
    turn_off,
)
from .rescue import (
    approve_rescue_request,
    deny_rescue_request,
    file_rescue_request,
    rescue_options,
    reset_two_factor,
    send_rescue_code,
    verify_rescue_code,
)
from .setup import clear_pending, confirm, pending
from .signin import (
    authenticate_password,
    check_code,
    check_password,
    choose_method,
    pending_sign_in,
    reauthenticate,
    require_recent_authentication,
    verify,
)
from .trust import is_this_browser, revoke_trusted_browser, revoke_trusted_browsers, trusted_browsers

__all__ = [
    "authenticate_password",
    "SentCode",
    "send_sign_in_code",
    "setup",
    "TwoFactorError",
    "check_code",
    "check_password",
    "choose_method",
    "clear_pending",
    "confirm",
    "password_changed",
    "pending",
    "pending_sign_in",
    "reauthenticate",
    "remove_method",
    "require_recent_authentication",
    "require_standing",
    "reset_user",
    "approve_rescue_request",
    "deny_rescue_request",
    "file_rescue_request",
    "rescue_options",
    "reset_two_factor",
    "send_rescue_code",
    "verify_rescue_code",
    "sign_out_other_sessions",
    "sign_out_session",
    "turn_off",
    "verify",
    "is_this_browser",
    "revoke_trusted_browser",
    "revoke_trusted_browsers",
    "trusted_browsers",
]
