"""Passkeys and security keys (WebAuthn): the phishing-resistant method. A user may hold several."""

from django.conf import settings
from django.core.checks import Error
from django.urls import path
from django.utils.translation import gettext_lazy as _

from ...app_settings import app_settings
from ...core.method import Method
from ...errors import TwoFactorError
from ...web import openapi
from . import api, ceremony, throttle, views
from .forms import BeginForm, CredentialForm, EnrolmentForm, SecondStepForm
from .models import KEY
from .settings import PasskeySettings, passkey_settings
from .signin import SECOND_STEP

USER_VERIFICATION = ("required", "preferred", "discouraged")
ATTESTATION = ("none", "indirect", "direct", "enterprise")


class PasskeyMethod(Method):
    key = KEY
    settings_class = PasskeySettings
    label = _("Passkey or security key")
    in_sentence = _("a passkey")
    title = _("Passkey")
    description = _("phishing-resistant: your device or key signs in with a fingerprint, face, PIN or a touch.")
    model = "twofactor.PasskeyDevice"
    verify_template = "twofactor/methods/passkey/verify.html"
    login_template = "twofactor/methods/passkey/sign_in.html"
    confirm_template = "twofactor/methods/passkey/confirm.html"
    typed_code = False
    rejection_reasons = {
        "sign_count_not_increasing": _(
            "A passkey was refused: its signature counter went backwards, so it may be a copy of your key"
        ),
        "replayed": _("A passkey answer that had already been used was sent again and refused"),
    }
    admin_fields = ("authenticator_model", "aaguid", "transports", "sign_count", "backed_up")
    setup_view_names = ("setup_passkey",)
    api_setup_view_names = ("setup_passkey_begin", "setup_passkey_complete")
    verify_view_names = ("verify_passkey",)
    api_verify_view_names = ("verify_passkey_begin", "verify_passkey_complete")

    def urls(self):
        return [
            path("setup/passkey/", views.setup_page, name="setup_passkey"),
            path("passkeys/<int:device_id>/rename/", views.rename_page, name="rename_passkey"),
            path("verify/passkey/", views.verify_page, name="verify_passkey"),
            path("passkey/sign-in/", views.sign_in_page, name="passkey_sign_in"),
        ]

    def api_urls(self):
        return [
            path("2fa/setup/passkey/begin", api.setup_begin, name="setup_passkey_begin"),
            path("2fa/setup/passkey/complete", api.setup_complete, name="setup_passkey_complete"),
            path("2fa/verify/passkey/begin", api.verify_begin, name="verify_passkey_begin"),
            path("2fa/verify/passkey/complete", api.verify_complete, name="verify_passkey_complete"),
            path("2fa/passkey/sign-in/begin", api.sign_in_begin, name="passkey_sign_in_begin"),
            path("2fa/passkey/sign-in/complete", api.sign_in_complete, name="passkey_sign_in_complete"),
        ]

    def offers_sign_in(self) -> bool:
        return passkey_settings.WEBAUTHN_PASSWORDLESS

    def device_for_code(self, devices, code):
        try:
            wanted = ceremony.credential_id(ceremony.parse_credential(code))
        except TwoFactorError:
            return devices[0] if devices else None  # the check refuses it, and counts the failure
        found = next((device for device in devices if bytes(device.credential_id) == wanted), None)
        if found is None:
            raise TwoFactorError(
                "invalid_code",
                _("That passkey is not registered to your account."),
                status=400,
                fields={"credential": "unknown"},
            )
        return found

    def bind_code(self, request, code):
        throttle.count_answer(request)  # per client address, never against the credential
        challenge = ceremony.take_challenge(request, SECOND_STEP)
        credential = ceremony.parse_credential(code)
        required = passkey_settings.WEBAUTHN_USER_VERIFICATION == "required"
        return ceremony.bind(request, credential, challenge, require_user_verification=required)

    def on_code_accepted(self, request, user, device):
        throttle.answer_accepted(request)

    def confirm_pending(self, request, record, code):
        from .setup import check_pending_passkey

        return check_pending_passkey(request, record, code)

    def pending_label(self, device):
        return device.kind_label

    def summary(self, device):
        return device.authenticator_model

    def details(self, device):
        return {"target": device.authenticator_model or None, "remaining_codes": None}

    def check(self):
        errors = []
        named = passkey_settings.WEBAUTHN_RP_ID and passkey_settings.WEBAUTHN_ORIGINS
        if not settings.DEBUG and not named and not app_settings.TRUST_HOST_HEADER:
            errors.append(
                Error(
                    "Passkeys need TWOFACTOR_WEBAUTHN_RP_ID and TWOFACTOR_WEBAUTHN_ORIGINS when DEBUG is off.",
                    hint="Set TWOFACTOR_WEBAUTHN_RP_ID to the site's domain (example.com) and TWOFACTOR_WEBAUTHN_ORIGINS "
                    "to its origins (https://example.com), or leave the passkey method out of TWOFACTOR_METHODS "
                    "(TWOFACTOR_TRUST_HOST_HEADER only behind a router that forwards this site's hosts alone).",
                    id="twofactor.E020",
                )
            )
        for origin in passkey_settings.WEBAUTHN_ORIGINS:
            if not origin.startswith(("https://", "http://localhost")):
                errors.append(
                    Error(
                        f"TWOFACTOR_WEBAUTHN_ORIGINS has {origin!r}, which browsers do not allow passkeys on.",
                        hint="Give https:// origins (http://localhost only for development).",
                        id="twofactor.E021",
                    )
                )
        if passkey_settings.WEBAUTHN_USER_VERIFICATION not in USER_VERIFICATION:
            errors.append(
                Error(
                    f"TWOFACTOR_WEBAUTHN_USER_VERIFICATION is {passkey_settings.WEBAUTHN_USER_VERIFICATION!r}.",
                    hint=f"Use one of {', '.join(USER_VERIFICATION)}.",
                    id="twofactor.E022",
                )
            )
        if passkey_settings.WEBAUTHN_ATTESTATION not in ATTESTATION:
            errors.append(
                Error(
                    f"TWOFACTOR_WEBAUTHN_ATTESTATION is {passkey_settings.WEBAUTHN_ATTESTATION!r}.",
                    hint=f"Use one of {', '.join(ATTESTATION)}.",
                    id="twofactor.E023",
                )
            )
        return errors

    # The API document

    def openapi_schemas(self):
        return {
            "PasskeyOptions": openapi.obj(
                {
                    "publicKey": {
                        "type": "object",
                        "additionalProperties": True,
                        "description": "PublicKeyCredentialCreationOptions or …RequestOptions as JSON (binary values "
                        "in base64url), for navigator.credentials.create() or .get().",
                    }
                },
                ["publicKey"],
            ),
        }

    def openapi_paths(self):
        credential = (
            "`credential` is the browser's PublicKeyCredential as JSON text (binary values in base64url, "
            "as PublicKeyCredential.toJSON() gives it)."
        )
        public = openapi.CSRF_ONLY_SECURITY  # no session needed, the CSRF token is
        return {
            "/2fa/setup/passkey/begin": {
                "post": openapi.operation(
                    "setupPasskeyBegin",
                    "Creation options for a new passkey (the challenge is good once, for "
                    "TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS).",
                    "PasskeyOptions",
                    openapi.BODY_ERRORS,
                    form=BeginForm,
                    body_required=False,
                )
            },
            "/2fa/setup/passkey/complete": {
                "post": openapi.operation(
                    "setupPasskeyComplete",
                    "Store the new passkey once its attestation checks out. " + credential,
                    "Confirmed",
                    [*openapi.BODY_ERRORS, 409],
                    form=EnrolmentForm,
                )
            },
            "/2fa/verify/passkey/begin": {
                "post": openapi.operation(
                    "verifyPasskeyBegin",
                    "Request options for the second step with one of the user's passkeys (429: the client "
                    "address began too many, TWOFACTOR_WEBAUTHN_BEGINS_PER_IP per 15 minutes).",
                    "PasskeyOptions",
                    [*openapi.BODY_ERRORS, 429],
                    form=BeginForm,
                    body_required=False,
                )
            },
            "/2fa/verify/passkey/complete": {
                "post": openapi.operation(
                    "verifyPasskeyComplete",
                    "Complete the pending sign-in with a passkey. " + credential,
                    "Session",
                    [*openapi.BODY_ERRORS, 409, 429],
                    form=SecondStepForm,
                )
            },
            "/2fa/passkey/sign-in/begin": {
                "post": openapi.operation(
                    "passkeySignInBegin",
                    "Request options for signing in with a passkey alone (404 when turned off). Nothing is "
                    "stored: the challenge is signed, good once, for TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS; 429 when "
                    "the client address began too many (TWOFACTOR_WEBAUTHN_BEGINS_PER_IP per 15 minutes).",
                    "PasskeyOptions",
                    [*openapi.BODY_ERRORS, 404, 429],
                    form=BeginForm,
                    body_required=False,
                    security=public,
                )
            },
            "/2fa/passkey/sign-in/complete": {
                "post": openapi.operation(
                    "passkeySignInComplete",
                    "Sign in with a passkey alone: a fully verified session; one 401 for any passkey that does "
                    "not (unknown, or a signature that does not verify). Every answer counts against the client "
                    "address (TWOFACTOR_WEBAUTHN_ASSERTIONS_PER_IP per 15 minutes, 429), never against the "
                    "credential; an accepted one is given back. " + credential,
                    "Session",
                    [*openapi.BODY_ERRORS, 404, 429],
                    form=CredentialForm,
                    security=public,
                )
            },
        }
