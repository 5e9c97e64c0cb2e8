"""The passkey method: passkeys and security keys (WebAuthn), with Duo's py_webauthn doing the cryptography."""

#: The wheel's extra that brings this method's library, and the module it needs (see twofactor.methods.sms).
EXTRA = "passkeys"
REQUIRES = ("webauthn",)
