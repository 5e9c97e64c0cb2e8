"""Heroku and Render out of the box: the files a deployer uses unchanged, and the build and release they run.

The build/release test copies the repository to a temporary folder and runs there what the platforms run:
the release command against a fresh database fails without collectstatic (instead of serving 500 "Missing
staticfiles manifest entry"), passes after it, and fails again if the manifest lacks a file.
"""

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def render_services() -> dict[str, dict]:
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    return {service["type"]: service for service in blueprint["services"]}, blueprint


def render_env(service: dict) -> dict[str, dict]:
    return {variable["key"]: variable for variable in service["envVars"]}


def app_json() -> dict:
    return json.loads((ROOT / "app.json").read_text())


# The files


def test_both_platforms_release_and_serve_with_the_same_commands():
    services, _ = render_services()
    web = services["web"]
    assert web["startCommand"] == procfile()["web"]
    assert web["preDeployCommand"] == procfile()["release"]
    assert procfile()["release"] == "python manage.py check --deploy && python manage.py migrate --noinput"
    assert "--workers" not in procfile()["web"]  # gunicorn reads WEB_CONCURRENCY, set by Heroku and render.yaml
    assert "$PORT" in procfile()["web"]


def test_render_builds_static_files_and_wires_postgresql_and_key_value():
    services, blueprint = render_services()
    web, cache = services["web"], services["keyvalue"]
    assert web["buildCommand"].endswith("python manage.py collectstatic --noinput")
    env = render_env(web)
    assert env["SECRET_KEY"]["generateValue"] and env["TWOFACTOR_ENCRYPTION_KEYS"]["generateValue"]
    assert env["DATABASE_URL"]["fromDatabase"] == {
        "name": blueprint["databases"][0]["name"],
        "property": "connectionString",
    }
    assert env["REDIS_URL"]["fromService"] == {
        "type": "keyvalue",
        "name": cache["name"],
        "property": "connectionString",
    }
    assert cache["ipAllowList"] == []
    assert int(env["WEB_CONCURRENCY"]["value"]) > 1
    python = (ROOT / ".python-version").read_text().strip()
    assert str(env["PYTHON_VERSION"]["value"]).startswith(python + ".")


def test_the_heroku_button_adds_postgresql_and_redis_and_generates_the_keys():
    app = app_json()
    assert set(app["addons"]) == {"heroku-postgresql", "heroku-redis", "scheduler"}
    assert app["buildpacks"] == [{"url": "heroku/python"}]
    assert app["env"]["SECRET_KEY"]["generator"] == "secret"
    assert app["env"]["TWOFACTOR_ENCRYPTION_KEYS"]["generator"] == "secret"
    assert "DISABLE_COLLECTSTATIC" not in app["env"]  # the buildpack's collectstatic runs


def test_every_variable_the_deploy_files_set_is_one_the_settings_read():
    settings_source = (ROOT / "twofa_site" / "settings.py").read_text()
    services, _ = render_services()
    names = set(render_env(services["web"])) | set(app_json()["env"])
    assert all(f'"{name}"' in settings_source for name in names - {"PYTHON_VERSION", "WEB_CONCURRENCY"}), names
    assert '"WEB_CONCURRENCY"' in settings_source


# Build and release, as the platforms run them


def _copy_of_the_repository(tmp_path_factory) -> Path:
    """The committed files (what a platform builds from), without .venv, databases or static files."""
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    target = tmp_path_factory.mktemp("checkout")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture
def checkout(tmp_path_factory) -> Path:
    return _copy_of_the_repository(tmp_path_factory)


def _build_command() -> str:
    services, _ = render_services()
    return services["web"]["buildCommand"].split(" && ", 1)[1]  # the part after installing the requirements


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy after the build step (collectstatic), shared by the tests that only release."""
    target = _copy_of_the_repository(tmp_path_factory)
    result = _run(_build_command(), target)
    assert result.returncode == 0, result.stderr
    return target


def _platform_env(checkout: Path, **extra) -> dict:
    """What a platform's build and release see (Render's by default); a variable given as None is left out."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "TESTING", "DEBUG", "DJANGO_SETTINGS_MODULE")
    }
    platform = {
        **env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # `python` is this venv's
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TWOFACTOR_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{checkout / 'fresh.sqlite3'}",
        "EMAIL_URL": "smtp://127.0.0.1:2525",
        "SMS_BACKEND": "locmem",
        # Render always sets it: a host for ALLOWED_HOSTS and the passkeys' relying party.
        "RENDER_EXTERNAL_HOSTNAME": "twofa.onrender.com",
        **extra,
    }
    return {key: value for key, value in platform.items() if value is not None}


def _run(command: str, checkout: Path, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=checkout,
        env=_platform_env(checkout, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_the_release_fails_without_collected_static_files_and_passes_after_the_build(checkout):
    release = procfile()["release"]
    failed = _run(release, checkout)
    assert failed.returncode != 0
    assert "twofa_site.E001" in failed.stderr and "collectstatic" in failed.stderr
    assert not (checkout / "fresh.sqlite3").exists() or "django_migrations" not in _tables(checkout / "fresh.sqlite3")

    build = _run(_build_command(), checkout)
    assert build.returncode == 0, build.stderr
    assert _run(release, checkout).returncode == 0
    assert {"accounts_user", "twofactor_totpdevice", "django_session"} <= _tables(checkout / "fresh.sqlite3")

    manifest_path = checkout / "staticfiles" / "staticfiles.json"
    manifest = json.loads(manifest_path.read_text())
    assert "admin/css/base.css" in manifest["paths"] and "css/site.css" in manifest["paths"]
    del manifest["paths"]["css/site.css"]  # a stale build: the site's stylesheet came later
    manifest_path.write_text(json.dumps(manifest))
    stale = _run(release, checkout)
    assert stale.returncode != 0 and "css/site.css" in stale.stderr
    manifest_path.write_text("not json")
    assert _run(release, checkout).returncode != 0


PRODUCTION = {
    "SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM_NUMBER": "+14155550100",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "WEB_CONCURRENCY": "4",
}


def test_check_deploy_reports_no_issues_after_the_build_with_production_variables(built):
    # A custom domain, anywhere: the host and the passkeys' relying party are given explicitly.
    result = _run(
        "python manage.py check --deploy --fail-level WARNING",
        built,
        RENDER_EXTERNAL_HOSTNAME=None,
        ALLOWED_HOSTS="twofa.example.com",
        TWOFACTOR_SITE_URL="https://twofa.example.com",
        TWOFACTOR_WEBAUTHN_RP_ID="twofa.example.com",
        TWOFACTOR_WEBAUTHN_ORIGINS="https://twofa.example.com",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Nothing but the note on where rate limits are counted (Redis, the database while it is down).
    assert "WARNINGS" not in result.stderr and "(twofactor.I001) Rate limits are counted in the default cache" in (
        result.stderr
    )


def test_passkey_relying_party_defaults_to_the_render_host(built):
    # Moved from tests/test_settings.py: `check --deploy` now also wants the build's static files manifest.
    result = _run("python manage.py check --deploy --fail-level WARNING", built, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr and "twofactor.I001" in result.stderr


def test_without_a_platform_host_the_release_demands_the_passkey_relying_party(built):
    result = _run(procfile()["release"], built, RENDER_EXTERNAL_HOSTNAME=None, ALLOWED_HOSTS="twofa.example.com")
    assert result.returncode != 0 and "twofactor.E020" in result.stderr


def test_on_heroku_the_release_fails_until_dyno_metadata_names_the_host(built):
    release = procfile()["release"]
    without = _run(release, built, DYNO="release.1", RENDER_EXTERNAL_HOSTNAME=None)
    assert without.returncode != 0 and "twofa_site.E002" in without.stderr and "runtime-dyno-metadata" in without.stderr
    named = _run(
        release,
        built,
        DYNO="release.1",
        RENDER_EXTERNAL_HOSTNAME=None,
        HEROKU_APP_DEFAULT_DOMAIN_NAME="twofa-1234.herokuapp.com",
    )  # also the passkeys' relying party
    assert named.returncode == 0, named.stderr


def test_the_release_prints_the_production_warnings(built):
    result = _run(
        procfile()["release"],
        built,
        EMAIL_URL="consolemail://",
        SMS_BACKEND="console",
        TWOFACTOR_ENCRYPTION_KEYS="",
        WEB_CONCURRENCY="4",
    )
    assert result.returncode == 0, result.stderr  # warnings do not stop a release
    for check in ("twofactor.W001", "twofactor.W002", "twofactor.W003", "twofa_site.W001"):
        assert check in result.stderr, (check, result.stderr)
