from django.urls import path

from twofactor.core.code_format import CodeFormat
from twofactor.core.method import Method
from twofactor.web import openapi

from . import views
from .forms import TokenSecretForm
from .models import DIGITS
from .setup import KEY, check_pending_token


class HardwareTokenMethod(Method):
    key = KEY
    label = "Hardware token"
    description = "a key-fob that shows a new code at each press"
    model = "hardware_token.HardwareTokenDevice"
    verify_template = "hardware_token/verify.html"
    admin_fields = ("counter",)
    #: Eight digits: the shared sign-in, re-authentication and confirm forms take them for this method only.
    code_format = CodeFormat(length=DIGITS)
    setup_view_names = ("setup_hotp",)
    api_setup_view_names = ("setup_hotp",)

    def urls(self):
        return [path("setup/hotp/", views.setup_page, name="setup_hotp")]

    def api_urls(self):
        return [path("2fa/setup/hotp", views.api_setup, name="setup_hotp")]

    def confirm_pending(self, request, record, code):
        return check_pending_token(request, record, code)

    def summary(self, device):
        return f"counter at {device.counter}"

    def openapi_schemas(self):
        return {"TokenPending": openapi.obj({"pending": {"type": "boolean"}}, ["pending"])}

    def openapi_paths(self):
        return {
            "/2fa/setup/hotp": {
                "post": openapi.operation(
                    "setupHotp",
                    "Start enrolling a hardware token from its secret; confirm with a code from it.",
                    "TokenPending",
                    [*openapi.BODY_ERRORS, 409],
                    form=TokenSecretForm,
                )
            }
        }
