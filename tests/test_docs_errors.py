"""The configuration errors the docs quote are the sentences start-up really prints.

docs/settings.md has a table: an environment, and the sentence `manage.py check` stops with. Each row is set
and run; and every "Configuration error: …" quoted anywhere in the docs or the README is one of those rows.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `([A-Z_]+=[^`]*)`(?: and no `([A-Z_]+)`)? \| `(Configuration error: [^`]+)` \|$", re.MULTILINE)


def documented() -> list[tuple[str, str | None, str]]:
    return ROW.findall((ROOT / "docs" / "settings.md").read_text())


def test_the_docs_list_the_configuration_errors():
    assert len(documented()) >= 5
    assert any(variable.startswith("DATABASE_URL=") for variable, _unset, _sentence in documented())


@pytest.mark.parametrize(("variable", "unset", "sentence"), documented(), ids=lambda value: str(value)[:40])
def test_each_documented_error_is_the_sentence_printed(variable, unset, sentence):
    name, _, value = variable.partition("=")
    env = {
        key: val
        for key, val in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "EMAIL_URL", "TESTING", unset or "")
        and not key.startswith("TWOFACTOR_")
    }
    env.update({"DEBUG": "on", "PYTHONPATH": str(ROOT), name: value})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == sentence


def test_every_quoted_configuration_error_is_in_the_table():
    sentences = {sentence for _variable, _unset, sentence in documented()}
    quoted = set()
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        quoted |= {
            match.rstrip("…").strip() for match in re.findall(r"`(Configuration error: [^`]+)`", path.read_text())
        }
    unknown = sorted(text for text in quoted if not any(sentence.startswith(text) for sentence in sentences))
    assert not unknown, unknown
