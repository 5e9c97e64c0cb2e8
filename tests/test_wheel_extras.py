"""The wheel's extras (scripts/minimal_project.py on this Python line): built and installed without extras into a
clean virtual environment, a TOTP, email and backup-code site passes its tests and never imports twilio,
phonenumbers or webauthn; installed with [sms,passkeys], text messages and passkeys work too."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_the_wheel_without_extras_and_with_them():
    line = f"{sys.version_info.major}.{sys.version_info.minor}"
    result = subprocess.run(
        [sys.executable, "scripts/minimal_project.py", line], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    runs = result.stdout.split("== Minimal project on Python")[1:]
    assert len(runs) == 2 and runs[0].split("\n")[0].endswith(".whl)") and "[sms,passkeys])" in runs[1].split("\n")[0]
    assert all("passed" in run and "failed" not in run for run in runs)
