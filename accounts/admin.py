from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from twofactor.admin import EstimatedCountPaginator, TwoFactorUserAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(TwoFactorUserAdminMixin, BaseUserAdmin):
    """Django's user admin, plus the user's two-factor methods and "reset two-factor"."""

    paginator = EstimatedCountPaginator  # one estimated count, not two full ones, on a large table
    show_full_result_count = False
