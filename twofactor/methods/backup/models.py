"""The backup-codes method's device: single-use codes kept only as salted hashes."""

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from ...codes import matches_hash, normalize_backup_code
from ...models.devices import TwoFactorDevice
from .settings import backup_settings

#: The annotation `with_unused_counts` adds, which `remaining` reads.
UNUSED_COUNT = "unused_code_count"


class BackupCodeDevice(TwoFactorDevice):
    """A set of single-use backup codes, stored only as salted hashes."""

    method = "backup"

    class Meta(Device.Meta):
        verbose_name = _("backup codes")
        verbose_name_plural = _("backup codes")
        # A user holds one device of a kind.
        constraints = [models.UniqueConstraint(fields=["user"], name="twofactor_one_backup_device_per_user")]

    def check_code(self, code: str) -> bool:
        normalized = normalize_backup_code(code)
        if normalized is None:
            return False
        match = None
        # Compare against every unused code so the time taken does not tell which one matched.
        for backup_code in self.codes.filter(used_at__isnull=True):
            if matches_hash(normalized, backup_code.code_hash) and match is None:
                match = backup_code
        if match is None:
            return False
        match.used_at = timezone.now()
        match.save(update_fields=["used_at"])
        return True

    @property
    def few_left(self) -> bool:
        """Whether the unused codes are at or below TWOFACTOR_BACKUP_CODES_LOW (time to make a new set)."""
        return self.remaining <= backup_settings.BACKUP_CODES_LOW

    @property
    def remaining(self) -> int:
        """Unused codes; counted by the query that loaded the device when it was `with_unused_counts`."""
        counted = self.__dict__.get(UNUSED_COUNT)
        return counted if counted is not None else self.codes.filter(used_at__isnull=True).count()


def with_unused_counts(devices: QuerySet) -> QuerySet:
    """`devices` with each one's unused codes counted in the same query (a list shows `remaining` per row)."""
    unused = (
        BackupCode.objects.filter(device=OuterRef("pk"), used_at__isnull=True)
        .order_by()
        .values("device")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return devices.annotate(**{UNUSED_COUNT: Coalesce(Subquery(unused, output_field=IntegerField()), 0)})


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("backup code")
