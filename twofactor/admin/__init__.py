"""Staff screens: users' methods (never a secret or a code), rescue requests and the security record.

A project adds the two-factor part of the user's page to its own user admin:

    from django.contrib.auth.admin import UserAdmin
    from twofactor.admin import TwoFactorUserAdminMixin

    @admin.register(User)
    class MyUserAdmin(TwoFactorUserAdminMixin, UserAdmin):
        ...

which shows the user's methods inline and offers "reset two-factor" (a list action and a page
from the user's page) to staff with the permission `twofactor.reset_twofactor`. Rescue
requests are approved or denied by staff with `twofactor.handle_rescuerequest`. Every
action asks for a note on a confirmation page and is recorded through the signals.
"""

from .common import (
    HANDLE_PERMISSION,
    RESET_PERMISSION,
    LargeListAdmin,
    StaffNoteForm,
    confirm_with_note,
    methods_summary,
)
from .deadlines import EnrolmentDeadlineAdmin
from .devices import DeviceAdmin, DeviceInline, device_admin, device_inline, method_inlines
from .events import SecurityEventAdmin
from .paginator import EstimatedCountPaginator
from .rescue import RescueRequestAdmin
from .trust import TrustedBrowserAdmin, TrustedBrowserInline
from .users import TwoFactorGroupAdminMixin, TwoFactorUserAdminMixin

__all__ = [
    "HANDLE_PERMISSION",
    "RESET_PERMISSION",
    "DeviceAdmin",
    "DeviceInline",
    "EnrolmentDeadlineAdmin",
    "EstimatedCountPaginator",
    "LargeListAdmin",
    "RescueRequestAdmin",
    "SecurityEventAdmin",
    "StaffNoteForm",
    "TrustedBrowserAdmin",
    "TrustedBrowserInline",
    "TwoFactorGroupAdminMixin",
    "TwoFactorUserAdminMixin",
    "confirm_with_note",
    "device_admin",
    "device_inline",
    "method_inlines",
    "methods_summary",
]
