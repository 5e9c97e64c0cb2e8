"""The passkey method: passkeys and security keys (WebAuthn), with Duo's py_webauthn doing the cryptography."""
