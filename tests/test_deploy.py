"""Heroku and Render out of the box: the files a deployer uses unchanged, and the build and release they run.

The build/release test copies the repository to a temporary folder and runs there what the platforms run:
the release command against a fresh database fails without collectstatic (instead of serving 500 "Missing
staticfiles manifest entry"), passes after it, and fails again if the manifest lacks a file.
"""

import base64
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import yaml

from tests.support.app_servers import free_port

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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_passkey_relying_party_defaults_to_the_render_host(built):
    # Moved from tests/test_settings.py: `check --deploy` now also wants the build's static files manifest.
    result = _run("python manage.py check --deploy --fail-level WARNING", built, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr and "twofactor.I001" in result.stderr


@pytest.mark.slow
def test_without_a_platform_host_the_release_demands_the_passkey_relying_party(built):
    result = _run(procfile()["release"], built, RENDER_EXTERNAL_HOSTNAME=None, ALLOWED_HOSTS="twofa.example.com")
    assert result.returncode != 0 and "twofactor.E020" in result.stderr


@pytest.mark.slow
def test_the_release_refuses_to_write_codes_to_the_log(built):
    # Mail to the console (or to files) with DEBUG off: an error that stops the release, not a warning.
    for email_url in ("consolemail://", f"filemail:///{built / 'mail'}"):
        result = _run(procfile()["release"], built, EMAIL_URL=email_url)
        assert result.returncode != 0 and "twofactor.E010" in result.stderr, result.stderr
        assert "password-reset links" in result.stderr
    # Text messages too, once a deployer turns SMS on with a backend that only writes them out.
    result = _run(procfile()["release"], built, SMS_BACKEND="console")
    assert result.returncode != 0 and "twofactor.E011" in result.stderr, result.stderr


@pytest.mark.slow
def test_the_release_prints_the_production_warnings(built):
    result = _run(procfile()["release"], built, TWOFACTOR_ENCRYPTION_KEYS="", WEB_CONCURRENCY="4")
    assert result.returncode == 0, result.stderr  # warnings do not stop a release
    for check in ("twofactor.W001", "twofa_site.W001"):
        assert check in result.stderr, (check, result.stderr)


# The first deploy of each platform, from its own file alone: app.json's and render.yaml's generated and default
# values, the add-ons' URLs, and only the values their forms ask the deployer for.

#: What a deployer types into the Heroku button's form and Render's Blueprint prompts.
DEPLOYER_ANSWERS = {
    "EMAIL_URL": "smtp+tls://codes:password@127.0.0.1:2525",
    "DEFAULT_FROM_EMAIL": "security@example.com",
}
HEROKU_DOMAIN = "twofa-site-1234567890ab.herokuapp.com"  # new apps' default domains carry a random suffix
RENDER_HOST = "twofa-site.onrender.com"
ADDON_REDIS = "redis://127.0.0.1:6379/15"  # the tests' Redis database (Heroku's is rediss://, Render's redis://)


def _first_deploy_env(checkout: Path, variables: dict) -> dict:
    """The machine's environment without anything a platform would not set, plus the platform's `variables`."""
    leaks = ("DATABASE_URL", "REDIS_URL", "TESTING", "DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS")
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in leaks
        and not key.startswith(("TWOFACTOR_", "RENDER", "HEROKU_", "EMAIL_", "SMS_", "TWILIO_", "DYNO"))
    }
    return {**inherited, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{inherited.get('PATH', '')}", **variables}


def heroku_button_values(checkout: Path) -> dict:
    """What the button sets: app.json's generated secrets and default values, the form's required answers, the
    add-ons' URLs, and the WEB_CONCURRENCY Heroku gives a basic dyno. No Dyno Metadata: no HEROKU_APP_* variable."""
    values = {}
    for name, spec in app_json()["env"].items():
        if spec.get("generator") == "secret":
            values[name] = secrets.token_hex(32)  # what Heroku's secret generator gives
        elif "value" in spec:
            values[name] = spec["value"]
        elif spec.get("required", True):
            values[name] = DEPLOYER_ANSWERS[name]
    return {
        **values,
        "DATABASE_URL": f"sqlite:///{checkout / 'heroku.sqlite3'}",  # heroku-postgresql
        "REDIS_URL": ADDON_REDIS,  # heroku-redis
        "WEB_CONCURRENCY": "2",
    }


def render_blueprint_values(checkout: Path) -> dict:
    """What the Blueprint sets: render.yaml's generated and literal values, the wired database and Key Value, the
    prompted values a deployer must give (the optional ones left empty), and Render's own variables."""
    services, _ = render_services()
    values = {}
    for variable in services["web"]["envVars"]:
        name = variable["key"]
        if variable.get("generateValue"):
            values[name] = base64.b64encode(secrets.token_bytes(32)).decode()  # Render: 256 bits, base64
        elif "value" in variable:
            values[name] = str(variable["value"])
        elif "fromDatabase" in variable:
            values[name] = f"sqlite:///{checkout / 'render.sqlite3'}"
        elif "fromService" in variable:
            values[name] = ADDON_REDIS
        elif name in DEPLOYER_ANSWERS:
            values[name] = DEPLOYER_ANSWERS[name]
    return {**values, "RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": RENDER_HOST}


def test_the_readme_and_the_deployment_page_link_to_both_deploys():
    for page in (ROOT / "README.md", ROOT / "docs" / "deployment.md"):
        text = page.read_text()
        assert "](https://www.heroku.com/deploy)" in text and "](https://render.com/deploy)" in text, page


def test_the_heroku_button_asks_only_for_mail():
    asked = {
        name for name, spec in app_json()["env"].items() if spec.get("required", True) and set(spec) == {"description"}
    }
    assert asked == set(DEPLOYER_ANSWERS)  # every other value is generated, has a default, or is optional


def _release(command: str, checkout: Path, variables: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=checkout,
        env=_first_deploy_env(checkout, variables),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _no_check_messages(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS:" not in output and "ERRORS:" not in output, output  # INFOS (twofactor.I001) are fine


@contextmanager
def _serving(command: str, checkout: Path, variables: dict):
    """The platform's web command on a free loopback port; yields its base URL."""
    port = free_port()
    log = (checkout / f"web-{port}.log").open("w")
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command.replace('0.0.0.0:$PORT', f'127.0.0.1:{port}')}"],
        cwd=checkout,
        env=_first_deploy_env(checkout, {**variables, "PORT": str(port)}),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (checkout / f"web-{port}.log").read_text()
            try:
                requests.get(url, timeout=5, allow_redirects=False)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(20)
        log.close()


def _as_the_router_sends(url: str, host: str, path: str, **kwargs) -> requests.Response:
    """A request as the platform's proxy forwards it: the browser's Host, TLS ended at the proxy."""
    headers = {
        "Host": host,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
        **kwargs.pop("headers", {}),
    }
    return requests.request(
        kwargs.pop("method", "GET"), url + path, headers=headers, timeout=30, allow_redirects=False, **kwargs
    )


def _passkey_relying_party(url: str, host: str) -> str:
    """The relying party the passkey sign-in offers a browser on `host` (cookies sent by hand: they are Secure)."""
    session = _as_the_router_sends(url, host, "/api/v1/session")
    token = session.cookies["csrftoken"]
    begin = _as_the_router_sends(
        url,
        host,
        "/api/v1/2fa/passkey/sign-in/begin",
        method="POST",
        json={},
        headers={"Cookie": f"csrftoken={token}", "X-CSRFToken": token, "Origin": f"https://{host}"},
    )
    assert begin.status_code == 200, begin.text
    return begin.json()["publicKey"]["rpId"]


@pytest.mark.slow
def test_the_heroku_button_first_release_passes_and_serves_sign_in_and_passkeys_on_the_app_domain(built):
    values = heroku_button_values(built)
    release = _release(procfile()["release"], built, {**values, "DYNO": "release.1"})
    _no_check_messages(release)
    _no_check_messages(
        _release("python manage.py check --deploy --fail-level WARNING", built, {**values, "DYNO": "run.1"})
    )

    with _serving(procfile()["web"], built, {**values, "DYNO": "web.1"}) as url:
        login = _as_the_router_sends(url, HEROKU_DOMAIN, "/accounts/login/")
        assert login.status_code == 200 and 'name="password"' in login.text
        assert _passkey_relying_party(url, HEROKU_DOMAIN) == HEROKU_DOMAIN
        # Host-header safety is kept: a host that is not the app's is refused, and another Heroku app is no
        # trusted origin for a form posted here.
        assert _as_the_router_sends(url, "evil.example", "/accounts/login/").status_code == 400
        token = login.cookies["csrftoken"]
        forged = _as_the_router_sends(
            url,
            HEROKU_DOMAIN,
            "/accounts/login/",
            method="POST",
            data={"csrfmiddlewaretoken": token, "username": "a", "password": "b"},
            headers={"Cookie": f"csrftoken={token}", "Origin": "https://another-app-0123456789ab.herokuapp.com"},
        )
        assert forged.status_code == 403


@pytest.mark.slow
def test_a_custom_domain_on_heroku_is_one_variable(built):
    values = {**heroku_button_values(built), "TWOFACTOR_SITE_URL": "https://www.example.com"}
    _no_check_messages(_release(procfile()["release"], built, {**values, "DYNO": "release.1"}))
    with _serving(procfile()["web"], built, {**values, "DYNO": "web.1"}) as url:
        assert _as_the_router_sends(url, "www.example.com", "/accounts/login/").status_code == 200
        # Passkeys belong to the custom domain, on whichever of the app's hosts they are made.
        assert _passkey_relying_party(url, HEROKU_DOMAIN) == "www.example.com"


@pytest.mark.slow
def test_the_render_blueprint_pre_deploy_passes_without_a_warning_and_serves_sign_in_on_the_render_host(built):
    values = render_blueprint_values(built)
    assert len(values["SECRET_KEY"]) == 44  # what Django's security.W009 would call too short
    services, _ = render_services()
    web = services["web"]
    _no_check_messages(_release(web["preDeployCommand"], built, values))
    check = _release("python manage.py check --deploy --fail-level WARNING", built, values)
    _no_check_messages(check)
    with _serving(web["startCommand"], built, values) as url:
        login = _as_the_router_sends(url, RENDER_HOST, web["healthCheckPath"])
        assert login.status_code == 200 and 'name="password"' in login.text
        assert _passkey_relying_party(url, RENDER_HOST) == RENDER_HOST
        assert _as_the_router_sends(url, "evil.example", "/accounts/login/").status_code == 400


@pytest.mark.slow
def test_the_render_cron_job_runs_the_sweeps_with_its_own_variables(built):
    # A cron job sees only its own envVars: no mail server, no Render host. The release checked the configuration.
    services, _ = render_services()
    web_values = render_blueprint_values(built)
    _no_check_messages(_release(services["web"]["preDeployCommand"], built, web_values))
    cron = next(service for service in render_services()[1]["services"] if service["type"] == "cron")
    values = {}
    for variable in cron["envVars"]:
        if "value" in variable:
            values[variable["key"]] = str(variable["value"])
        elif "fromDatabase" in variable:
            values[variable["key"]] = web_values["DATABASE_URL"]
        elif "fromService" in variable:
            values[variable["key"]] = web_values[variable["fromService"]["envVarKey"]]
    result = _release(cron["startCommand"], built, values)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_short_or_plain_secret_key_is_not_lengthened():
    from twofa_site.settings import _stretched

    render_key = base64.b64encode(secrets.token_bytes(32)).decode()
    assert len(_stretched(render_key)) == 128 and _stretched(render_key) == _stretched(render_key)
    for weak in ("short-key", "a" * 44, base64.b64encode(b"\0" * 32).decode(), "x" * 60):
        assert _stretched(weak) == weak
