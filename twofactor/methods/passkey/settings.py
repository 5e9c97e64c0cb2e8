"""The passkey method's settings: the relying party, the ceremony's options and its budgets. Read as
TWOFACTOR_<NAME>, here or through twofactor.app_settings.app_settings."""

from ...app_settings import Settings, app_settings


class PasskeySettings(Settings):
    """Read by the passkey method (`passkey`)."""

    @property
    def WEBAUTHN_RP_ID(self) -> str:
        """Passkeys: the relying-party id, the site's registrable domain ("example.com"); empty means the
        request's host, which only development should rely on (a system check demands it when DEBUG is off)."""
        return self._get("WEBAUTHN_RP_ID", "")

    @property
    def WEBAUTHN_ORIGINS(self) -> list[str]:
        """Passkeys: the origins a browser may sign from ("https://example.com"); empty means the request's."""
        value = self._get("WEBAUTHN_ORIGINS", [])
        return [value] if isinstance(value, str) else list(value)

    @property
    def WEBAUTHN_RP_NAME(self) -> str:
        """Passkeys: the site's name the browser shows; TWOFACTOR_ISSUER when empty."""
        return self._get("WEBAUTHN_RP_NAME", "") or app_settings.ISSUER

    @property
    def WEBAUTHN_USER_VERIFICATION(self) -> str:
        """Passkeys as a second step: "required", "preferred" or "discouraged" (a PIN or fingerprint on the key).
        Signing in without a password always requires it."""
        return self._get("WEBAUTHN_USER_VERIFICATION", "preferred")

    @property
    def WEBAUTHN_ATTESTATION(self) -> str:
        """Passkeys: the attestation asked for at enrolment, "none", "indirect", "direct" or "enterprise" (verified
        when the authenticator gives one)."""
        return self._get("WEBAUTHN_ATTESTATION", "none")

    @property
    def WEBAUTHN_CHALLENGE_SECONDS(self) -> int:
        """Passkeys: how long a challenge may be answered; each is good once."""
        return int(self._get("WEBAUTHN_CHALLENGE_SECONDS", 300))

    @property
    def WEBAUTHN_BEGINS_PER_IP(self) -> int:
        """Passkeys: sign-in ceremonies one client address may begin per 15 minutes."""
        return int(self._get("WEBAUTHN_BEGINS_PER_IP", 60))

    @property
    def WEBAUTHN_ASSERTIONS_PER_IP(self) -> int:
        """Passkeys: answers (assertions) one client address may submit per 15 minutes; an accepted one is given
        back. A refused answer is counted here, never against the credential, so strangers cannot lock it."""
        return int(self._get("WEBAUTHN_ASSERTIONS_PER_IP", 20))

    @property
    def WEBAUTHN_PASSWORDLESS(self) -> bool:
        """Passkeys: whether the sign-in page offers signing in with a passkey alone (no password)."""
        return bool(self._get("WEBAUTHN_PASSWORDLESS", True))


passkey_settings = PasskeySettings()
