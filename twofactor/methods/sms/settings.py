"""The text-message method's settings: its sending budgets, the regions it texts, the SMS backend and Twilio's
credentials. Read as TWOFACTOR_<NAME>, here or through twofactor.app_settings.app_settings."""

from ...app_settings import Settings


class SMSSettings(Settings):
    """Read by the text-message method (`sms`, with its SMS backends)."""

    @property
    def SEND_LIMIT_PER_PHONE_HOUR(self) -> int:
        """Sign-in text messages one confirmed phone number may be sent per hour, across accounts."""
        return int(self._get("SEND_LIMIT_PER_PHONE_HOUR", 5))

    @property
    def SMS_LIMIT_SITE_HOUR(self) -> int:
        """Sign-in text messages (to confirmed numbers) the whole site may send per hour."""
        return int(self._get("SMS_LIMIT_SITE_HOUR", 500))

    @property
    def SMS_ENROLMENT_LIMIT_SITE_HOUR(self) -> int:
        """Enrolment text messages (to numbers not yet proven) the whole site may send per hour: a budget of
        its own, so open sign-up can never spend the sign-in budget."""
        return int(self._get("SMS_ENROLMENT_LIMIT_SITE_HOUR", 100))

    @property
    def SMS_ENROLMENT_LIMIT_PER_PHONE_HOUR(self) -> int:
        """Enrolment text messages one number (not yet proven) may be sent per hour, across accounts."""
        return int(self._get("SMS_ENROLMENT_LIMIT_PER_PHONE_HOUR", 3))

    @property
    def SMS_ENROLMENT_LIMIT_PER_IP_HOUR(self) -> int:
        """Enrolment text messages one client address may ask for per hour."""
        return int(self._get("SMS_ENROLMENT_LIMIT_PER_IP_HOUR", 10))

    @property
    def SMS_ALLOWED_REGIONS(self) -> list[str]:
        """Phone regions (ISO 3166 codes, e.g. ["GB", "US"]) that may receive texts; empty allows all."""
        value = self._get("SMS_ALLOWED_REGIONS", [])
        if isinstance(value, str):
            value = value.split(",")
        return [region.strip().upper() for region in value if region.strip()]

    @property
    def SMS_BACKEND(self) -> str:
        """A short name (console, file, locmem, twilio) or the dotted path of a backend class."""
        return self._get("SMS_BACKEND", "console")

    @property
    def SMS_FILE_PATH(self) -> str:
        """Folder for the file SMS backend."""
        return self._get("SMS_FILE_PATH", "")

    @property
    def TWILIO_ACCOUNT_SID(self) -> str:
        """Twilio: the account SID (ACxxxxxxxx) the twilio SMS backend sends with."""
        return self._get("TWILIO_ACCOUNT_SID", "")

    @property
    def TWILIO_AUTH_TOKEN(self) -> str:
        """Twilio: the account's auth token (a secret: keep it out of the repository)."""
        return self._get("TWILIO_AUTH_TOKEN", "")

    @property
    def TWILIO_FROM_NUMBER(self) -> str:
        """Twilio: the sender number in E.164 ("+14155550100"), used unless a Messaging Service SID is set."""
        return self._get("TWILIO_FROM_NUMBER", "")

    @property
    def TWILIO_MESSAGING_SERVICE_SID(self) -> str:
        """Twilio: a Messaging Service SID (MGxxxxxxxx) to send from; it takes precedence over the from number."""
        return self._get("TWILIO_MESSAGING_SERVICE_SID", "")

    @property
    def TWILIO_TIMEOUT_SECONDS(self) -> float:
        """Twilio: how long to wait for its API before the send counts as failed ("we could not send the code")."""
        return float(self._get("TWILIO_TIMEOUT_SECONDS", 10))

    @property
    def TWILIO_HTTP_CLIENT(self) -> str:
        """Dotted path of a twilio.http.HttpClient class; empty for Twilio's own (tests swap the transport)."""
        return self._get("TWILIO_HTTP_CLIENT", "")


sms_settings = SMSSettings()
