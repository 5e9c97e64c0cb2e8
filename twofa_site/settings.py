"""Settings for twofa_site, read from environment variables (and an optional `.env` file).

Every variable, its meaning and its default is listed in docs/settings.md, "The demo site's environment variables".
"""

import base64
import binascii
import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from twofactor.app_settings import BUILTIN_METHODS

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _read(name: str, reader, **kwargs):
    """Read one variable; a malformed value stops start-up with a sentence naming it (docs/settings.md lists them)."""
    try:
        return reader(name, **kwargs)
    except Exception as error:  # django-environ raises many types for bad values
        if getattr(reader, "__name__", "") == "int":
            raise ImproperlyConfigured(f"{name} must be a whole number (got {env.str(name)!r}).") from None
        raise ImproperlyConfigured(f"{name} has an invalid value ({error}).") from None


DEBUG = _read("DEBUG", env.bool, default=False)


def _stretched(key: str) -> str:
    """Render's `generateValue` gives 256 random bits as 44 base64 characters, which Django's check security.W009
    (at least 50 characters) takes for a weak key: such a key is hashed into 128 hex characters holding the same
    256 bits. Any other key is used as given, so a short or plain one still gets W009."""
    if len(key) >= 50:
        return key
    try:
        raw = base64.b64decode(key.replace("-", "+").replace("_", "/") + "=" * (-len(key) % 4), validate=True)
    except (binascii.Error, ValueError):
        return key
    if len(raw) < 32 or len(set(raw)) < 16:  # not a random 256-bit value
        return key
    return hashlib.sha512(b"twofa_site.SECRET_KEY:" + raw).hexdigest()


SECRET_KEY = _stretched(env.str("SECRET_KEY", default=""))
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (set DEBUG=on for local development).")
    SECRET_KEY = "django-insecure-development-key-only-for-debug-mode"

# Set on every Heroku dyno (web, release, one-off).
HEROKU_DYNO = env.str("DYNO", default="")
# The site's canonical origin (https://www.example.com): links in mails, and a custom domain in one variable (its
# host joins ALLOWED_HOSTS and becomes the passkeys' relying party).
SITE_URL = env.str("TWOFACTOR_SITE_URL", default="").rstrip("/")
_site = urlsplit(SITE_URL)  # a value that is no origin is system check twofactor.E031
# The platform's own host: Render always names it; Heroku only with its Dyno Metadata feature.
PLATFORM_HOST = env.str("RENDER_EXTERNAL_HOSTNAME", default="") or env.str("HEROKU_APP_DEFAULT_DOMAIN_NAME", default="")

ALLOWED_HOSTS = _read("ALLOWED_HOSTS", env.list, default=["localhost", "127.0.0.1"])
ALLOWED_HOSTS += [host for host in (_site.hostname, PLATFORM_HOST) if host and host not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = [
    f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS if host not in ("*", "localhost", "127.0.0.1")
]
# Heroku's router forwards a request only to the app that owns the domain in its Host header, so on a dyno any
# *.herokuapp.com host that arrives is this app's own (its default domain carries a random suffix no file can
# know). The pattern is not a trusted CSRF origin: other apps live under it.
HEROKU_ROUTED_HOSTS = bool(HEROKU_DYNO) and not PLATFORM_HOST
if HEROKU_ROUTED_HOSTS:
    ALLOWED_HOSTS.append(".herokuapp.com")

INSTALLED_APPS = [
    "twofa_site.apps.SiteConfig",  # the project's own deployment checks
    "accounts",
    "twofactor",
    "twofactor.apps.TwoFactorAdminConfig",  # django.contrib.admin, behind two-factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "phonenumber_field",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the language chosen in the footer, else the browser's
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "twofactor.middleware.TwoFactorMiddleware",  # after messages: it tells an expired sign-in why
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "twofa_site.middleware.TimezoneMiddleware",
    "twofa_site.middleware.ErrorPageMiddleware",  # 405 and bare 429 answers get the site's page
]
# A failed CSRF check gets the site's page (templates/403_csrf.html), not Django's bare one.
CSRF_FAILURE_VIEW = "twofa_site.middleware.csrf_failure"

ROOT_URLCONF = "twofa_site.urls"
WSGI_APPLICATION = "twofa_site.wsgi.application"

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
            ],
        },
    },
]

# Databases: SQLite by default (immediate transactions and WAL, so concurrent writers wait
# instead of failing), PostgreSQL through psycopg 3 with persistent, health-checked connections.
_database_url = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if _database_url.partition("://")[0] not in ("sqlite", "postgres", "postgresql", "pgsql"):
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:/// or postgres:// (got {_database_url.partition(':')[0] + ':'!r})."
    )
DATABASES = {"default": _read("DATABASE_URL", env.db_url, default=_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file (not shared memory) so that tests with real threads see one database; one per test process.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"twofa-test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _read("CONN_MAX_AGE", env.int, default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Database sessions whose key rotation (every sign-in step) renames the row in one statement.
SESSION_ENGINE = "twofa_site.sessions"

REDIS_URL = env.str("REDIS_URL", default="")
# Web processes per server (gunicorn reads the same variable; Heroku sets it by dyno size).
WEB_CONCURRENCY = _read("WEB_CONCURRENCY", env.int, default=1)
if REDIS_URL:
    # Short timeouts: a Redis that is down costs a request one second, then the database counts instead.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    if HEROKU_DYNO and REDIS_URL.startswith("rediss://"):
        # Heroku Redis serves TLS with a self-signed certificate inside Heroku's network (Heroku's advice).
        CACHES["default"]["OPTIONS"]["ssl_cert_reqs"] = None
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
# Argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1) first; Django's PBKDF2 after it, so older hashes still
# verify and are rehashed with Argon2id at their owner's next sign-in (Django's must_update).
PASSWORD_HASHERS = [
    "accounts.hashers.OWASPArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_ARGON2_MEMORY_KIB = _read("PASSWORD_ARGON2_MEMORY_KIB", env.int, default=19 * 1024)
PASSWORD_ARGON2_TIME_COST = _read("PASSWORD_ARGON2_TIME_COST", env.int, default=2)
PASSWORD_ARGON2_PARALLELISM = _read("PASSWORD_ARGON2_PARALLELISM", env.int, default=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password-reset mails per hour, per address asked for and per client address (the same answer page either way).
PASSWORD_RESET_MAILS_PER_ADDRESS_HOUR = _read("PASSWORD_RESET_MAILS_PER_ADDRESS_HOUR", env.int, default=3)
PASSWORD_RESET_MAILS_PER_IP_HOUR = _read("PASSWORD_RESET_MAILS_PER_IP_HOUR", env.int, default=10)
# Sign-ups per hour per client address: submissions (the form tells taken names apart), and accounts made.
SIGNUP_ATTEMPTS_PER_IP_HOUR = _read("SIGNUP_ATTEMPTS_PER_IP_HOUR", env.int, default=20)
SIGNUP_ACCOUNTS_PER_IP_HOUR = _read("SIGNUP_ACCOUNTS_PER_IP_HOUR", env.int, default=5)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Email: console by default, so codes show in the terminal of `run`.
vars().update(_read("EMAIL_URL", env.email_url, default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Administrators", address) for address in env.list("ADMINS", default=[])]

LANGUAGE_CODE = "en"
# Every page, mail and text message is translated into these (catalogs in each app's locale/ and in locale/).
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365  # the switcher's choice outlives the browser session
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env.bool("TESTING", default=False)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Production hardening whenever DEBUG is off; Heroku and Render terminate TLS at their proxy.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _read("SECURE_SSL_REDIRECT", env.bool, default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _read("SECURE_HSTS_SECONDS", env.int, default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _read("SECURE_HSTS_PRELOAD", env.bool, default=True)

# Two-factor (every TWOFACTOR_* setting and its default: twofactor/app_settings.py).
TWOFACTOR_REQUIRED = env.str("TWOFACTOR_REQUIRED", default="all")
TWOFACTOR_REQUIRED_GROUPS = env.list("TWOFACTOR_REQUIRED_GROUPS", default=[])
TWOFACTOR_GRACE_DAYS = _read("TWOFACTOR_GRACE_DAYS", env.int, default=0)
TWOFACTOR_STAFF_GRACE_DAYS = _read("TWOFACTOR_STAFF_GRACE_DAYS", env.int, default=None)
TWOFACTOR_REMINDER_DAYS = _read("TWOFACTOR_REMINDER_DAYS", env.list, cast=int, default=[7, 3, 1])
TWOFACTOR_ENCRYPTION_KEYS = env.list("TWOFACTOR_ENCRYPTION_KEYS", default=[])
TWOFACTOR_REMEMBER_DAYS = _read("TWOFACTOR_REMEMBER_DAYS", env.int, default=30)
TWOFACTOR_RESCUE_EMAIL = env.list("TWOFACTOR_RESCUE_EMAIL", default=[])
# Where users report a security problem (an address or an https:// page), shown on /2fa/ when set.
TWOFACTOR_SECURITY_CONTACT = env.str("TWOFACTOR_SECURITY_CONTACT", default="")
TWOFACTOR_RESCUE_BY_EMAIL = _read("TWOFACTOR_RESCUE_BY_EMAIL", env.bool, default=True)
TWOFACTOR_ISSUER = env.str("TWOFACTOR_ISSUER", default="twofa_site")
# The footer's time-zone page stays reachable during the second step, like its language switcher.
TWOFACTOR_ALLOWED_PATHS = ["/accounts/time-zone/"]
TWOFACTOR_BASE_TEMPLATE = "base.html"  # the site's frame (templates/base.html) around the app's pages
# Passkeys: the relying party is the site's own host: TWOFACTOR_SITE_URL's, else the platform's; on Heroku without
# Dyno Metadata, the request's (its router sends this app only its own hosts, see HEROKU_ROUTED_HOSTS).
_RP_HOST = _site.hostname or PLATFORM_HOST
TWOFACTOR_WEBAUTHN_RP_ID = env.str("TWOFACTOR_WEBAUTHN_RP_ID", default=_RP_HOST or "")
TWOFACTOR_WEBAUTHN_ORIGINS = env.list(
    "TWOFACTOR_WEBAUTHN_ORIGINS",
    default=[SITE_URL] if _site.hostname else [f"https://{_RP_HOST}"] if _RP_HOST else [],
)
# The origin of every link in a mail (never the request's Host): TWOFACTOR_SITE_URL, else Render's and Heroku's own
# URL; on Heroku without Dyno Metadata, the request's own host on https (see HEROKU_ROUTED_HOSTS).
TWOFACTOR_SITE_URL = (
    SITE_URL or env.str("RENDER_EXTERNAL_URL", default="") or (f"https://{PLATFORM_HOST}" if PLATFORM_HOST else "")
)
TWOFACTOR_TRUST_HOST_HEADER = HEROKU_ROUTED_HOSTS
TWOFACTOR_WEBAUTHN_USER_VERIFICATION = env.str("TWOFACTOR_WEBAUTHN_USER_VERIFICATION", default="preferred")
TWOFACTOR_WEBAUTHN_ATTESTATION = env.str("TWOFACTOR_WEBAUTHN_ATTESTATION", default="none")
TWOFACTOR_WEBAUTHN_PASSWORDLESS = _read("TWOFACTOR_WEBAUTHN_PASSWORDLESS", env.bool, default=True)
TWOFACTOR_EVENT_RETENTION_DAYS = _read("TWOFACTOR_EVENT_RETENTION_DAYS", env.int, default=365)
# Text messages: the console backend in development. With DEBUG off and no SMS_BACKEND, the SMS method is not
# offered, so no code is ever written to the log (a console or file backend in production is twofactor.E011).
SMS_BACKEND = env.str("SMS_BACKEND", default="")
TWOFACTOR_SMS_BACKEND = SMS_BACKEND or "console"
if not SMS_BACKEND and not DEBUG:
    TWOFACTOR_METHODS = [path for path in BUILTIN_METHODS if not path.startswith("twofactor.methods.sms.")]
TWOFACTOR_SMS_FILE_PATH = env.str("SMS_FILE_PATH", default="")
TWOFACTOR_TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWOFACTOR_TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWOFACTOR_TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWOFACTOR_TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWOFACTOR_RATE_LIMIT_STORE = env.str("TWOFACTOR_RATE_LIMIT_STORE", default="cache" if REDIS_URL else "database")
# Proxy hops (a number) or proxy addresses whose X-Forwarded-For entries are trusted; Heroku and Render: 1.
TWOFACTOR_TRUSTED_PROXIES = env.str("TWOFACTOR_TRUSTED_PROXIES", default="0")
TWOFACTOR_SMS_ALLOWED_REGIONS = env.list("TWOFACTOR_SMS_ALLOWED_REGIONS", default=[])
PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", default="US")

DJANGO_LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO").upper()
if DJANGO_LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured("DJANGO_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One-use tokens in paths (reset, unlock and "Not you?" links) are written as "[token]".
    "filters": {"tokens": {"()": "twofa_site.redaction.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["tokens"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["console"], "level": DJANGO_LOG_LEVEL, "propagate": False},
        "twofactor": {"level": "INFO"},  # propagates to the root handler
    },
}
