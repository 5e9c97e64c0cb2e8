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
    """A full-page picture of the current step, as it is (the committed ones come from a frozen clock and fixed
    data: tests/support/still_pictures.py)."""
    viewport = page.viewport_size or DESKTOP
    scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") and "dark" or "light"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}-{viewport['width']}-{scheme}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path


#: Screenshots committed under docs/screenshots/ (shown in the README and the docs), compared with each fresh render.
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: A pixel counts as changed when a channel moves by more than this; a picture drifts past MAX_CHANGED of them.
PIXEL_TOLERANCE = 48
MAX_CHANGED = 0.005


def compare_with_committed(fresh: Path) -> str | None:
    """None when `fresh` matches its committed twin (perceptually: a few anti-aliased pixels may differ);
    otherwise why not. TWOFA_UPDATE_SCREENSHOTS=1 replaces the committed picture instead."""
    from PIL import Image, ImageChops

    committed = DOCS / fresh.name
    if os.environ.get("TWOFA_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        committed.write_bytes(fresh.read_bytes())
        return None
    if not committed.exists():
        return f"{committed.name} is not committed (TWOFA_UPDATE_SCREENSHOTS=1 writes it)"
    old, new = Image.open(committed).convert("RGB"), Image.open(fresh).convert("RGB")
    if old.size != new.size:
        return f"{committed.name}: the page is {new.size} now, {old.size} in docs/screenshots"
    difference = ImageChops.difference(old, new).convert("L").point(lambda value: 255 if value > PIXEL_TOLERANCE else 0)
    changed = difference.histogram()[255] / (old.width * old.height)
    if changed > MAX_CHANGED:
        return f"{committed.name}: {changed:.1%} of the pixels changed (fresh render: {fresh})"
    return None


def check(page, name: str, seen: dict, drift: list | None = None, shown: tuple = ()) -> None:
    """Run axe on the page and take its screenshot; record violations in `seen` (name -> lines), and, when the
    picture is one of those `shown` in the README and the docs, how it drifted from the committed one in `drift`."""
    page.wait_for_load_state()
    violations = serious_violations(page)
    if violations:
        seen[f"{name} ({page.url})"] = violations
    path = screenshot(page, name)
    if path.name in shown and drift is not None:
        problem = compare_with_committed(path)
        if problem:
            drift.append(problem)
