"""Enrolling the text-message method: a mobile number, proven by a texted code."""

from django.core.exceptions import ValidationError

from ... import flows
from ...core import registry
from ...errors import TwoFactorError
from ...sent_code.enrolment import send_setup_code
from ...sent_code.sending import SentCode
from .phone import parse_phone

KEY = "sms"


def begin_sms_setup(request, phone: str) -> SentCode:
    """Validate `phone` (E.164 or national format in PHONENUMBER_DEFAULT_REGION) and text it a confirmation code."""
    flows.setup.ensure_method_is_new(request.user, KEY)
    try:
        number = parse_phone(phone)
    except ValidationError as error:
        raise TwoFactorError("invalid_phone", error.messages[0], fields={"phone": error.code or "invalid"}) from None
    flows.setup.require_enrolment_allowed(request)
    return send_setup_code(request, registry.get(KEY), number.as_e164)
