"""The "another project" guide, run as written: its code blocks applied to a fresh `django-admin startproject` in a
clean virtual environment holding the built wheel, on each Django line; then sign-in → set-up → admin over HTTP.

The blocks are read from the guide wherever it lives (the docs site, else the README), so an edit of the guide that
breaks the path fails here. Slow (a virtual environment and an install per line): it runs when TWOFA_GUIDE_TEST=1,
as .ci/run does (`python3 scripts/dev.py test tests/guide` with the variable set).

Block conventions the guide keeps: a `sh` block is run line by line in the project folder; a `python` block starts
with a comment naming its file and what to do, `# mysite/settings.py: add at the end` (appended) or
`# mysite/urls.py: the whole file` (written), and `(Django 5.2)` in that comment limits it to one Django line.
"""

import html
import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent.parent
HEADING = "## Using `twofactor` in another project"
PACKAGE = "django-twofactor-registry"
ADMIN_PASSWORD = "choose-a-long-password"

pytestmark = pytest.mark.skipif(
    os.environ.get("TWOFA_GUIDE_TEST") != "1", reason="slow: set TWOFA_GUIDE_TEST=1 (bash .ci/run does)"
)


def _minimal_project_script():
    spec = importlib.util.spec_from_file_location("minimal_project", ROOT / "scripts" / "minimal_project.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _minimal_project_script()


def guide_text() -> str:
    """The guide's steps (its text up to the next heading), from the docs site when it has them, else the README."""
    for path in [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]:
        text = path.read_text()
        heading = next(
            (line for line in text.splitlines() if line.lstrip("#").strip() == HEADING.lstrip("#").strip()), None
        )
        if heading is not None:
            lines, fenced = [], False
            for line in text.split(heading + "\n", 1)[1].splitlines():
                fenced ^= line.startswith("```")
                if not fenced and line.startswith("#"):  # the next heading: the steps end there
                    break
                lines.append(line)
            return "\n".join(lines) + "\n"
    raise AssertionError(f"No guide headed {HEADING!r} in docs/ or README.md")


def guide_blocks() -> list[tuple[str, str]]:
    """The fenced code blocks of the guide, in order: (language, text)."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w+)\n(.*?)^```$", guide_text(), re.S | re.M)]


def test_the_guide_has_the_blocks_this_test_applies():
    kinds = [kind for kind, _text in guide_blocks()]
    assert kinds.count("sh") >= 2 and kinds.count("python") >= 2, kinds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(target), str(ROOT)],
        check=True,
    )
    for leftover in [ROOT / "build", *ROOT.glob("*.egg-info")]:  # setuptools builds in the source tree
        subprocess.run(["rm", "-rf", str(leftover)], check=True)
    [built] = target.glob("*.whl")
    return built


#: The warnings that fail the project's own processes: Django's deprecations (6.1's RemovedInDjango2028Warning
#: is a PendingDeprecationWarning) raised as errors, in checks, migrations and every request.
STRICT = "error::DeprecationWarning,error::PendingDeprecationWarning"


def _clean_env(venv: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV", "PYTHONWARNINGS"}
        and not key.startswith(("TWOFACTOR_", "EMAIL_", "DATABASE_", "SECRET_", "DEBUG"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


def _run_line(line: str, project: Path, venv: Path, python: str, wheel: Path, django: str, constraints: Path) -> None:
    if line.startswith("python3 -m venv"):
        line = line.replace("python3", python, 1)  # the Python of this line
    if f"install {PACKAGE}" in line:
        # The guide's package is this repository's wheel; Django is the line's, the rest the repository's pins.
        line = line.replace(PACKAGE, f"{wheel} {django} -c {constraints}")
    env = _clean_env(venv)
    if "manage.py" in line:
        env["PYTHONWARNINGS"] = STRICT
    result = subprocess.run(["bash", "-c", line], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"


def _apply(block: str, project: Path, django_line: str) -> None:
    header, _, body = block.partition("\n")
    match = re.match(r"# (\S+): (add at the end|the whole file)(?: \(Django (\d+\.\d+)\))?", header)
    assert match, f"A python block of the guide starts with '# FILE: add at the end' or ': the whole file': {header!r}"
    path, action, only_on = match.groups()
    if only_on and only_on != django_line:
        return
    target = project / path
    assert target.exists(), f"{path} does not exist after the guide's commands"
    if action == "the whole file":
        target.write_text(body)
    else:
        target.write_text(target.read_text() + "\n" + body)


def _build_project(tmp_path: Path, python: str, wheel: Path, django: str) -> tuple[Path, Path, list[str]]:
    """Apply the guide; return the project folder, its virtual environment and the commands left to the reader."""
    project = tmp_path / "project"
    project.mkdir()
    venv = project / ".venv"
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(v for k, v in SCRIPT.pins().items() if k != "django") + "\n")
    django_line = django.split("==")[1].rsplit(".", 1)[0]
    served = []
    for kind, text in guide_blocks():
        if kind == "sh":
            for command in text.strip().splitlines():
                for line in command.split(" && ") if command.startswith("python3 -m venv") else [command]:
                    if line.startswith((". ", "source ")):  # activation: every command here runs in the venv
                        continue
                    if "runserver" in line:
                        served.append(line)  # the test serves it itself, with deprecations as errors
                        continue
                    _run_line(line, project, venv, python, wheel, django, constraints)
        elif kind == "python":
            _apply(text, project, django_line)
    return project, venv, served


def _csrf(session: requests.Session) -> str:
    return session.cookies["csrftoken"]


@pytest.mark.parametrize("version", list(SCRIPT.LINES))
def test_the_guide_builds_a_project_that_signs_in_sets_up_and_reaches_the_admin(version, tmp_path, wheel):
    python = SCRIPT.interpreter(version)
    if python is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Python {version} not found (pyenv or PATH); CI needs it")
        pytest.skip(f"Python {version} not found (pyenv or PATH)")
    django = SCRIPT.LINES[version]
    project, venv, served = _build_project(tmp_path, python, wheel, django)
    assert served == ["python manage.py runserver"], served

    port = _free_port()
    log = (tmp_path / "runserver.log").open("w")
    server = subprocess.Popen(
        [str(venv / "bin" / "python"), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=project,
        env={**_clean_env(venv), "PYTHONWARNINGS": STRICT, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "runserver.log").read_text()
            try:
                requests.get(base + "/2fa/login/", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.3)
        http = requests.Session()

        # The admin sends a stranger to the app's own sign-in page.
        page = http.get(base + "/admin/", timeout=30)
        assert page.status_code == 200 and urlsplit(page.url).path == "/2fa/login/", page.url
        assert parse_qs(urlsplit(page.url).query)["next"] == ["/admin/"]
        assert 'name="password"' in page.text and "<title>" in page.text  # a whole page: the app's own frame

        # The password step; two-factor is required, so the set-up page comes next.
        signed_in = http.post(
            page.url,
            data={
                "csrfmiddlewaretoken": _csrf(http),
                "username": "admin",
                "password": ADMIN_PASSWORD,
                "next": "/admin/",
            },
            timeout=30,
        )
        assert signed_in.status_code == 200 and urlsplit(signed_in.url).path == "/2fa/setup/", signed_in.url

        # The authenticator app: the key from the page's otpauth link, named after TWOFACTOR_ISSUER.
        setup = http.get(base + "/2fa/setup/totp/?next=/admin/", timeout=30)
        assert setup.status_code == 200, setup.text[-2000:]
        uri = html.unescape(re.search(r'href="(otpauth://[^"]+)"', setup.text).group(1))
        authenticator = pyotp.parse_uri(uri)
        assert authenticator.issuer == "My site", uri
        confirmed = http.post(
            setup.url,
            data={
                "csrfmiddlewaretoken": _csrf(http),
                "code": authenticator.now(),
                "action": "confirm",
                "next": "/admin/",
            },
            timeout=30,
        )
        assert confirmed.status_code == 200, confirmed.text[-2000:]
        assert "backup" in confirmed.text.lower()  # the backup codes, shown once

        admin = http.get(base + "/admin/", timeout=30)
        assert admin.status_code == 200 and urlsplit(admin.url).path == "/admin/", admin.url
        assert "Site administration" in admin.text

        out = http.post(base + "/2fa/logout/", data={"csrfmiddlewaretoken": _csrf(http)}, timeout=30)
        assert urlsplit(out.url).path == "/2fa/login/"
        assert urlsplit(http.get(base + "/admin/", timeout=30).url).path == "/2fa/login/"
    finally:
        server.terminate()
        server.wait(20)
        log.close()
    output = (tmp_path / "runserver.log").read_text()
    assert "Traceback" not in output and "Warning" not in output, output[-4000:]
    assert "Subject:" in output  # the "method added" notice went through the mail backend the guide configured
