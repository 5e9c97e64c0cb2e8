"""Django settings for building the docs: a project that installs `twofactor` and keeps every app default, so the
generated pages show what any project gets (all built-in methods, Django's cookie and header names)."""

SECRET_KEY = "documentation-build-only"  # never serves a request
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "twofactor.apps.TwoFactorAdminConfig",
    "twofactor",
    "django_otp",
    "phonenumber_field",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
