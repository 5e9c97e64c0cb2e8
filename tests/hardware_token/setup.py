"""Enrolling a token: its secret goes into the pending enrolment; the generic confirm step checks a code."""

import time

from twofactor import crypto
from twofactor.flows.errors import invalid_code
from twofactor.flows.setup import PENDING_KEY, ensure_method_is_new, record_failure

from .models import HardwareTokenDevice

KEY = "hotp"


def begin_token_setup(request, key: bytes) -> None:
    ensure_method_is_new(request.user, KEY)
    request.session[PENDING_KEY] = {
        "method": KEY,
        "key": crypto.encrypt(key),
        "started_at": time.time(),
        "failures": 0,
    }


def check_pending_token(request, record: dict, code: str) -> HardwareTokenDevice:
    device = HardwareTokenDevice(user=request.user, name="Hardware token", confirmed=True, encrypted_key=record["key"])
    if not device.check_code(code):
        record_failure(request, record)
        raise invalid_code()
    return device
