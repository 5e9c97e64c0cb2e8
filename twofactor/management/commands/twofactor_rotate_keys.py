"""Re-encrypt every authenticator key under the newest of TWOFACTOR_ENCRYPTION_KEYS.

Rotation: put a new key first in TWOFACTOR_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys.
"""
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from twofactor import crypto
from twofactor.models import TOTPDevice


class Command(BaseCommand):
    help = "Re-encrypt every TOTP key under the newest key of TWOFACTOR_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        rotated = 0
        for pk in TOTPDevice.objects.order_by("pk").values_list("pk", flat=True):
            with transaction.atomic():
                # Locked so a concurrent sign-in (which writes last_t) cannot overwrite the new token.
                device = TOTPDevice.objects.select_for_update().filter(pk=pk).first()
                if device is None or crypto.is_current(device.encrypted_key):
                    continue
                try:
                    device.encrypted_key = crypto.rotate(device.encrypted_key)
                except crypto.InvalidToken:
                    raise CommandError(
                        f"The key of device {pk} cannot be decrypted with any of TWOFACTOR_ENCRYPTION_KEYS; "
                        "add the key it was encrypted with and run the command again."
                    ) from None
                device.save(update_fields=["encrypted_key"])
                rotated += 1
        self.stdout.write(f"Rotated {rotated} authenticator key(s) to the newest encryption key.")
