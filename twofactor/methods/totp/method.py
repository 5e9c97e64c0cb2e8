"""The authenticator-app method (TOTP, RFC 6238)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from ...core.method import Method
from ...web import openapi
from . import api, views
from .forms import TOTPSetupForm
from .setup import KEY, check_pending_totp


class TOTPMethod(Method):
    key = KEY
    label = _("Authenticator app")
    in_sentence = _("an authenticator app")
    description = _("recommended; works offline.")
    model = "twofactor.TOTPDevice"
    verify_template = "twofactor/methods/totp/verify.html"
    setup_view_names = ("setup_totp",)
    api_setup_view_names = ("setup_totp",)

    def urls(self):
        return [path("setup/totp/", views.setup_page, name="setup_totp")]

    def api_urls(self):
        return [path("2fa/setup/totp", api.setup, name="setup_totp")]

    def confirm_pending(self, request, record, code):
        return check_pending_totp(request, record, code)

    def openapi_schemas(self):
        return {
            "TOTPEnrolment": openapi.obj(
                {
                    "secret": {
                        "type": "string",
                        "description": "The base32 key, for typing into an authenticator app.",
                    },
                    "otpauth_uri": {"type": "string", "description": "otpauth://totp/… (Key Uri Format)."},
                    "qr_svg": {"type": "string", "description": "The URI as a QR code, an <svg> element."},
                },
                ["secret", "otpauth_uri", "qr_svg"],
            ),
        }

    def openapi_paths(self):
        return {
            "/2fa/setup/totp": {
                "post": openapi.operation(
                    "setupTotp",
                    "A pending authenticator key, kept until confirmed (a repeated call answers the same "
                    "key unless `restart`).",
                    "TOTPEnrolment",
                    [*openapi.BODY_ERRORS, 409],
                    form=TOTPSetupForm,
                    body_required=False,
                )
            }
        }
