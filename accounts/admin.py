from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group

from twofactor.admin import EstimatedCountPaginator, TwoFactorGroupAdminMixin, TwoFactorUserAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(TwoFactorUserAdminMixin, BaseUserAdmin):
    """Django's user admin, plus the user's two-factor methods and "reset two-factor"."""

    # The address is asked for when adding a user too: the two-factor mails and the rescue path need it.
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "usable_password", "password1", "password2")}),
    )
    paginator = EstimatedCountPaginator  # one estimated count, not two full ones, on a large table
    show_full_result_count = False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TwoFactorGroupAdminMixin, BaseGroupAdmin):
    """Django's group admin: a staff member gives a group only permissions they hold themselves."""
