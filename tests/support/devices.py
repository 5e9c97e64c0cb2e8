"""A confirmed two-factor method of each kind, given to a user directly (no enrolment pages)."""

import base64
import secrets

import pyotp

from twofactor.methods.totp.models import TOTPDevice

PHONE = "+14155550123"


def add_totp(user, key: bytes | None = None) -> tuple[TOTPDevice, pyotp.TOTP]:
    """Give `user` a confirmed authenticator device; returns it and an independent pyotp generator."""
    key = key or secrets.token_bytes(20)
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    return device, pyotp.TOTP(base64.b32encode(key).decode())


def add_email(user, email: str | None = None, **extra):
    """Codes by email to `email` (the account's address by default); returns the EmailDevice."""
    from twofactor.methods.email.models import EmailDevice  # here: a site may run without the email method

    return EmailDevice.objects.create(
        user=user, name="Code by email", email=email or user.email, confirmed=True, **extra
    )


def add_sms(user, phone: str = PHONE, **extra):
    """Codes by text message to `phone`; returns the SMSDevice."""
    from twofactor.methods.sms.models import SMSDevice  # here: the SMS method is optional

    return SMSDevice.objects.create(user=user, name="Code by text message", phone_number=phone, confirmed=True, **extra)
