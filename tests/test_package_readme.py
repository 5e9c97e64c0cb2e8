"""The wheel describes the app, not the demo site around it: its long description is twofactor/README.md."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_readme_is_about_the_app():
    text = (ROOT / "twofactor" / "README.md").read_text()
    assert text.startswith("# django-twofactor-registry: two-factor authentication for Django\n")
    assert "twofa_site" not in text and "scripts/dev.py" not in text and "](" not in text  # no site, no relative links
    assert 'readme = {file = "twofactor/README.md"' in (ROOT / "pyproject.toml").read_text()


@pytest.mark.slow
def test_the_built_wheel_carries_the_apps_readme(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True,
    )
    for leftover in [ROOT / "build", *ROOT.glob("*.egg-info")]:  # setuptools builds in the source tree
        subprocess.run(["rm", "-rf", str(leftover)], check=True)
    [wheel] = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        [name] = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        headers, description = archive.read(name).decode("utf-8").split("\n\n", 1)
    assert "Description-Content-Type: text/markdown" in headers.splitlines()
    assert description.strip() == (ROOT / "twofactor" / "README.md").read_text().strip()
