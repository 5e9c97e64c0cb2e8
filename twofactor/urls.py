"""Mount with path("2fa/", include("twofactor.urls"))."""

from django.urls import path

from .core import registry
from .views import account, code_setup, manage, not_you, rescue, setup, signin, step_up, unlock

app_name = "twofactor"


def method_urls(method) -> list:
    """A method's own pages; one that sends codes also gets the shared set-up page (views/code_setup.py)."""
    shared = (
        [path(f"setup/{method.key}/", code_setup.setup_page, {"method": method.key}, name=f"setup_{method.key}")]
        if method.sends_code
        else []
    )
    return [*shared, *method.urls()]


urlpatterns = [
    path("", manage.overview, name="overview"),
    path("login/", account.SignInView.as_view(), name="login"),
    path("logout/", account.SignOutView.as_view(), name="logout"),
    path("verify/", signin.verify, name="verify"),
    path("not-you/<str:token>/", not_you.not_you, name="not_you"),
    path("reauthenticate/", signin.reauthenticate, name="reauthenticate"),
    path("confirm/", step_up.step_up, name="step_up"),
    path("setup/", setup.choose, name="setup"),
    path("methods/<str:method>/remove/", manage.remove_method, name="remove_method"),
    path("turn-off/", manage.turn_off, name="turn_off"),
    path("sessions/<int:session_id>/end/", manage.end_session, name="end_session"),
    path("sessions/end-others/", manage.end_other_sessions, name="end_other_sessions"),
    path("trusted-browsers/<int:browser_id>/revoke/", manage.revoke_trusted_browser, name="revoke_trusted_browser"),
    path("trusted-browsers/revoke-all/", manage.revoke_trusted_browsers, name="revoke_trusted_browsers"),
    path("rescue/", rescue.rescue, name="rescue"),
    path("unlock/<str:token>/", unlock.unlock, name="unlock"),
    # Each method's own pages (set-up steps), in the order of TWOFACTOR_METHODS.
    *[pattern for method in registry.methods() for pattern in method_urls(method)],
]
