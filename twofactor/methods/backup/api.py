"""POST /2fa/backup-codes: a new set, shown once."""

from ...web.body import EmptyForm, read_json
from ...web.endpoint import endpoint
from ...web.responses import answer
from .codes import regenerate_backup_codes


@endpoint("POST")
def backup_codes(request):
    """A new set of backup codes, shown this once (recent re-authentication required)."""
    read_json(request, EmptyForm)
    return answer({"backup_codes": regenerate_backup_codes(request)})
