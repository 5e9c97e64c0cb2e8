"""Settings come from the environment; bad configuration stops start-up with one sentence."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "SECRET_KEY": "x" * 30 + "-a-long-random-production-key-9f8e7d6c5b4a",
    "DEBUG": "off",
    "ALLOWED_HOSTS": "twofa.example.com",
    "DATABASE_URL": "sqlite:////tmp/twofa-check-deploy.sqlite3",
    "TWOFACTOR_WEBAUTHN_RP_ID": "twofa.example.com",
    "TWOFACTOR_WEBAUTHN_ORIGINS": "https://twofa.example.com",
}


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    """Run manage.py in a clean environment (no inherited Django variables, no .env)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "TESTING", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# `check --deploy` with production variables after the build, and the passkeys' relying party taken from
# Render's host: tests/test_deploy.py (the check now wants the build's static files manifest).


def test_check_demands_the_passkey_relying_party_when_debug_is_off():
    without = {key: value for key, value in PRODUCTION.items() if not key.startswith("TWOFACTOR_WEBAUTHN")}
    result = manage("check", "--deploy", **without)
    assert result.returncode != 0
    assert "twofactor.E020" in result.stderr and "TWOFACTOR_WEBAUTHN_RP_ID" in result.stderr


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DEBUG": "off"}, "SECRET_KEY"),
        ({**PRODUCTION, "DATABASE_URL": "nonsense://"}, "DATABASE_URL"),
        ({**PRODUCTION, "EMAIL_URL": "pigeon://coop"}, "EMAIL_URL"),
        ({**PRODUCTION, "TWOFACTOR_REMEMBER_DAYS": "a month"}, "TWOFACTOR_REMEMBER_DAYS"),
    ],
)
def test_bad_configuration_stops_start_up_with_one_sentence_naming_the_variable(variables, named):
    result = manage("check", **variables)
    assert result.returncode != 0
    message = result.stderr.strip()
    assert named in message
    assert "Traceback" not in message
    assert len(message.splitlines()) == 1


def test_unknown_two_factor_policy_is_a_system_check_error():
    result = manage("check", **PRODUCTION, TWOFACTOR_REQUIRED="sometimes")
    assert result.returncode != 0
    assert "twofactor.E001" in result.stderr and "TWOFACTOR_REQUIRED" in result.stderr


def test_production_settings_harden_cookies_and_transport():
    script = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0,"
        " s.SECURE_PROXY_SSL_HEADER, s.STORAGES['staticfiles']['BACKEND'].startswith('whitenoise'))"
    )
    result = manage("shell", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "True True True True ('HTTP_X_FORWARDED_PROTO', 'https') True"


@pytest.mark.django_db
def test_sqlite_default_uses_immediate_transactions_and_wal():
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("this run uses PostgreSQL")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_uses_persistent_health_checked_connections():
    from django.conf import settings
    from django.db import connection

    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert connection.Database.__name__ == "psycopg"


def test_gunicorn_stops_on_bad_configuration_instead_of_rebooting_workers():
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "TESTING"}}
    env.update(PRODUCTION, DATABASE_URL="nonsense://")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "twofa_site.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    sentences = [line for line in result.stderr.splitlines() if line.startswith("Configuration error:")]
    assert len(sentences) == 1 and "DATABASE_URL" in sentences[0]
    assert "Traceback" not in result.stderr
