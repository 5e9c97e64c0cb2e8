"""Enrolling, renaming and listing passkeys: the pending enrolment is the usual set-up record in the session."""

import secrets
import time

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from ... import flows
from ...errors import TwoFactorError
from ...signals import Kind, emit
from . import ceremony
from .models import KEY, PasskeyDevice
from .settings import passkey_settings

NAME_MAX_LENGTH = 64


def passkeys_of(user) -> list[PasskeyDevice]:
    return list(PasskeyDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


def begin_enrolment(request, name: str = "") -> dict:
    """Creation options for the browser; the challenge waits in the pending set-up record."""
    flows.setup.require_enrolment_allowed(
        request
    )  # the rule of every method: only a session that proved a factor adds one
    user = request.user
    existing = passkeys_of(user)
    # One WebAuthn user id per account, so an authenticator keeps one passkey per account on this site.
    handle = bytes(existing[0].user_handle) if existing else secrets.token_bytes(32)
    challenge = secrets.token_bytes(ceremony.CHALLENGE_BYTES)
    flows.setup.save_pending(
        request,
        {
            "method": KEY,
            "started_at": time.time(),
            "failures": 0,
            "challenge": bytes_to_base64url(challenge),
            "user_handle": bytes_to_base64url(handle),
            "name": name,
        },
    )
    return ceremony.registration_options(request, user, user_handle=handle, challenge=challenge, existing=existing)


def name_pending(request, name: str) -> None:
    """The name the user typed beside the button, kept with the pending enrolment."""
    record = flows.setup.pending(request)
    if record and record.get("method") == KEY and name:
        flows.setup.save_pending(request, {**record, "name": name})


def check_pending_passkey(request, record: dict, code: str) -> PasskeyDevice:
    """The browser's attestation for the pending challenge, checked; returns the unsaved device.

    The challenge is good once: the pending record goes whatever the outcome.
    """
    flows.setup.clear_pending(request)
    if time.time() - record.get("started_at", 0) > passkey_settings.WEBAUTHN_CHALLENGE_SECONDS:
        raise TwoFactorError(
            "challenge_expired",
            _("The passkey request expired. Please start again."),
            status=400,
        )
    credential = ceremony.parse_credential(code)
    new = ceremony.verify_registration(request, credential, base64url_to_bytes(record["challenge"]))
    if PasskeyDevice.objects.filter(credential_id=new.credential_id).exists():
        raise TwoFactorError("conflict", _("This passkey is already registered."), status=409)
    return PasskeyDevice(
        user=request.user,
        name=record.get("name") or str(_("Passkey")),
        confirmed=True,
        credential_id=new.credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        transports=new.transports,
        aaguid=new.aaguid,
        user_handle=base64url_to_bytes(record["user_handle"]),
        backed_up=new.backed_up,
    )


def rename(request, device_id: int, name: str) -> PasskeyDevice:
    """A new name (recent re-authentication required: a name is what the owner reads before removing a key)."""
    flows.require_recent_authentication(request)
    with transaction.atomic():
        device = (
            PasskeyDevice.objects.select_for_update().filter(user=request.user, pk=device_id, confirmed=True).first()
        )
        if device is None:
            raise TwoFactorError("not_found", _("You have no such passkey."), status=404)
        old_name, device.name = device.name, name
        device.save(update_fields=["name"])
    emit(Kind.METHOD_RENAMED, user=request.user, request=request, method=KEY, old_name=old_name, name=name)
    return device
