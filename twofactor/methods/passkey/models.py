"""A passkey or security key: a WebAuthn credential's public key and what the site must remember of it."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from ...models.devices import TwoFactorDevice
from .aaguids import authenticator_model

KEY = "passkey"


class PasskeyDevice(TwoFactorDevice):
    """One WebAuthn credential; a user may hold several. Only public data: no secret is stored."""

    method = KEY
    one_per_user = False

    credential_id = models.BinaryField(max_length=1023, unique=True, help_text=_("The credential's id (raw bytes)."))
    public_key = models.BinaryField(help_text=_("The credential's COSE public key."))
    sign_count = models.PositiveBigIntegerField(default=0, help_text=_("The authenticator's signature counter."))
    transports = models.JSONField(default=list, blank=True, help_text=_("usb, nfc, ble, internal, hybrid …"))
    aaguid = models.CharField(max_length=36, blank=True, default="", help_text=_("The authenticator model's id."))
    user_handle = models.BinaryField(max_length=64, help_text=_("The WebAuthn user id this credential was made for."))
    backed_up = models.BooleanField(default=False, help_text=_("Synced passkey (copied by a password manager)."))
    last_challenge = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text=_("SHA-256 of the last accepted challenge; never accepted twice."),
    )

    class Meta(Device.Meta):
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")

    @property
    def authenticator_model(self) -> str:
        """The authenticator's make and model when its AAGUID is a well-known one, else ""."""
        return authenticator_model(self.aaguid)

    @property
    def kind_label(self) -> str:
        """What kind of authenticator this is, from its transports: how it is named to a session not yet verified."""
        transports = set(self.transports or [])
        if transports & {"usb", "nfc", "ble", "smart-card"}:
            return str(_("Security key"))
        if "internal" in transports:
            return str(_("Passkey on this device"))
        if "hybrid" in transports:
            return str(_("Passkey on a phone"))
        return str(_("Passkey"))

    def already_stored(self) -> bool:
        return type(self).objects.filter(credential_id=self.credential_id).exists()

    # A refused assertion is no guess at a secret: a signature cannot be guessed and credential ids are not
    # secret. Counting it here would let strangers naming the id lock the owner's key, so refusals count
    # against the client address instead (throttle.py), and the credential is never throttled.
    def verify_is_allowed(self):
        return True, None

    def throttle_increment(self, commit: bool = True) -> None:
        return None

    def check_code(self, code: str) -> bool:
        from .ceremony import check_assertion  # the library loads only when a passkey is used

        return check_assertion(self, code)
