"""Mail users in their grace period at TWOFACTOR_REMINDER_DAYS before their deadline (run it daily).

Idempotent: each reminder point is mailed at most once per user, so running it twice sends nothing new.
"""

from django.core.management.base import BaseCommand

from twofactor.flows.reminders import send_reminders


class Command(BaseCommand):
    help = "Mail users in their two-factor grace period a reminder at each of TWOFACTOR_REMINDER_DAYS (idempotent)."

    def handle(self, *args, **options) -> None:
        result = send_reminders()
        self.stdout.write(f"Sent {result.sent} reminder(s); {result.failed} could not be sent (retried next run).")
