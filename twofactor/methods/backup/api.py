"""POST /2fa/backup-codes: a new set, shown once."""

from ...api.body import read_json
from ...api.endpoint import endpoint
from ...api.forms import EmptyForm
from ...api.responses import answer
from .codes import regenerate_backup_codes


@endpoint("POST")
def backup_codes(request):
    """A new set of backup codes, shown this once (recent re-authentication required)."""
    read_json(request, EmptyForm)
    return answer({"backup_codes": regenerate_backup_codes(request)})
