"""A second project, unlike twofa_site: users sign in with an email address (no username, no `accounts` app) and
the app is mounted under /security/. `twofactor` comes from the built wheel; its lines are marked "twofactor".

Installed without extras it is a TOTP, email and backup-code site (TWOFACTOR_METHODS unset: the built-in methods
whose libraries are installed); with the wheel's [sms,passkeys] extras (MINIMAL_EXTRAS) it offers all five."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "minimal-project-tests-only-key-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "people",
]
INSTALLED_APPS += ["twofactor", "twofactor.apps.TwoFactorAdminConfig", "django_otp"]  # twofactor
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
MIDDLEWARE += ["twofactor.middleware.TwoFactorMiddleware"]  # twofactor
TWOFACTOR_SITE_URL = "http://localhost"  # twofactor
TWOFACTOR_SMS_BACKEND = "locmem"  # twofactor (read only when the SMS method is offered)
TWOFACTOR_WEBAUTHN_RP_ID, TWOFACTOR_WEBAUTHN_ORIGINS = "localhost", ["http://localhost"]  # twofactor (passkeys)
#: The extras the wheel was installed with, as scripts/minimal_project.py says ("" or "sms,passkeys").
MINIMAL_EXTRAS = os.environ.get("MINIMAL_EXTRAS", "")
ROOT_URLCONF = "minimal_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "minimal.sqlite3"}}
AUTH_USER_MODEL = "people.Person"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
