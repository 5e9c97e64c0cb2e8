"""What the mailbox alone has done to an account (see twofactor.mailbox)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MailboxPassword(models.Model):
    """The account's current password was set through a link mailed to it, so whoever reads that mailbox knows it.

    The fact belongs to the password, not to a date: it holds for every session that proves this password, however
    long after the reset, and lapses only when the password changes another way (its fingerprint no longer matches).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    password_fingerprint = models.CharField(
        max_length=64, help_text=_("a keyed digest of the password hash the reset set")
    )
    reset_at = models.DateTimeField()

    class Meta:
        verbose_name = _("password set by a reset by email")
