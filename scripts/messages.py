#!/usr/bin/env python3
"""Translations: find new strings, list untranslated ones, compile.

    python3 scripts/messages.py update     makemessages for every shipped language (each app's locale/, and locale/)
    python3 scripts/messages.py check      list strings without a translation (exit 1 if any)
    python3 scripts/messages.py compile    compilemessages (the .mo files are committed: no gettext needed to run)

Needs GNU gettext (Debian: apt-get install gettext) and the .venv made by scripts/dev.py.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["fr", "de", "es"]
CATALOGS = ["accounts/locale", "twofactor/locale", "locale"]
IGNORE = [
    "tests/*",
    "build/*",
    ".venv/*",
    ".venv-*/*",
    "bench/*",
    "scripts/*",
    "staticfiles/*",
    "docs/*",
    "*.egg-info/*",
]


def _manage(root: Path, *args: str) -> None:
    env = {**os.environ, "DEBUG": "on", "PYTHONPATH": str(root), "DJANGO_SETTINGS_MODULE": "twofa_site.settings"}
    python = ROOT / ".venv" / "bin" / "python"
    subprocess.run(
        [str(python if python.exists() else sys.executable), "manage.py", *args],
        cwd=root,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def update(root: Path = ROOT) -> None:
    """Bring every .po file up to date with the source (new strings arrive untranslated)."""
    languages = [argument for language in LANGUAGES for argument in ("-l", language)]
    ignores = [argument for pattern in IGNORE for argument in ("-i", pattern)]
    _manage(root, "makemessages", *languages, *ignores, "--no-obsolete", "--no-location")


def compile_catalogs(root: Path = ROOT) -> None:
    _manage(root, "compilemessages", *[argument for pattern in IGNORE for argument in ("-i", pattern)])


def _msgid(block: str) -> str:
    """The msgid of one catalog entry, its continuation lines joined ('' for the header)."""
    lines = block.splitlines()
    start = next((index for index, line in enumerate(lines) if line.startswith("msgid ")), None)
    if start is None:
        return ""
    parts = [lines[start][6:]]
    for line in lines[start + 1 :]:
        if not line.startswith('"'):
            break
        parts.append(line)
    return "".join(part[1:-1] for part in parts)


def untranslated(root: Path = ROOT) -> list[str]:
    """'catalog: msgid' of every entry without a translation, or marked fuzzy (a guess makemessages made)."""
    missing = []
    for catalog in CATALOGS:
        for language in LANGUAGES:
            po = root / catalog / language / "LC_MESSAGES" / "django.po"
            if not po.exists():
                missing.append(f"{po.relative_to(root)}: the whole catalog")
                continue
            for option in ("--untranslated", "--only-fuzzy"):
                out = subprocess.run(
                    ["msgattrib", option, "--no-obsolete", str(po)], capture_output=True, text=True, check=True
                ).stdout
                for block in out.split("\n\n"):
                    msgid = _msgid(block)
                    if msgid:
                        missing.append(f"{po.relative_to(root)}: {msgid}")
    return missing


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_catalogs()
    elif command == "check":
        missing = untranslated()
        print("\n".join(missing) or "Every string is translated.")
        return 1 if missing else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
