from django.contrib import admin

from twofactor.admin import TwoFactorUserAdminMixin

from .models import Person


@admin.register(Person)
class PersonAdmin(TwoFactorUserAdminMixin, admin.ModelAdmin):
    list_display = ("email", "is_staff")
    fields = ("email", "is_active", "is_staff")
