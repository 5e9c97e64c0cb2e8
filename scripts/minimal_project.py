#!/usr/bin/env python3
"""Build the `twofactor` wheel, install it into clean virtual environments, and run the second project's suite.

    python3 scripts/minimal_project.py          every Python line below that this machine has
    python3 scripts/minimal_project.py 3.13     one line

tests/projects/minimal is a project unlike twofa_site (an email-only user model, no `accounts` app, the app
under /security/); it sees the app only as installed from the wheel, never the source tree. On each line the
wheel is installed twice: without extras (a TOTP, email and backup-code site that must never import twilio,
phonenumbers or webauthn) and with [sms,passkeys] (every built-in method).
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
#: Python line → the Django installed with it: the 5.2 LTS, and 6.1 (which needs Python 3.12 or newer).
LINES = {"3.11": "Django==5.2.19", "3.13": "Django==6.1.3"}
TEST_TOOLS = ("pytest", "pytest-django")
#: The wheel's extras each line is installed with: none, then every built-in method's.
EXTRAS = ("", "sms,passkeys")
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
        # The site's runtime pins without Django, whose version each line chooses.
        runtime = work / "runtime.txt"
        runtime.write_text(
            "".join(
                line + "\n"
                for line in (ROOT / "requirements.txt").read_text().splitlines()
                if not line.lower().startswith("django==")
            )
        )
        missing = []
        for version in versions:
            python = interpreter(version)
            if python is None:
                missing.append(version)
                continue
            env = {
                key: value
                for key, value in os.environ.items()
                if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV"}
            }
            for extras in EXTRAS:
                requirement = f"{wheel}[{extras}]" if extras else f"{wheel}"
                print(f"== Minimal project on Python {version} with {LINES[version]} ({requirement})", flush=True)
                venv = work / f"venv-{version}-{extras.replace(',', '-') or 'plain'}"
                run(python, "-m", "venv", venv)
                bin_dir = venv / "bin"
                run(
                    bin_dir / "python",
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    requirement,
                    LINES[version],
                    *(pinned[tool] for tool in TEST_TOOLS),
                    "-c",
                    constraints,
                )
                run(bin_dir / "python", "-m", "pytest", "-q", cwd=PROJECT, env={**env, "MINIMAL_EXTRAS": extras})
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
                    runtime,
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
