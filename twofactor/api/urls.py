"""The JSON API, mounted by the project with path("api/v1/", include("twofactor.api.urls"))."""
from django.urls import path, re_path

from .views import document, methods, session, signin

app_name = "api"
urlpatterns = [
    path("session", session.session, name="session"),
    path("login", session.login, name="login"),
    path("logout", session.logout, name="logout"),
    path("reauthenticate", signin.reauthenticate, name="reauthenticate"),
    path("2fa/challenge", signin.challenge, name="challenge"),
    path("2fa/verify", signin.verify, name="verify"),
    path("2fa/rescue", signin.rescue, name="rescue"),
    path("2fa/devices", methods.devices, name="devices"),
    path("2fa/devices/<str:device_id>", methods.device, name="device"),
    path("2fa/setup/totp", methods.setup_totp, name="setup_totp"),
    path("2fa/setup/email", methods.setup_email, name="setup_email"),
    path("2fa/setup/sms", methods.setup_sms, name="setup_sms"),
    path("2fa/setup/confirm", methods.setup_confirm, name="setup_confirm"),
    path("2fa/backup-codes", methods.backup_codes, name="backup_codes"),
    path("openapi.json", document.openapi, name="openapi"),
    re_path(r"^.*$", document.not_found, name="not_found"),
]
