"""The site's users."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A user signs in with a username or an email address; both are unique in any letter case."""

    email = models.EmailField(_("email address"))

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Accounts without an address (made in the shell, or by a project that allows it) may be several.
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="accounts_user_email_ci_unique"
            ),
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def clean(self) -> None:
        super().clean()
        # Every form that makes or renames a user (sign-up, the admin) refuses a username that looks like an address.
        if "@" in (self.username or "") and (self._state.adding or self._username_changed()):
            raise ValidationError(
                {"username": _("A username cannot look like an email address: leave out the @.")},
                code="looks_like_email",
            )

    def _username_changed(self) -> bool:
        stored = type(self)._default_manager.filter(pk=self.pk).values_list("username", flat=True).first()
        return stored != self.username

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip()
        super().save(*args, **kwargs)
