"""The WebAuthn ceremonies, done by Duo's py_webauthn: options for the browser, responses checked.

Nothing here parses CBOR, COSE or attestation statements: the library does. This module picks the
relying party (TWOFACTOR_WEBAUTHN_RP_ID / _ORIGINS, or the request's host in development), keeps
each challenge of a signed-in user in the session until it is used once or expires, gives strangers
(signing in without a password) a signed challenge that needs no server state until it is answered,
and checks an assertion against a stored credential with the row locked (`check_assertion`, called by
twofactor.verification).
"""

import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass

import webauthn
from django.http.request import split_domain_port
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ... import ratelimit
from ...errors import TwoFactorError
from .settings import passkey_settings

logger = logging.getLogger("twofactor.passkey")

CHALLENGES_KEY = "twofactor_webauthn"
CHALLENGE_BYTES = 32
MAX_CREDENTIAL_CHARS = 12_000
TRANSPORTS = {transport.value for transport in AuthenticatorTransport}
#: What a response that does not check out is told, whatever the reason (the log keeps the reason).
REFUSED = _("The passkey's answer could not be verified. Please try again.")


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origins: list[str]
    name: str


def relying_party(request) -> RelyingParty:
    """The configured relying party, or, in development, the request's host and origin."""
    host = request.get_host()
    return RelyingParty(
        id=passkey_settings.WEBAUTHN_RP_ID or split_domain_port(host)[0],
        origins=passkey_settings.WEBAUTHN_ORIGINS or [f"{request.scheme}://{host}"],
        name=passkey_settings.WEBAUTHN_RP_NAME,
    )


# Challenges: one per purpose in the session, good once, for WEBAUTHN_CHALLENGE_SECONDS.


def issue_challenge(request, purpose: str) -> bytes:
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    records = dict(request.session.get(CHALLENGES_KEY, {}))
    records[purpose] = {"challenge": bytes_to_base64url(challenge), "issued_at": time.time()}
    request.session[CHALLENGES_KEY] = records
    return challenge


def take_challenge(request, purpose: str) -> bytes:
    """The challenge issued for `purpose`, removed from the session; an error when none is left or it expired."""
    records = request.session.get(CHALLENGES_KEY) or {}
    record = None
    if purpose in records:  # a session with nothing to take is left unwritten
        records = dict(records)
        record = records.pop(purpose)
        request.session[CHALLENGES_KEY] = records
    if record is None or time.time() - record["issued_at"] > passkey_settings.WEBAUTHN_CHALLENGE_SECONDS:
        raise _expired()
    return base64url_to_bytes(record["challenge"])


def _expired() -> TwoFactorError:
    return TwoFactorError(
        "challenge_expired",
        _("The passkey request expired or was already answered. Please try again."),
        status=400,
    )


# Signed challenges: no session, no row, for strangers. The challenge itself carries a random nonce, the
# time it was issued and a MAC (SECRET_KEY) over both, its purpose and the relying party; the browser
# echoes it in clientDataJSON. Single use needs one record: the first answer takes the nonce in the
# rate-limit store (Redis or the database, shared by every server), which forgets it when the challenge
# could no longer be answered anyway (stale rows are swept by the store and by twofactor_sweep).

NONCE_BYTES, STAMP_BYTES, MAC_BYTES = 16, 8, 32
CLOCK_SKEW_SECONDS = 60  # app servers' clocks may differ a little


def issue_signed_challenge(request, purpose: str) -> bytes:
    """A challenge for `purpose` that this site can recognise later without having stored anything."""
    body = secrets.token_bytes(NONCE_BYTES) + int(time.time()).to_bytes(STAMP_BYTES, "big")
    return body + _mac(request, purpose, body)


def take_signed_challenge(request, purpose: str, credential: dict) -> bytes:
    """The challenge `credential` answers, when this site issued it for `purpose`, it has not expired and it was
    never answered before (this answer takes it); else the same "expired or already answered" error."""
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        challenge = base64url_to_bytes(client_data["challenge"])
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise _expired() from None
    body, mac = challenge[: NONCE_BYTES + STAMP_BYTES], challenge[NONCE_BYTES + STAMP_BYTES :]
    if len(challenge) != NONCE_BYTES + STAMP_BYTES + MAC_BYTES or not constant_time_compare(
        mac, _mac(request, purpose, body)
    ):
        raise _expired()
    age = time.time() - int.from_bytes(body[NONCE_BYTES:], "big")
    lifetime = passkey_settings.WEBAUTHN_CHALLENGE_SECONDS
    if not -CLOCK_SKEW_SECONDS <= age <= lifetime:
        raise _expired()
    # Taken once: a second answer within the challenge's lifetime (+ skew) finds the nonce spent.
    nonce = body[:NONCE_BYTES].hex()
    if not ratelimit.consume(f"passkey:challenge:{nonce}", 1, lifetime + CLOCK_SKEW_SECONDS).allowed:
        raise _expired()
    return challenge


def _mac(request, purpose: str, body: bytes) -> bytes:
    message = f"{purpose}|{relying_party(request).id}|".encode() + body
    return salted_hmac("twofactor.passkey.challenge", message, algorithm="sha256").digest()


def parse_credential(text: str) -> dict:
    """The browser's PublicKeyCredential as JSON, with a base64url `rawId`; a clear 400 for anything else."""
    try:
        credential = json.loads(text) if isinstance(text, str) and len(text) <= MAX_CREDENTIAL_CHARS else None
        raw_id = base64url_to_bytes(credential["rawId"])
        if not raw_id or not isinstance(credential.get("response"), dict):
            raise ValueError
    except (ValueError, TypeError, KeyError, RecursionError):
        raise TwoFactorError(
            "invalid_response",
            _("The browser did not send a passkey. Please try again."),
            status=400,
            fields={"credential": "invalid"},
        ) from None
    credential["rawId"] = bytes_to_base64url(raw_id)
    return credential


def credential_id(credential: dict) -> bytes:
    return base64url_to_bytes(credential["rawId"])


def _descriptors(devices) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=bytes(device.credential_id),
            transports=[AuthenticatorTransport(t) for t in device.transports if t in TRANSPORTS] or None,
        )
        for device in devices
    ]


def _json(options) -> dict:
    return json.loads(webauthn.options_to_json(options))


def registration_options(request, user, *, user_handle: bytes, challenge: bytes, existing) -> dict:
    """PublicKeyCredentialCreationOptions (JSON) for a new credential of `user`."""
    rp = relying_party(request)
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=user.get_username(),
        user_display_name=getattr(user, "get_full_name", str)() or user.get_username(),
        challenge=challenge,
        timeout=passkey_settings.WEBAUTHN_CHALLENGE_SECONDS * 1000,
        attestation=AttestationConveyancePreference(passkey_settings.WEBAUTHN_ATTESTATION),
        authenticator_selection=AuthenticatorSelectionCriteria(
            # A discoverable credential can also sign in without a password.
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement(passkey_settings.WEBAUTHN_USER_VERIFICATION),
        ),
        exclude_credentials=_descriptors(existing),
    )
    return _json(options)


def authentication_options(request, *, challenge: bytes, devices=(), user_verification: str | None = None) -> dict:
    """PublicKeyCredentialRequestOptions (JSON): for `devices`, or any discoverable credential when empty."""
    options = webauthn.generate_authentication_options(
        rp_id=relying_party(request).id,
        challenge=challenge,
        timeout=passkey_settings.WEBAUTHN_CHALLENGE_SECONDS * 1000,
        allow_credentials=_descriptors(devices),
        user_verification=UserVerificationRequirement(user_verification or passkey_settings.WEBAUTHN_USER_VERIFICATION),
    )
    return _json(options)


@dataclass(frozen=True)
class NewCredential:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    aaguid: str
    transports: list[str]
    backed_up: bool


def verify_registration(request, credential: dict, challenge: bytes) -> NewCredential:
    """The attestation checked by py_webauthn (challenge, origin, RP id, signature); a 400 when it fails."""
    rp = relying_party(request)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origins,
            require_user_verification=passkey_settings.WEBAUTHN_USER_VERIFICATION == "required",
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        logger.info("passkey registration refused: %s", error)
        raise TwoFactorError("invalid_response", REFUSED, status=400, fields={"credential": "invalid"}) from None
    transports = (credential.get("response") or {}).get("transports") or []
    return NewCredential(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=str(verified.aaguid),
        transports=[t for t in transports if t in TRANSPORTS] if isinstance(transports, list) else [],
        backed_up=verified.credential_backed_up,
    )


def bind(request, credential: dict, challenge: bytes, *, require_user_verification: bool) -> str:
    """An assertion with everything the check needs (challenge, RP id, origins): what `check_assertion` reads."""
    rp = relying_party(request)
    return json.dumps(
        {
            "credential": credential,
            "challenge": bytes_to_base64url(challenge),
            "rp_id": rp.id,
            "origins": rp.origins,
            "require_user_verification": require_user_verification,
        }
    )


def check_assertion(device, bound: str) -> bool:
    """Check a bound assertion against `device`, with its row locked; on success record the new counter.

    Refused: a bad signature, challenge, origin or RP id; the challenge of the last accepted assertion
    again (so of two concurrent submissions one is accepted); a signature counter that did not go up
    (a cloned authenticator: `device.rejection_reason` says so, and it is logged).
    """
    device.rejection_reason = ""
    try:
        data = json.loads(bound)
        credential = data["credential"]
        challenge = base64url_to_bytes(data["challenge"])
        if not constant_time_compare(credential_id(credential), bytes(device.credential_id)):
            return False
        verified = webauthn.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=data["rp_id"],
            expected_origin=data["origins"],
            credential_public_key=bytes(device.public_key),
            credential_current_sign_count=0,  # the counter is checked below, so that going backwards is told apart
            require_user_verification=data["require_user_verification"],
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        logger.info("passkey assertion refused for device %s: %s", device.persistent_id, error)
        return False
    digest = hashlib.sha256(challenge).hexdigest()
    if constant_time_compare(digest, device.last_challenge):
        device.rejection_reason = "replayed"
        return False
    new_count = verified.new_sign_count
    if (new_count or device.sign_count) and new_count <= device.sign_count:
        device.rejection_reason = "sign_count_not_increasing"
        logger.warning(
            "passkey %s: signature counter %d is not above %d; the authenticator may have been cloned",
            device.persistent_id,
            new_count,
            device.sign_count,
        )
        return False
    device.sign_count = new_count
    device.last_challenge = digest
    device.backed_up = verified.credential_backed_up
    return True
