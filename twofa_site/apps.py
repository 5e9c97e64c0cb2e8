from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project itself as an app, so that its deployment checks are registered."""

    name = "twofa_site"
    label = "twofa_site"
    verbose_name = "twofa_site"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the checks
