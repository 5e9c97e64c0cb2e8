"""Grace-period deadlines: staff see when each required user without a method must have one, and move it."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import flows
from ..models import EnrolmentDeadline
from ..state import grace
from .common import FilterLookupsOnly, LargeListAdmin, outranked_refused, user_search_fields

EXTEND_DAYS = 7


class PastDeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "passed"

    def lookups(self, request, model_admin):
        return [("no", _("Still in grace")), ("yes", _("Deadline passed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deadline__lte=timezone.now())
        if self.value() == "no":
            return queryset.filter(deadline__gt=timezone.now())
        return queryset


@admin.register(EnrolmentDeadline)
class EnrolmentDeadlineAdmin(FilterLookupsOnly, LargeListAdmin):
    """The deadline is the one field staff change; a new deadline starts the reminders again."""

    list_display = ("user", "deadline", "days_left", "created_at", "reminded_days")
    list_filter = (PastDeadlineFilter,)
    list_select_related = ("user",)
    fields = ("user", "deadline", "created_at", "language", "reminded_days")
    readonly_fields = ("user", "created_at", "language", "reminded_days")
    actions = ["extend"]

    def get_search_fields(self, request):
        return user_search_fields()

    def has_add_permission(self, request) -> bool:
        return False  # a deadline is set when the user is first seen required

    @admin.display(description=_("days left"))
    def days_left(self, obj) -> int:
        return grace.days_left(obj.deadline)

    def save_model(self, request, obj, form, change):
        if "deadline" in form.changed_data:
            obj.reminded_days = None
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None) -> bool:
        # More time to go without a second factor weakens the account: the rank rule, as for a reset.
        return super().has_change_permission(request, obj) and (
            obj is None or flows.standing_refusal(request.user, obj.user) is None
        )

    @admin.action(description=_("Give a week more"), permissions=["change"])
    def extend(self, request, queryset):
        now = timezone.now()
        count = 0
        allowed = {
            user.pk for user in outranked_refused(self, request, [record.user for record in queryset], action="extend")
        }
        for record in queryset:
            if record.user_id not in allowed:
                continue
            record.deadline = max(record.deadline, now) + timedelta(days=EXTEND_DAYS)
            record.reminded_days = None
            record.save(update_fields=["deadline", "reminded_days"])
            self.log_change(request, record, f"Deadline moved to {record.deadline:%Y-%m-%d %H:%M}.")
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d deadline was moved.", "%(count)d deadlines were moved.", count) % {"count": count},
            messages.SUCCESS,
        )
