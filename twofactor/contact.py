"""The site's security contact (TWOFACTOR_SECURITY_CONTACT): an email address or an https:// URL, shown to users."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from .app_settings import app_settings


@dataclass(frozen=True)
class Contact:
    href: str  # mailto:… or the URL
    text: str  # what the page shows


def parse(value: str) -> Contact | None:
    """The contact `value` names, or None when it is neither an email address nor an https:// URL."""
    value = value.strip()
    address = value.removeprefix("mailto:")
    try:
        validate_email(address)
    except ValidationError:
        pass
    else:
        return Contact(href=f"mailto:{address}", text=address)
    try:
        URLValidator(schemes=["https"])(value)
    except ValidationError:
        return None
    return Contact(href=value, text=value)


def security_contact() -> Contact | None:
    """The configured contact, or None when the setting is empty (or wrong: a system check reports that)."""
    return parse(app_settings.SECURITY_CONTACT) if app_settings.SECURITY_CONTACT else None
