"""What the app remembers besides devices: sessions, the security record, rescue requests, counters."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from ..browsers import describe_family
from .devices import SentCodeDevice, masked_email


class UserSession(models.Model):
    """One signed-in session of a user: the "where you are signed in" list and the revocation index.

    Ending a session deletes it from the session store, so revocation costs verified
    requests nothing: there is no per-request check, the session is simply gone.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="twofactor_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    device_id = models.CharField(
        max_length=255, blank=True, default="", help_text=_("persistent_id of the device that verified it")
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    password_at = models.DateTimeField(
        null=True, blank=True, help_text=_("when this session last proved the password (sign-in or re-authentication)")
    )
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("signed-in session")
        indexes = [models.Index(fields=["user", "device_id"])]


class SecurityEvent(models.Model):
    """The security record: what happened to an account, never with a secret or a code."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        CODE_FAILED = "code_failed", _("Wrong code entered")
        THROTTLED = "throttled", _("Too many wrong codes")
        METHOD_ADDED = "method_added", _("Method added")
        METHOD_REMOVED = "method_removed", _("Method removed")
        BACKUP_CODES_GENERATED = "backup_codes_generated", _("Backup codes generated")
        BACKUP_CODE_USED = "backup_code_used", _("Backup code used")
        CODE_SENT = "code_sent", _("Code sent")
        DELIVERY_FAILED = "delivery_failed", _("Code could not be sent")
        REMEMBERED_BROWSER_USED = "remembered_browser_used", _("Remembered browser used")
        NEW_LOCATION = "new_location", _("Sign-in from a new browser and network")
        RESCUE_FILED = "rescue_filed", _("Rescue request filed")
        RESCUE_CODE_SENT = "rescue_code_sent", _("Rescue code sent by email")
        RESCUE_HANDLED = "rescue_handled", _("Rescue request handled")
        RESET = "reset", _("Two-factor reset by staff")
        SESSION_ENDED = "session_ended", _("Session signed out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        STAFF_ACTION_REFUSED = "staff_action_refused", _("Staff action refused")
        PASSWORD_FAILED = "password_failed", _("Wrong password entered")
        METHOD_RENAMED = "method_renamed", _("Method renamed")
        BROWSER_TRUSTED = "browser_trusted", _("Browser remembered")
        TRUSTED_BROWSERS_REVOKED = "trusted_browsers_revoked", _("Remembered browsers forgotten")
        PASSWORD_ALERT = "password_alert", _("Right password, failed second step: owner alerted")
        PASSWORD_CEILING = "password_ceiling", _("Too many wrong passwords: new browsers paused")
        BROWSER_UNLOCKED = "browser_unlocked", _("Browser let in with an unlock link")
        SIGN_IN_DISOWNED = "sign_in_disowned", _("Sign-in reported with “Not you?”")
        PASSWORD_GUESSING = "password_guessing", _("Many wrong passwords from one address: owner told")
        BACKUP_CODES_LOW = "backup_codes_low", _("Few backup codes left")
        RESCUE_SESSION = "rescue_session", _("Signed in with a rescue code by email: changes held back")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="security_events"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("security event")
        ordering = ["-created_at", "-pk"]
        # The admin's list and its filters read these in order; created_at alone serves pruning.
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class RescueRequest(models.Model):
    """A user who lost their methods asks the administrators for help."""

    #: Longest message one submission may carry; the form and the flow refuse longer ones.
    MESSAGE_MAX_LENGTH = 5000
    #: Longest text kept once submissions are appended to an open request (older text is trimmed).
    STORED_MAX_LENGTH = 20000

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved: two-factor reset")
        DENIED = "denied", _("Denied")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rescue_requests")
    message = models.TextField(blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    staff_note = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("rescue request")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"]), models.Index(fields=["status", "-created_at"])]
        permissions = [
            ("handle_rescuerequest", _("Can approve or deny rescue requests")),
            ("reset_twofactor", _("Can reset a user's two-factor authentication")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="open"), name="twofactor_one_open_rescue_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"Rescue request #{self.pk} ({self.get_status_display()})"


class RescueCodeDevice(SentCodeDevice):
    """The one-time code the rescue page mails to the account's address; not a method of the user.

    One row per user, outside DEVICE_CLASSES, so it is never offered, listed or counted as a
    method. It is confirmed only while a code is outstanding, and the check goes through
    `twofactor.verification.verify_code` like every other code: hashed, row-locked, throttled, once.
    """

    method = "rescue"

    email = models.EmailField(help_text=_("The account's address the latest code was mailed to."))

    class Meta(Device.Meta):
        verbose_name = _("rescue code by email")
        constraints = [models.UniqueConstraint(fields=["user"], name="twofactor_one_rescue_code_per_user")]

    @property
    def target(self) -> str:
        return self.email

    @property
    def masked_target(self) -> str:
        return masked_email(self.email)

    def aim_at(self, address: str) -> None:
        """The next code goes to `address` (the account's, as it is now), and is outstanding until used."""
        self.email = address
        self.confirmed = True

    def check_code(self, code: str) -> bool:
        accepted = super().check_code(code)
        if accepted:
            self.confirmed = False  # nothing outstanding any more
        return accepted


class KnownLocation(models.Model):
    """A browser-and-network pair already seen signing in to an account (hashed, no raw IP kept)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "fingerprint"], name="twofactor_known_location")]


class RateCounter(models.Model):
    """One rate-limit bucket shared by every app server: its theoretical arrival time (see twofactor.ratelimit)."""

    key = models.CharField(max_length=200, unique=True)
    tat = models.FloatField(default=0.0, help_text=_("epoch seconds; the bucket is full again from then on"))


class TrustedBrowser(models.Model):
    """A browser whose owner ticked "remember this browser": its next sign-ins skip the second step (never the
    password) until it expires or is revoked.

    The browser's cookie carries a random token; only the token's SHA-256 is kept here, so the table cannot
    sign anyone in. Revoking deletes the row (the security record keeps what happened).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="twofactor_trusted_browsers"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    method = models.CharField(max_length=40, help_text=_("the method whose answer made this browser trusted"))
    device_id = models.CharField(
        max_length=255, help_text=_("persistent_id of the device whose answer made this browser trusted")
    )
    browser = models.CharField(max_length=40, blank=True, default="", help_text=_("browser family, e.g. Firefox"))
    system = models.CharField(max_length=40, blank=True, default="", help_text=_("operating system, e.g. Windows"))
    network = models.CharField(
        max_length=50, blank=True, default="", help_text=_("the network it was trusted from (an IPv4 /24, IPv6 /48)")
    )
    password_fingerprint = models.CharField(
        max_length=32, editable=False, help_text=_("changes with the password: a password set anywhere ends the trust")
    )
    sign_in = models.BigIntegerField(
        null=True, blank=True, editable=False, help_text=_("the signed-in session (its UserSession id) that made it")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("trusted browser")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["user", "sign_in"])]

    def __str__(self) -> str:
        return f"{self.description} ({self.network or '?'})"

    @property
    def description(self) -> str:
        """ "Firefox on Windows", in the active language."""
        return describe_family(self.browser, self.system)

    @property
    def persistent_id(self) -> str:
        """The device that vouched for this browser, as the session state records a verifying device."""
        return self.device_id
