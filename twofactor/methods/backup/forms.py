from django.utils.translation import gettext_lazy as _

from ...codes import BACKUP_ALPHABET, BACKUP_CODE_LENGTH
from ...core.code_format import CodeFormat
from ...forms import CodeField, CodeForm

#: Sixteen symbols of Crockford's base32 in groups of four; O, I and L are read as 0, 1 and 1.
BACKUP_CODE_FORMAT = CodeFormat(
    length=BACKUP_CODE_LENGTH,
    alphabet=BACKUP_ALPHABET + "OIL",
    input_mode="text",
    separators="-",
    description=_("a backup code like ABCD-EFGH-JKMN-PQRS"),
)


class BackupCodeForm(CodeForm):
    """A backup code typed on the rescue page."""

    code = CodeField(label=_("Backup code"))

    def code_formats(self, method=None):
        return [BACKUP_CODE_FORMAT]
