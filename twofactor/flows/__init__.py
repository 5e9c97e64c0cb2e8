"""Use cases, one function each. Pages (views/), the JSON API (api/) and the methods' own pages and endpoints
call the names exported here; a method's package uses nothing else of the flows."""

from ..errors import TwoFactorError
from ..sent_code.sending import SentCode
from . import setup
from .manage import (
    end_what_device_opened,
    grant_refusal,
    password_changed,
    record_refused_grant,
    remove_method,
    require_standing,
    reset_user,
    sign_out_other_sessions,
    sign_out_session,
    standing_refusal,
    turn_off,
)
from .not_you import disown_sign_in, not_you_link
from .rescue import (
    approve_rescue_request,
    deny_rescue_request,
    file_rescue_request,
    rescue_options,
    reset_two_factor,
    send_rescue_code,
    verify_rescue_code,
)
from .setup import clear_pending, confirm, current_setup, pending, resend_setup_code
from .sign_in_code import code_status, send_on_arrival, send_sign_in_code
from .signin import (
    authenticate_password,
    check_code,
    check_device_code,
    check_password,
    choose_method,
    pending_sign_in,
    reauthenticate,
    require_full_session,
    require_recent_authentication,
    verify,
)
from .step_up import require_fresh_second_factor, step_up
from .trust import is_this_browser, revoke_trusted_browser, revoke_trusted_browsers, trusted_browsers

__all__ = [
    "approve_rescue_request",
    "disown_sign_in",
    "not_you_link",
    "authenticate_password",
    "check_code",
    "check_device_code",
    "check_password",
    "choose_method",
    "clear_pending",
    "code_status",
    "confirm",
    "current_setup",
    "deny_rescue_request",
    "end_what_device_opened",
    "file_rescue_request",
    "grant_refusal",
    "password_changed",
    "pending",
    "pending_sign_in",
    "reauthenticate",
    "record_refused_grant",
    "remove_method",
    "require_full_session",
    "require_recent_authentication",
    "require_fresh_second_factor",
    "require_standing",
    "rescue_options",
    "resend_setup_code",
    "reset_two_factor",
    "reset_user",
    "send_on_arrival",
    "send_rescue_code",
    "send_sign_in_code",
    "SentCode",
    "setup",
    "sign_out_other_sessions",
    "sign_out_session",
    "standing_refusal",
    "step_up",
    "turn_off",
    "TwoFactorError",
    "verify",
    "verify_rescue_code",
    "is_this_browser",
    "revoke_trusted_browser",
    "revoke_trusted_browsers",
    "trusted_browsers",
]
