"""Making and replacing a user's set of backup codes."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ... import flows, remember, state
from ...codes import generate_backup_code, hash_code, normalize_backup_code
from ...errors import TwoFactorError
from ...signals import Kind, emit
from .models import BackupCode, BackupCodeDevice
from .settings import backup_settings


def replace_backup_codes(user) -> list[str]:
    """A new set of codes for `user` (the old set stops working); shown once, stored as salted hashes."""
    device, _created = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": str(_("Backup codes")), "confirmed": True}
    )
    device.codes.all().delete()
    device.throttle_reset(commit=False)
    device.save()
    codes = [generate_backup_code() for _ in range(backup_settings.BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, code_hash=hash_code(normalize_backup_code(code), peppered=False)) for code in codes
    )
    return codes


def regenerate_backup_codes(request) -> list[str]:
    """A new set of backup codes (the old set stops working). Needs a recent password and code."""
    flows.require_recent_authentication(request)
    user = request.user
    if not any(device.method != BackupCodeDevice.method for device in state.devices_of(user)):
        raise TwoFactorError("conflict", _("Set up a two-factor method before making backup codes."), status=409)
    with transaction.atomic():
        codes = replace_backup_codes(user)
        # Whoever signed in with a code of the old set (read off a printout, say) is signed out and trusted no more.
        device = BackupCodeDevice.objects.get(user=user)
        ended = flows.end_what_device_opened(
            request, user, device.persistent_id, reason=remember.Reason.BACKUP_CODES_REPLACED
        )
    emit(Kind.BACKUP_CODES_GENERATED, user=user, request=request, count=len(codes), sessions_ended=ended)
    return codes
