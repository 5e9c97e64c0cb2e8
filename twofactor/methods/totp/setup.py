"""Enrolling an authenticator app: a pending key in the session until a code from it is confirmed."""

import secrets
import time
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ... import crypto, flows
from ...app_settings import app_settings
from ...errors import invalid_code
from . import qr
from .models import TOTPDevice

KEY = "totp"
TOTP_KEY_BYTES = 20  # 160 bits, as RFC 4226 recommends


@dataclass(frozen=True)
class TOTPEnrolment:
    secret: str
    grouped_secret: str
    otpauth_uri: str
    qr_svg: str

    @property
    def qr_image_src(self) -> str:
        """The QR code as a data: URL for an <img> (which takes a text alternative, unlike inline SVG)."""
        return qr.data_url(self.qr_svg)


def begin_totp(request, *, restart: bool = False) -> TOTPEnrolment:
    """Make (or keep) a pending authenticator key; a plain page load never replaces a scanned key."""
    user = request.user
    flows.setup.ensure_method_is_new(user, KEY)
    flows.setup.require_enrolment_allowed(request)
    record = flows.setup.pending(request)
    if restart or record is None or record.get("method") != KEY:
        record = {
            "method": KEY,
            "key": crypto.encrypt(secrets.token_bytes(TOTP_KEY_BYTES)),
            "started_at": time.time(),
            "failures": 0,
        }
        flows.setup.save_pending(request, record)
    key = crypto.decrypt(record["key"])
    account = user.get_username()
    uri = qr.otpauth_uri(key, issuer=app_settings.ISSUER, account=account)
    secret = qr.base32_secret(key)
    return TOTPEnrolment(secret=secret, grouped_secret=qr.grouped(secret), otpauth_uri=uri, qr_svg=qr.qr_svg(uri))


def check_pending_totp(request, record: dict, code: str) -> TOTPDevice:
    device = TOTPDevice(user=request.user, name=str(_("Authenticator app")), confirmed=True)
    device.encrypted_key = record["key"]
    if not device.check_code(code):
        flows.setup.record_failure(request, record)
        raise invalid_code()
    return device  # last_t now holds the confirmed step, so this code cannot sign in again
