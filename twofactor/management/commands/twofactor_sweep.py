"""Delete what the app keeps only for a while: rate-limit counters whose bucket is full again (run it hourly).

Each counter row (TWOFACTOR_RATE_LIMIT_STORE "database", or while the cache is down) holds one key's
arrival time; once that time is past, the row says nothing a missing row would not, so it goes. This
includes the records of answered passkey challenges, which strangers signing in without a password
leave behind. Scheduled with Django's `clearsessions` and `twofactor_prune_events` (docs/operations.md, "Scheduling").
"""

import time

from django.core.management.base import BaseCommand, CommandError

from twofactor.models import RateCounter
from twofactor.ratelimit import STALE_SECONDS


class Command(BaseCommand):
    help = "Delete rate-limit counters whose bucket is full again (and answered passkey challenges)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows deleted per statement (default 5000).")

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        stale = RateCounter.objects.filter(tat__lt=time.time() - STALE_SECONDS).order_by()
        deleted = 0
        while batch := list(stale.values_list("pk", flat=True)[:batch_size]):
            deleted += RateCounter.objects.filter(pk__in=batch).delete()[0]
        self.stdout.write(f"Deleted {deleted} rate-limit counter(s) no longer limiting anything.")
