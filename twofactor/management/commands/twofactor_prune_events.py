"""Delete security events older than TWOFACTOR_EVENT_RETENTION_DAYS (run it daily from a scheduler).

The record keeps what staff and users need to look back on; past the retention period it is only
personal data (addresses, browsers) kept for nothing. Deletes in batches, each its own transaction,
so a first run over a large backlog neither holds a long lock nor needs a large transaction.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from twofactor.app_settings import app_settings
from twofactor.models import SecurityEvent


class Command(BaseCommand):
    help = "Delete security events older than TWOFACTOR_EVENT_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, help="Keep this many days instead of TWOFACTOR_EVENT_RETENTION_DAYS.")
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows deleted per statement (default 5000).")

    def handle(self, *args, days: int | None, batch_size: int, **options) -> None:
        days = app_settings.EVENT_RETENTION_DAYS if days is None else days
        if days < 0 or batch_size < 1:
            raise CommandError("--days must be 0 or more and --batch-size at least 1.")
        if days == 0:
            self.stdout.write("Retention is 0 (keep every event): nothing deleted.")
            return
        cutoff = timezone.now() - timedelta(days=days)
        old = SecurityEvent.objects.filter(created_at__lt=cutoff).order_by()
        deleted = 0
        while batch := list(old.values_list("pk", flat=True)[:batch_size]):
            deleted += SecurityEvent.objects.filter(pk__in=batch).delete()[0]
        self.stdout.write(f"Deleted {deleted} security event(s) older than {days} days ({cutoff:%Y-%m-%d %H:%M} UTC).")
