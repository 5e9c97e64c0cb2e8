"""Sending a one-time code to the outside world: a mail (plain text and HTML) or a text message.

Both are rendered from templates naming the site, the purpose and the expiry:
    twofactor/email/code_subject.txt, twofactor/email/code.txt, twofactor/email/code.html
    twofactor/sms/code.txt
Any failure to hand the message over becomes a DeliveryError whose text never contains the code.
"""

import smtplib
from math import ceil

from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from . import sms
from .app_settings import app_settings
from .links import site_host

SIGN_IN, CONFIRM, RESCUE = "sign_in", "confirm", "rescue"
PURPOSES = {
    SIGN_IN: _("sign-in"),
    CONFIRM: _("confirming a new two-factor method"),
    RESCUE: _("account rescue"),
}
# Without EMAIL_TIMEOUT Django's SMTP backend waits forever on a server that accepts and hangs.
DEFAULT_EMAIL_TIMEOUT_SECONDS = 15


def mail_connection():
    """The project's default mail backend: Django 6.1's `mailers.default` (get_connection() is deprecated there),
    else `get_connection()`; an SMTP connection without a timeout gets one."""
    mailers = getattr(mail, "mailers", None)
    connection = mailers.default if mailers is not None else mail.get_connection()
    if getattr(connection, "timeout", 0) is None:
        connection.timeout = DEFAULT_EMAIL_TIMEOUT_SECONDS
    return connection


class DeliveryError(Exception):
    """The code could not be handed to the mail server or SMS provider; the text is safe to log."""


def origin_host(request) -> str:
    """The host name the browser shows for this site (no port): what the WebOTP line binds a text message to.

    The configured TWOFACTOR_SITE_URL's host; only development without it reads the request's Host."""
    return site_host(request)


def code_context(code: str, purpose: str, user=None, host: str = "") -> dict:
    """What every code message template may use."""
    if purpose not in PURPOSES:
        raise ValueError(f"Unknown purpose {purpose!r}; use one of {', '.join(PURPOSES)}.")
    validity = app_settings.CODE_VALIDITY_SECONDS
    return {
        "code": code,
        "purpose": purpose,
        "purpose_label": PURPOSES[purpose],
        "site_name": app_settings.ISSUER,
        "valid_minutes": max(1, ceil(validity / 60)),
        "user": user,
        "username": user.get_username() if user is not None else "",
        "host": host,
    }


def send_code_email(address: str, code: str, *, purpose: str, user=None, host: str = "") -> None:
    """Mail `code` to `address` (the subject names its purpose); raise DeliveryError when the mail server
    does not take it."""
    context = code_context(code, purpose, user, host)
    subject = " ".join(render_to_string("twofactor/email/code_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("twofactor/email/code.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    message.attach_alternative(render_to_string("twofactor/email/code.html", context), "text/html")
    try:
        connection = mail_connection()
        sent = connection.send_messages([message])
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise DeliveryError(_safe_reason(error, code)) from None
    if not sent:
        raise DeliveryError("The mail backend accepted no message.")


def send_code_sms(number: str, code: str, *, purpose: str, user=None, host: str = "") -> None:
    """Text `code` to the E.164 `number`; raise DeliveryError when the SMS backend cannot send it.

    With `host`, the body ends with the origin-bound line "@host #code" (WebOTP): phones and browsers
    then offer the code for autofill on that site only."""
    body = render_to_string("twofactor/sms/code.txt", code_context(code, purpose, user, host)).strip()
    if host:
        body = f"{body}\n\n@{host} #{code}"
    try:
        sent = sms.send_sms(number, body)
    except sms.SMSDeliveryError as error:
        raise DeliveryError(_safe_reason(error, code)) from None
    except ImproperlyConfigured as error:
        # A misconfigured backend (also reported by system check twofactor.E008) must not become a 500.
        raise DeliveryError(f"SMS backend misconfigured: {error}") from None
    if not sent:
        raise DeliveryError("The SMS backend sent no message.")


def _safe_reason(error: Exception, code: str) -> str:
    """The error as loggable text, with the code blanked out should a server have echoed it."""
    reason = f"{type(error).__name__}: {error}".replace(code, "••••••")
    return reason[:500]
