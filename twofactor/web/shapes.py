"""The JSON shapes the API answers with: the session, a method (never its secret)."""

from .. import state
from ..core import registry
from ..models import TrustedBrowser, TwoFactorDevice
from ..models.devices import masked_email
from ..sent_code.sending import SentCode
from ..state import grace
from ..users import account_address

#: The session's two-factor state as the API names it: a verified session has nothing pending.
API_STATES = {
    state.VERIFY: "verify",
    state.SETUP: "setup",
    state.VERIFIED: "none",
    state.NONE: "none",
    state.GRACE: "grace",
}


def user_shape(user, *, masked: bool = False) -> dict:
    """The signed-in user; `masked`: the address as the second-step page shows it (a password is not enough)."""
    email = account_address(user)
    return {"id": user.pk, "username": user.get_username(), "email": masked_email(email) if masked and email else email}


def session_shape(request) -> dict:
    """Who is signed in and what the two-factor step still needs.

    `two_factor.state` is "verify" (a code is needed), "setup" (a method must be added first), "grace" (a
    method is required but the user may go on until `deadline`, `days_left` days from now) or "none" (nothing
    pending); `verified` is true once the session passed a second step.
    """
    user = request.user
    if not user.is_authenticated:
        return {
            "authenticated": False,
            "verified": False,
            "user": None,
            "two_factor": {
                "required": False,
                "state": "none",
                "methods": [],
                "primary_method": None,
                "deadline": None,
                "days_left": None,
            },
        }
    current = state.read(request)
    in_grace = grace.of_session(current) if current is not None and current.state == state.GRACE else None
    devices = state.devices_of(user)
    primary = state.primary_device(devices)
    return {
        "authenticated": True,
        "verified": bool(current and current.verified),
        # A session that proved only the password learns no more than the second-step page shows it.
        "user": user_shape(user, masked=current is not None and current.state == state.VERIFY),
        "two_factor": {
            "required": state.required_for(user),
            "state": API_STATES[current.state] if current else "none",
            "methods": [device.method for device in devices],
            "primary_method": primary.method if primary else None,
            "deadline": in_grace.deadline.isoformat() if in_grace else None,
            "days_left": in_grace.days_left if in_grace else None,
        },
    }


def device_shape(device: TwoFactorDevice, primary: TwoFactorDevice | None = None) -> dict:
    """One method as listed to its owner: what it is and when it was used, never a key or a code."""
    return {
        "id": device.ref,
        "method": device.method,
        "name": device.name,
        "primary": primary is not None and device == primary,
        "created_at": device.created_at.isoformat() if device.created_at else None,
        "last_used_at": device.last_used_at.isoformat() if device.last_used_at else None,
        **registry.for_device(device).details(device),  # target, remaining_codes
    }


def sent_code_shape(sent: SentCode) -> dict:
    return {"sent_to": sent.masked_target, "cooldown_seconds": sent.cooldown_seconds}


def trusted_browser_shape(record: TrustedBrowser, *, this_browser: bool) -> dict:
    """One remembered browser as its owner sees it: what and where, when; never its token or the token's hash."""
    return {
        "id": record.pk,
        "browser": record.description,
        "network": record.network or None,
        "method": record.method,
        "this_browser": this_browser,
        "created_at": record.created_at.isoformat(),
        "last_used_at": record.last_used_at.isoformat() if record.last_used_at else None,
        "expires_at": record.expires_at.isoformat(),
    }
