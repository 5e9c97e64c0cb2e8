"""Re-encrypt every secret kept at rest (authenticator keys …) under the newest of TWOFACTOR_ENCRYPTION_KEYS.

Rotation: put a new key first in TWOFACTOR_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys. Each method's device model names its
encrypted fields in `encrypted_fields`.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from twofactor import crypto
from twofactor.core import registry


class Command(BaseCommand):
    help = "Re-encrypt every secret of the methods' devices under the newest key of TWOFACTOR_ENCRYPTION_KEYS."

    def handle(self, *args, **options) -> None:
        rotated = 0
        for method in registry.methods():
            model = method.get_model()
            for field in model.encrypted_fields:
                rotated += self._rotate(model, field)
        noun = "secret" if rotated == 1 else "secrets"
        self.stdout.write(f"Rotated {rotated} {noun} to the newest encryption key.")

    def _rotate(self, model, field: str) -> int:
        rotated = 0
        for pk in model.objects.order_by("pk").values_list("pk", flat=True):
            with transaction.atomic():
                # Locked so a concurrent sign-in (which writes to the row) cannot overwrite the new token.
                device = model.objects.select_for_update().filter(pk=pk).first()
                if device is None or crypto.is_current(getattr(device, field)):
                    continue
                try:
                    setattr(device, field, crypto.rotate(getattr(device, field)))
                except crypto.InvalidToken:
                    raise CommandError(
                        f"The {field} of {model._meta.verbose_name} {pk} cannot be decrypted with any of "
                        "TWOFACTOR_ENCRYPTION_KEYS; add the key it was encrypted with and run the command again."
                    ) from None
                device.save(update_fields=[field])
                rotated += 1
        return rotated
