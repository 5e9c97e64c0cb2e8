"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) under keys derived from settings.

Keys come from TWOFACTOR_ENCRYPTION_KEYS, newest first, or from SECRET_KEY. Every key
decrypts; the first one encrypts, so rotating is: prepend a key, run
`manage.py twofactor_rotate_keys`, later drop the old key.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from .app_settings import app_settings

__all__ = ["encrypt", "decrypt", "is_current", "rotate", "InvalidToken"]


def _derive(secret: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"twofactor secrets at rest").derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(raw))


@functools.lru_cache(maxsize=4)
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(secret) for secret in secrets])


def _keys() -> tuple[str, ...]:
    return tuple(app_settings.ENCRYPTION_KEYS or [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS])


def encrypt(plaintext: bytes) -> str:
    """Encrypt under the newest key."""
    return _fernet(_keys()).encrypt(plaintext).decode("ascii")


def decrypt(token: str) -> bytes:
    """Decrypt with any configured key; raises InvalidToken when none fits."""
    return _fernet(_keys()).decrypt(token.encode("ascii"))


def is_current(token: str) -> bool:
    """Whether the newest key decrypts this token (so it needs no rotation)."""
    try:
        _derive(_keys()[0]).decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """Re-encrypt under the newest key."""
    return _fernet(_keys()).rotate(token.encode("ascii")).decode("ascii")
