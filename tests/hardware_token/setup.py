"""Enrolling a token: its secret goes into the pending enrolment; the generic confirm step checks a code."""

import time

from twofactor import crypto, flows
from twofactor.errors import invalid_code

from .models import HardwareTokenDevice

KEY = "hotp"


def begin_token_setup(request, key: bytes) -> None:
    flows.setup.ensure_method_is_new(request.user, KEY)
    flows.setup.require_enrolment_allowed(request)
    flows.setup.save_pending(
        request, {"method": KEY, "key": crypto.encrypt(key), "started_at": time.time(), "failures": 0}
    )


def check_pending_token(request, record: dict, code: str) -> HardwareTokenDevice:
    device = HardwareTokenDevice(user=request.user, name="Hardware token", confirmed=True, encrypted_key=record["key"])
    if not device.check_code(code):
        flows.setup.record_failure(request, record)
        raise invalid_code()
    return device
