"""What every page of the browser journeys gets: an axe-core check (no serious or critical violation) and a
screenshot in a folder outside the repository (TWOFA_SCREENSHOTS, else <tmp>/twofa_site-screenshots)."""

import os
import re
import tempfile
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

SCREENSHOTS = Path(os.environ.get("TWOFA_SCREENSHOTS") or Path(tempfile.gettempdir()) / "twofa_site-screenshots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: Content that changes from run to run (keys, QR codes, codes, dates, countdowns): covered in screenshots.
DYNAMIC = ".qr img, [data-secret], [data-otpauth], [data-backup-codes], time, #resend-wait, [data-sessions] td, td.muted"
SERIOUS = {"serious", "critical"}

_axe = Axe()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def screenshot(page, name: str) -> Path:
    """A full-page picture of the current step, with dynamic content masked."""
    viewport = page.viewport_size or DESKTOP
    scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") and "dark" or "light"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}-{viewport['width']}-{scheme}.png"
    page.screenshot(path=str(path), full_page=True, mask=[page.locator(DYNAMIC)], animations="disabled")
    return path


def check(page, name: str, seen: dict) -> None:
    """Run axe on the page and take its screenshot; record violations in `seen` (name -> lines)."""
    page.wait_for_load_state()
    violations = serious_violations(page)
    if violations:
        seen[f"{name} ({page.url})"] = violations
    screenshot(page, name)
