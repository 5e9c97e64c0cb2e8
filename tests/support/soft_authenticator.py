"""A software WebAuthn authenticator for the server tests: a real P-256 key signs real responses.

It builds what a browser and an authenticator would send (clientDataJSON, authenticator data,
a "none" or "packed" self attestation, assertion signatures), with cbor2 for the encoding and
`cryptography` for the signatures, so the server's checks (py_webauthn) run on genuine input.
"""

import hashlib
import json
import os
from base64 import urlsafe_b64decode, urlsafe_b64encode

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40
ORIGIN, RP_ID = "http://testserver", "testserver"
YUBIKEY_5_AAGUID = "cb69481e-8ff7-4039-93ec-0a2729a154a8"


def b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, *, aaguid: str = YUBIKEY_5_AAGUID, counts: bool = True):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.aaguid = bytes.fromhex(aaguid.replace("-", ""))
        self.counts = counts  # False: a passkey whose counter stays at 0 (as synced passkeys do)
        self.sign_count = 0
        self.user_handle = b""

    def registered_for(self, user):
        """This credential stored for `user` as an enrolment would store it (no ceremony, so no origin involved)."""
        from twofactor.methods.passkey.models import PasskeyDevice

        self.user_handle = self.user_handle or os.urandom(32)
        return PasskeyDevice.objects.create(
            user=user,
            name="Laptop",
            confirmed=True,
            credential_id=self.credential_id,
            public_key=self._cose_key(),
            user_handle=self.user_handle,
            sign_count=self.sign_count,
        )

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def _sign(self, data: bytes) -> bytes:
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

    def create(
        self,
        options: dict,
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        fmt: str = "none",
        user_verified: bool = True,
        statement_key=None,
    ) -> dict:
        """navigator.credentials.create() answered: the credential as PublicKeyCredential.toJSON() gives it."""
        rp_id = rp_id or options["rp"]["id"]
        self.user_handle = unb64(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        flags = UP | AT | (UV if user_verified else 0)
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([flags])
            + self.sign_count.to_bytes(4, "big")
            + self.aaguid
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose_key()
        )
        statement = {}
        if fmt == "packed":  # self attestation: signed by the credential's own key
            signed = auth_data + hashlib.sha256(client_data).digest()
            signature = (
                statement_key.sign(signed, ec.ECDSA(hashes.SHA256()))
                if statement_key is not None
                else self._sign(signed)
            )
            statement = {"alg": -7, "sig": signature}
        attestation = cbor2.dumps({"fmt": fmt, "attStmt": statement, "authData": auth_data})
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": ["usb", "nfc"],
            },
            "clientExtensionResults": {},
        }

    def get(
        self,
        options: dict,
        *,
        origin: str = ORIGIN,
        rp_id: str | None = None,
        user_verified: bool = True,
        sign_count: int | None = None,
    ) -> dict:
        """navigator.credentials.get() answered with this credential (its counter goes up, unless told)."""
        rp_id = rp_id or options["rpId"]
        if sign_count is None and self.counts:
            self.sign_count += 1
        count = self.sign_count if sign_count is None else sign_count
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([UP | (UV if user_verified else 0)])
            + count.to_bytes(4, "big")
        )
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(self._sign(auth_data + hashlib.sha256(client_data).digest())),
                "userHandle": b64(self.user_handle),
            },
            "clientExtensionResults": {},
        }
