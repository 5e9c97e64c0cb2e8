#!/usr/bin/env python3
"""Build the `twofactor` wheel, install it into a clean virtual environment, and run the second project's suite.

    python3 scripts/minimal_project.py          every Python line below that this machine has
    python3 scripts/minimal_project.py 3.13     one line

tests/projects/minimal is a project unlike twofa_site (an email-only user model, no `accounts` app, the app
under /security/); it sees the app only as installed from the wheel, never the source tree.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "tests" / "projects" / "minimal"
#: Python line → the Django installed with it. Django 6.x is not on the package index this CI uses (the newest
#: there is 5.2.19), so both lines run the 5.2 LTS; put "Django==6.1.x" here once it can be installed.
LINES = {"3.11": "Django==5.2.19", "3.13": "Django==5.2.19"}
TEST_TOOLS = ("pytest", "pytest-django")
#: The method-registry tests of the main suite (the test-only method, the isolation and registry checks), also run
#: on every line but the first (whose full suite runs them already), from the source tree.
REGISTRY_TESTS = (
    "tests/test_third_party_method.py",
    "tests/test_method_isolation.py",
    "tests/test_registry.py",
    "tests/test_import_graph.py",
)


def interpreter(version: str) -> str | None:
    """A python`version` from pyenv's versions, else on PATH (pyenv's shims only work for an active version)."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))
    if candidates:
        return candidates[-1]
    found = shutil.which(f"python{version}")
    return found if found and "/shims/" not in found else None


def pins() -> dict[str, str]:
    """Exact pins (name → "name==version") from the repository's requirements files."""
    found = {}
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if "==" in line and not line.startswith("-"):
                package = line.split("==")[0].split("[")[0].strip()
                found[package.lower()] = f"{package}=={line.split('==')[1].strip()}"
    return found


def run(*command, **kwargs) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], check=True, **kwargs)


def main(versions: list[str]) -> int:
    work = Path(tempfile.mkdtemp(prefix="twofactor-minimal-"))
    try:
        run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", work / "dist", ROOT)
        for leftover in [ROOT / "build", *ROOT.glob("*.egg-info")]:  # setuptools builds in the source tree
            shutil.rmtree(leftover, ignore_errors=True)
        [wheel] = (work / "dist").glob("*.whl")
        pinned = pins()
        constraints = work / "constraints.txt"
        constraints.write_text("\n".join(v for k, v in pinned.items() if k != "django") + "\n")
        missing = []
        for version in versions:
            python = interpreter(version)
            if python is None:
                missing.append(version)
                continue
            print(f"== Minimal project on Python {version} with {LINES[version]} (from {wheel.name})", flush=True)
            venv = work / f"venv-{version}"
            run(python, "-m", "venv", venv)
            bin_dir = venv / "bin"
            run(
                bin_dir / "python",
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"{wheel}",
                LINES[version],
                *(pinned[tool] for tool in TEST_TOOLS),
                "-c",
                constraints,
            )
            env = {
                key: value
                for key, value in os.environ.items()
                if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV"}
            }
            run(bin_dir / "python", "-m", "pytest", "-q", cwd=PROJECT, env=env)
            if version != next(iter(LINES)):
                print(f"== The method-registry tests on Python {version} with {LINES[version]}", flush=True)
                source_venv = work / f"source-venv-{version}"
                run(python, "-m", "venv", source_venv)
                run(
                    source_venv / "bin" / "python",
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                    ROOT / "requirements.txt",
                    LINES[version],
                    pinned["pyotp"],
                    *(pinned[tool] for tool in TEST_TOOLS),
                    "-c",
                    constraints,
                )
                run(source_venv / "bin" / "python", "-m", "pytest", "-q", *REGISTRY_TESTS, cwd=ROOT, env=env)
        if missing:
            message = f"Python {', '.join(missing)} not found (looked on PATH and in pyenv)."
            if os.environ.get("CI") == "true":
                print(message, file=sys.stderr)
                return 1
            print(message + " Skipped outside CI.")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(LINES)))
