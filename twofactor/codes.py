"""Making, normalising and hashing one-time codes.

Backup codes carry 80 random bits and are stored as salted SHA-256. Six-digit codes sent
by email or SMS have too few bits for a hash alone, so theirs is also keyed with
SECRET_KEY (a pepper a database dump does not contain); they live ten minutes at most.
"""

import hashlib
import hmac
import re
import secrets

from django.conf import settings

# Crockford's base32 alphabet: no I, L, O or U to misread.
BACKUP_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BACKUP_CODE_LENGTH = 16  # 16 symbols of 5 bits: 80 bits
_BACKUP_READING_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})
MAX_CODE_INPUT = 64


def generate_numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def generate_backup_code() -> str:
    raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
    return format_backup_code(raw)


def format_backup_code(raw: str) -> str:
    """Group in fours for reading: ABCD-EFGH-JKMN-PQRS."""
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalize_numeric_code(code: str, digits: int) -> str | None:
    """Digits only (spaces allowed in input), exactly `digits` long; None otherwise."""
    if not isinstance(code, str) or len(code) > MAX_CODE_INPUT:
        return None
    code = re.sub(r"\s+", "", code)
    if len(code) != digits or not code.isascii() or not code.isdigit():
        return None
    return code


def normalize_backup_code(code: str) -> str | None:
    """Upper case, separators dropped, common misreadings fixed; None if it cannot be a backup code."""
    if not isinstance(code, str) or len(code) > MAX_CODE_INPUT:
        return None
    cleaned = re.sub(r"[\s-]+", "", code).upper().translate(_BACKUP_READING_FIXES)
    if len(cleaned) != BACKUP_CODE_LENGTH or any(ch not in BACKUP_ALPHABET for ch in cleaned):
        return None
    return cleaned


def looks_like_backup_code(code: str) -> bool:
    return normalize_backup_code(code) is not None


def _digest(salt: str, code: str, peppered: bool) -> str:
    key = (settings.SECRET_KEY + salt) if peppered else salt
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()


def hash_code(code: str, *, peppered: bool = True) -> str:
    """A salted hash of `code`, as "scheme$salt$hex"."""
    salt = secrets.token_hex(16)
    scheme = "hmac-sha256p" if peppered else "sha256s"
    return f"{scheme}${salt}${_digest(salt, code, peppered)}"


def matches_hash(code: str, stored: str) -> bool:
    """Constant-time comparison of a code against a stored hash."""
    try:
        scheme, salt, expected = stored.split("$", 2)
    except ValueError:
        return False
    if scheme not in ("hmac-sha256p", "sha256s"):
        return False
    return hmac.compare_digest(_digest(salt, code, scheme == "hmac-sha256p"), expected)
