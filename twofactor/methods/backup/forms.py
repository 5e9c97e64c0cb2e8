from django import forms
from django.utils.translation import gettext_lazy as _

from ...codes import normalize_backup_code
from ...forms import CodeField


class BackupCodeForm(forms.Form):
    """A backup code typed on the rescue page."""

    code = CodeField(label=_("Backup code"))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if normalize_backup_code(code) is None:
            raise forms.ValidationError(_("Enter a backup code like ABCD-EFGH-JKMN-PQRS."), code="invalid")
        return code
