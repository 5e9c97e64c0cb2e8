"""Enrolling the email method: the account's address or another one, proven by a mailed code."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ... import flows
from ...core import registry
from ...errors import TwoFactorError
from ...sent_code.enrolment import send_setup_code
from ...sent_code.sending import SentCode
from ...users import account_address

KEY = "email"


def begin_email_setup(request, email: str | None = None) -> SentCode:
    """Send a confirmation code to the account's address, or to `email` when the user gave another one."""
    user = request.user
    flows.setup.ensure_method_is_new(user, KEY)
    flows.setup.require_enrolment_allowed(request)
    address = (email or "").strip() or account_address(user)
    if not address:
        raise TwoFactorError(
            "invalid_email",
            _("Your account has no email address. Enter the address to send codes to."),
            fields={KEY: "required"},
        )
    try:
        validate_email(address)
    except ValidationError:
        raise TwoFactorError("invalid_email", _("Enter a valid email address."), fields={KEY: "invalid"}) from None
    return send_setup_code(request, registry.get(KEY), address)
