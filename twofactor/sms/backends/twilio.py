"""Sends text messages through Twilio's Messages API with the official twilio package."""

import requests
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from twofactor.app_settings import app_settings
from twofactor.sms.message import SMSDeliveryError, SMSMessage

from .base import BaseSMSBackend


class SMSBackend(BaseSMSBackend):
    """Twilio, configured by the TWOFACTOR_TWILIO_* settings (keyword arguments override them).

    The sender is the Messaging Service when TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID is set,
    otherwise TWOFACTOR_TWILIO_FROM_NUMBER. Pass `http_client` (a twilio.http.HttpClient) or set
    TWOFACTOR_TWILIO_HTTP_CLIENT to replace the transport.
    """

    def __init__(
        self,
        *args,
        account_sid: str | None = None,
        auth_token: str | None = None,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        http_client: HttpClient | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.account_sid = account_sid or app_settings.TWILIO_ACCOUNT_SID
        self.auth_token = auth_token or app_settings.TWILIO_AUTH_TOKEN
        self.from_number = from_number or app_settings.TWILIO_FROM_NUMBER
        self.messaging_service_sid = messaging_service_sid or app_settings.TWILIO_MESSAGING_SERVICE_SID
        for name, value in (("TWILIO_ACCOUNT_SID", self.account_sid), ("TWILIO_AUTH_TOKEN", self.auth_token)):
            if not value:
                raise ImproperlyConfigured(f"Set TWOFACTOR_{name} to send text messages through Twilio.")
        if not (self.from_number or self.messaging_service_sid):
            raise ImproperlyConfigured(
                "Set TWOFACTOR_TWILIO_FROM_NUMBER or TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID "
                "to send text messages through Twilio."
            )
        self.http_client = http_client or make_http_client()
        self.client: Client | None = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        self.client = Client(self.account_sid, self.auth_token, http_client=self.http_client)
        return True

    def close(self) -> None:
        self.client = None

    def send_message(self, message: SMSMessage) -> None:
        # The Messaging Service wins when both are set: it picks the best sender from its pool.
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        try:
            self.client.messages.create(to=message.to, body=message.body, **sender)
        except (TwilioRestException, TwilioServiceException) as error:
            # "from None": Twilio's own text and the request stay out of tracebacks and logs.
            raise SMSDeliveryError(
                f"Twilio refused the text message (HTTP {error.status}, Twilio error {error.code}; "
                f"see https://www.twilio.com/docs/errors/{error.code}).",
                status=error.status,
                code=error.code,
            ) from None
        except TwilioException as error:
            raise SMSDeliveryError(f"Twilio could not send the text message ({type(error).__name__}).") from None
        except requests.Timeout:
            raise SMSDeliveryError(f"Twilio did not answer within {self.http_client.timeout} seconds.") from None
        except requests.RequestException as error:
            raise SMSDeliveryError(f"Could not reach Twilio ({type(error).__name__}).") from None


def make_http_client() -> HttpClient:
    """The transport: TWOFACTOR_TWILIO_HTTP_CLIENT when set, else Twilio's own with our timeout."""
    timeout = app_settings.TWILIO_TIMEOUT_SECONDS
    path = app_settings.TWILIO_HTTP_CLIENT
    if not path:
        return TwilioHttpClient(timeout=timeout)
    try:
        client_class = import_string(path)
    except ImportError:
        client_class = None
    if not (isinstance(client_class, type) and issubclass(client_class, HttpClient)):
        raise ImproperlyConfigured(
            f"TWOFACTOR_TWILIO_HTTP_CLIENT {path!r} is not the dotted path of a twilio.http.HttpClient subclass."
        )
    return client_class(timeout=timeout)
