"""The JSON API, mounted by the project with path("api/v1/", include("twofactor.api.urls"))."""

from django.urls import path, re_path

from ..core import registry
from .views import document, methods, session, signin, trust

app_name = "twofactor_api"


def method_urls(method) -> list:
    """A method's own endpoints; one that sends codes also gets the shared set-up step (views.methods.setup_sent_code)."""
    shared = (
        [path(f"2fa/setup/{method.key}", methods.setup_sent_code, {"method": method.key}, name=f"setup_{method.key}")]
        if method.sends_code
        else []
    )
    return [*shared, *method.api_urls()]


urlpatterns = [
    path("session", session.session, name="session"),
    path("login", session.login, name="login"),
    path("logout", session.logout, name="logout"),
    path("reauthenticate", signin.reauthenticate, name="reauthenticate"),
    path("2fa/challenge", signin.send_code, name="send_code"),
    path("2fa/verify", signin.verify, name="verify"),
    path("2fa/rescue", signin.rescue, name="rescue"),
    path("2fa/step-up", signin.step_up, name="step_up"),
    path("2fa/devices", methods.devices, name="devices"),
    path("2fa/devices/<str:device_id>", methods.device, name="device"),
    path("2fa/setup/confirm", methods.setup_confirm, name="setup_confirm"),
    path("2fa/trusted-browsers", trust.trusted_browsers, name="trusted_browsers"),
    path("2fa/trusted-browsers/<int:browser_id>", trust.trusted_browser, name="trusted_browser"),
    # Each method's own endpoints (set-up steps), in the order of TWOFACTOR_METHODS.
    *[pattern for method in registry.methods() for pattern in method_urls(method)],
    path("openapi.json", document.openapi, name="openapi"),
    re_path(r"^.*$", document.not_found, name="not_found"),
]
