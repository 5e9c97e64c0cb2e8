"""Mount with path("2fa/", include("twofactor.urls"))."""
from django.urls import path

from .views import challenge, manage, rescue, setup, signin

app_name = "twofactor"
urlpatterns = [
    path("", manage.overview, name="overview"),
    path("verify/", signin.verify, name="verify"),
    path("reauthenticate/", signin.reauthenticate, name="reauthenticate"),
    path("setup/", setup.choose, name="setup"),
    path("setup/totp/", setup.totp, name="setup_totp"),
    path("setup/email/", challenge.setup_email, name="setup_email"),
    path("setup/sms/", challenge.setup_sms, name="setup_sms"),
    path("backup-codes/", setup.backup_codes, name="backup_codes"),
    path("methods/<str:method>/remove/", manage.remove_method, name="remove_method"),
    path("turn-off/", manage.turn_off, name="turn_off"),
    path("sessions/<int:session_id>/end/", manage.end_session, name="end_session"),
    path("sessions/end-others/", manage.end_other_sessions, name="end_other_sessions"),
    path("rescue/", rescue.rescue, name="rescue"),
]
