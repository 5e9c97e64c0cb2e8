"""Still pictures: the screenshots committed under docs/screenshots/ are rendered from a frozen clock and fixed
data, so they show the pages as a person sees them (no masked boxes) and a fresh render matches the committed one.

pytest-django's live server runs in this process, so freezing the clock here freezes the server's too: `time.time`
(sign-in state, cooldowns, the authenticator's clock) and Django's `timezone.now` (every stored date) stop at
FROZEN. The browser gets the same instant from Playwright's clock, a UTC time zone, one language and one user
agent. The authenticator key and the backup codes come from fixed values instead of `secrets`.
"""

import random
import time
from datetime import UTC, datetime
from types import SimpleNamespace

from django.utils import timezone

from twofactor.codes import BACKUP_ALPHABET, BACKUP_CODE_LENGTH, format_backup_code
from twofactor.methods.backup import codes as backup_codes
from twofactor.methods.totp import setup as totp_setup

FROZEN = datetime(2026, 3, 2, 9, 41, tzinfo=UTC)
#: The authenticator key every enrolment gets (base32 JBSWY3DPEHPK3PXP…, the classic example key, made longer).
TOTP_KEY = b"Hello!\xde\xad\xbe\xef" * 2
#: Backup codes in the order they are made: drawn from the same alphabet, by a seeded generator.
_draw = random.Random(2026)
BACKUP_CODES = [format_backup_code("".join(_draw.choices(BACKUP_ALPHABET, k=BACKUP_CODE_LENGTH))) for _ in range(40)]
BROWSER = {
    "timezone_id": "UTC",
    "locale": "en-US",
    "user_agent": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36"
    ),
}


class StillPictures:
    def __init__(self, monkeypatch):
        monkeypatch.setattr(time, "time", FROZEN.timestamp)
        monkeypatch.setattr(timezone, "now", lambda: FROZEN)
        monkeypatch.setattr(totp_setup, "secrets", SimpleNamespace(token_bytes=lambda size: TOTP_KEY[:size]))
        made = iter(BACKUP_CODES)
        monkeypatch.setattr(backup_codes, "generate_backup_code", lambda: next(made))

    def open(self, new_page, **options):
        """A page in a browser whose clock, time zone, language and user agent are fixed."""
        page = new_page(**BROWSER, **options)
        page.context.clock.set_fixed_time(FROZEN)  # Date stays at FROZEN; timers still run (axe-core needs them)
        return page

    def code(self, totp) -> str:
        """The authenticator's code at the frozen instant (pyotp reads the real clock otherwise)."""
        return totp.at(FROZEN)
