from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TwoFactorConfig(AppConfig):
    default = True
    name = "twofactor"
    verbose_name = "Two-factor authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (checks registers the system checks)

        receivers.connect()


class TwoFactorAdminConfig(admin_apps.AdminConfig):
    default = False
    """`django.contrib.admin` whose default site lets in only verified staff sessions.

    Use it in INSTALLED_APPS in place of "django.contrib.admin".
    """

    default_site = "twofactor.admin_site.TwoFactorAdminSite"
