"""The email method's settings: the budgets of codes to addresses being enrolled. Read as TWOFACTOR_<NAME>, here
or through twofactor.app_settings.app_settings."""

from ...app_settings import Settings


class EmailSettings(Settings):
    """Read by the email method (`email`)."""

    @property
    def EMAIL_ENROLMENT_LIMIT_PER_ADDRESS_HOUR(self) -> int:
        """Enrolment codes (to an address not yet proven) one address may be mailed per hour, across accounts: sign-up
        spam cannot bomb a mailbox. Sign-in codes to a confirmed address do not count here."""
        return int(self._get("EMAIL_ENROLMENT_LIMIT_PER_ADDRESS_HOUR", 3))

    @property
    def EMAIL_ENROLMENT_LIMIT_PER_IP_HOUR(self) -> int:
        """Enrolment codes by email one client address may ask for per hour."""
        return int(self._get("EMAIL_ENROLMENT_LIMIT_PER_IP_HOUR", 10))


email_settings = EmailSettings()
