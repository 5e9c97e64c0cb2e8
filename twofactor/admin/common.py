"""What the staff screens share: permissions, the note every action asks for, the methods summary."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import flows, state
from ..app_settings import app_settings
from ..core import registry
from ..locations import describe_browser
from ..state import grace
from ..users import account_address
from .paginator import EstimatedCountPaginator

HANDLE_PERMISSION = "twofactor.handle_rescuerequest"
RESET_PERMISSION = "twofactor.reset_twofactor"
DEVICE_FIELDS = ("user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count")


class ClientColumns:
    """The client of a record (event, rescue request) in words: "IP address", and the browser as mails name it."""

    @admin.display(description=_("IP address"), ordering="ip")
    def ip_address(self, obj) -> str:
        return obj.ip or "—"

    @admin.display(description=_("Browser"))
    def browser(self, obj) -> str:
        return describe_browser(obj.user_agent or "")


class StaffNoteForm(forms.Form):
    """The note every staff action asks for: kept in the request and the security record, not mailed."""

    note = forms.CharField(
        label=_("Note"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("What you checked, or why. Kept in the security record; not sent to the user."),
        error_messages={"required": _("Write a note: what you checked, or why.")},
    )


def methods_summary(user) -> str:
    """The user's methods as escaped HTML: type, name, added, last used (never a secret or a code)."""
    devices = state.devices_of(user)
    if not devices:
        return _("No two-factor method.")
    rows = []
    for device in devices:
        kind = capfirst(type(device)._meta.verbose_name)
        label = kind if device.name == kind else f"{kind}: {device.name}"
        summary = registry.for_device(device).summary(device)
        if summary:
            label += f" ({summary})"
        rows.append((label, _("added"), when(device.created_at), _("last used"), when(device.last_used_at)))
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{} — {} {}, {} {}</li>", rows))


def deadline_summary(user, admin_site_name: str = "admin") -> str:
    """The user's grace-period deadline, if one was ever set, with a link to move it (empty otherwise)."""
    from ..models import EnrolmentDeadline

    record = EnrolmentDeadline.objects.filter(user_id=user.pk).first()
    if record is None:
        return ""
    try:
        url = reverse("admin:twofactor_enrolmentdeadline_change", args=[user.pk], current_app=admin_site_name)
    except NoReverseMatch:
        url = ""
    left = grace.days_left(record.deadline)
    text = (
        ngettext(
            "Set-up deadline: %(deadline)s (%(days)d day left).",
            "Set-up deadline: %(deadline)s (%(days)d days left).",
            left,
        )
        % {"deadline": when(record.deadline), "days": left}
        if left
        else _("Set-up deadline: %(deadline)s (passed).") % {"deadline": when(record.deadline)}
    )
    if not url:
        return format_html("<p>{}</p>", text)
    return format_html('<p>{} <a href="{}">{}</a></p>', text, url, _("Change"))


def user_search_fields() -> tuple[str, ...]:
    """Search a row by its user's username and address, whatever the user model calls them."""
    user_model = get_user_model()
    names = dict.fromkeys([user_model.USERNAME_FIELD, user_model.get_email_field_name()])
    return tuple(f"user__{name}" for name in names)


def user_email(user) -> str:
    return account_address(user)


def when(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else "—"


def confirm_with_note(modeladmin, request, *, objects, items, title, question, button, action: str | None):
    """The intermediate page of a staff action. Returns (note, None) once confirmed, else (None, page)."""
    form = StaffNoteForm(request.POST if request.method == "POST" and request.POST.get("confirmed") == "yes" else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["note"], None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "button": button,
        "items": items,
        "objects": objects,
        "form": form,
        "action": action,
        "opts": opts,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "changelist_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=modeladmin.admin_site.name
        ),
    }
    request.current_app = modeladmin.admin_site.name
    return None, TemplateResponse(request, "twofactor/admin/confirm_with_note.html", context)


class LargeListAdmin(admin.ModelAdmin):
    """A list that costs the same at any size: one estimated count, a fixed number of statements."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


class FilterLookupsOnly:
    """A changelist accepts only the lookups its own filters and date hierarchy make.

    Django's default lets any query parameter filter on any column (`?encrypted_key__startswith=a`
    narrows the list one character at a time: an oracle on a secret). Anything else answers 400.
    """

    def lookup_allowed(self, lookup, value, request=None):
        fields = {
            item if isinstance(item, str) else item[0] for item in self.list_filter if isinstance(item, (str, tuple))
        }
        if self.date_hierarchy:
            fields.add(self.date_hierarchy)
        if lookup.split("__", 1)[0] not in fields:
            return False
        return super().lookup_allowed(lookup, value, request)


def ask_for_fresh_second_factor(request):
    """None when the staff member proved a second factor in the last TWOFACTOR_REAUTH_SECONDS; else the answer
    that sends them to "confirm it's you" and back (an action chosen from a list is chosen again: the page says so)."""
    from ..decorators import step_up_response

    try:
        flows.require_fresh_second_factor(request, app_settings.REAUTH_SECONDS)
    except flows.TwoFactorError:
        return step_up_response(request, app_settings.REAUTH_SECONDS)
    return None


def outranked_refused(modeladmin, request, users, *, action: str) -> list:
    """The `users` the staff member may act on (flows.require_standing); each refusal is recorded and shown."""
    allowed = []
    for user in users:
        try:
            flows.require_standing(request.user, user, request=request, action=action)
        except flows.TwoFactorError as refusal:
            modeladmin.message_user(request, refusal.message, messages.ERROR)
        else:
            allowed.append(user)
    return allowed
