"""Backup codes: single-use recovery codes, made with the first method and shown once."""

from django.urls import path
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
from .settings import BackupSettings


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
        emit(Kind.BACKUP_CODE_USED, user=user, request=request, remaining=device.remaining)

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
