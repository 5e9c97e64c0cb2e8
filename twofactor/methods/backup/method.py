"""Backup codes: single-use recovery codes, made with the first method and shown once."""

from django.core.checks import Error
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...codes import looks_like_backup_code
from ...core.method import Method
from ...signals import Kind, emit
from ...web import openapi
from . import api, views
from .codes import replace_backup_codes
from .forms import BACKUP_CODE_FORMAT, BackupCodeForm
from .models import with_unused_counts
from .settings import BackupSettings, backup_settings


def few_left_notice(remaining: int) -> str:
    """The notice of a set running out, with the link to make a new one (safe HTML)."""
    sentence = ngettext(
        "Only %(count)d unused backup code is left: make a new set before you run out.",
        "Only %(count)d unused backup codes are left: make a new set before you run out.",
        remaining,
    ) % {"count": remaining}
    return format_html(
        '{} <a href="{}">{}</a>', sentence, reverse("twofactor:backup_codes"), _("Make new backup codes")
    )


class BackupCodesMethod(Method):
    key = "backup"
    settings_class = BackupSettings
    label = _("Backup code")
    in_sentence = _("a backup code")
    title = _("Backup codes")
    model = "twofactor.BackupCodeDevice"
    recovery = True
    verify_template = "twofactor/methods/backup/verify.html"
    overview_template = "twofactor/methods/backup/overview.html"
    rescue_template = "twofactor/methods/backup/rescue.html"
    admin_fields = ("remaining",)
    setup_view_names = ("backup_codes",)
    code_format = BACKUP_CODE_FORMAT

    def urls(self):
        return [path("backup-codes/", views.backup_codes, name="backup_codes")]

    def api_urls(self):
        return [path("2fa/backup-codes", api.backup_codes, name="backup_codes")]

    def details(self, device):
        return {"target": None, "remaining_codes": device.remaining}

    def summary(self, device):
        return ngettext("%(count)d unused", "%(count)d unused", device.remaining) % {"count": device.remaining}

    def admin_queryset(self, queryset):
        return with_unused_counts(queryset)

    def recognizes(self, code):
        return looks_like_backup_code(code)

    def on_code_accepted(self, request, user, device):
        remaining = device.remaining
        if remaining == backup_settings.BACKUP_CODES_LOW:
            # The count just dropped to the threshold: this mail (once per drop) also says a code was used.
            emit(Kind.BACKUP_CODES_LOW, user=user, request=request, remaining=remaining)
        emit(Kind.BACKUP_CODE_USED, user=user, request=request, remaining=remaining)

    def sign_in_notices(self, request, user):
        device = with_unused_counts(self.devices(user)).first()
        if device is None or not device.few_left:
            return []
        return [few_left_notice(device.remaining)]

    def check(self):
        low, count = backup_settings.BACKUP_CODES_LOW, backup_settings.BACKUP_CODE_COUNT
        if 0 <= low < count:
            return []
        return [
            Error(
                f"TWOFACTOR_BACKUP_CODES_LOW is {low}, with sets of {count} codes (TWOFACTOR_BACKUP_CODE_COUNT).",
                hint="Give the unused codes at or below which the owner is warned, from 0 to one less than a set "
                "(2 by default).",
                id="twofactor.E062",
            )
        ]

    def usable(self, device):
        return device.remaining > 0

    def rescue_form_class(self):
        return BackupCodeForm

    def provision(self, user):
        return replace_backup_codes(user)

    def openapi_schemas(self):
        return {
            "BackupCodes": openapi.obj(
                {"backup_codes": {"type": "array", "items": {"type": "string"}, "description": "Shown this once."}},
                ["backup_codes"],
            ),
        }

    def openapi_paths(self):
        return {
            "/2fa/backup-codes": {
                "post": openapi.operation(
                    "regenerateBackupCodes",
                    "A new set of backup codes, shown once; the old set stops working (recent "
                    "re-authentication required).",
                    "BackupCodes",
                    [*openapi.BODY_ERRORS, 409],
                    body="EmptyBody",
                    body_required=False,
                )
            }
        }
