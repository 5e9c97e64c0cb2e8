"""What the site's policy remembers per user: the deadline of a grace period (twofactor.grace)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EnrolmentDeadline(models.Model):
    """The day a required user without a method must have set one up by.

    Set the first time the user is seen required (TWOFACTOR_GRACE_DAYS from then), kept afterwards: a user
    who stops and starts being required again gets no new grace. Staff may move it in the admin.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="twofactor_deadline",
        verbose_name=_("user"),
    )
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    created_at = models.DateTimeField(_("first seen required"), auto_now_add=True)
    language = models.CharField(
        _("language"), max_length=16, blank=True, default="", help_text=_("the language of the user's last page")
    )
    reminded_days = models.PositiveSmallIntegerField(
        _("last reminder"),
        null=True,
        blank=True,
        help_text=_("days before the deadline of the last reminder mailed (reminders start again when it moves)"),
    )

    class Meta:
        verbose_name = _("two-factor deadline")
        verbose_name_plural = _("two-factor deadlines")
        ordering = ["deadline"]

    def __str__(self) -> str:
        return f"{self.user} ({self.deadline:%Y-%m-%d %H:%M})"
