"""The user and group admin's rank rule and two-factor part (twofactor/admin/users.py), through the admin's own pages.

The fast-tier counterpart of tests/test_admin_rank_live.py: its attacks, through Django's test client, with what the
staff member reads (the refusal, its level, where they are sent) and what the account's record keeps.
"""

import re
import sys
import types
from datetime import timedelta

import pytest
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import path, reverse
from django.utils import timezone

from accounts.admin import UserAdmin
from tests.support.admin_forms import form_fields
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, verified_with_app
from twofactor import mailbox
from twofactor.admin_site import TwoFactorAdminSite
from twofactor.models import SecurityEvent, TrustedBrowser

from .test_admin import run_action, signed_out, staff_client

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
USERS = "/admin/accounts/user/"
BEYOND = "You cannot grant what you do not hold yourself: {}. Ask an administrator who holds it."
SELF = "You cannot do this to your own account: ask another administrator."
RESET_QUESTION = (
    "Remove every two-factor method and backup code of these users, end all their sessions and forget their "
    "remembered browsers? They will be mailed, and must set up a new method at their next sign-in."
)

#: A second admin site, as a project with a help-desk site beside the main admin has: every page of the user admin
#: must send its staff back to pages of the site they are on.
desk = TwoFactorAdminSite(name="desk")
desk.register(get_user_model(), UserAdmin)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"


@pytest.fixture
def rebuilt_urls(settings, monkeypatch):
    """The site's URLs built anew inside the test, with the desk site beside the admin. Django builds a URLconf once
    a process, so without this a model admin's get_urls() would have run before any test."""
    from twofa_site import urls as site_urls

    module = types.ModuleType("tests.test_admin_users_urls")
    module.urlpatterns = [
        *(pattern for pattern in site_urls.urlpatterns if str(pattern.pattern) != "admin/"),
        path("admin/", admin.site.urls),
        path("desk/", desk.urls),
    ]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    settings.ROOT_URLCONF = module.__name__


# Helpers


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def grant(user, *perms: str) -> None:
    user.user_permissions.add(*(permission(perm) for perm in perms))


def change_page(user, site: str = "admin") -> str:
    return f"/{site}/accounts/user/{user.pk}/change/"


def shown(response) -> list[tuple[int, str]]:
    """The messages the admin shows after this response, with their level."""
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


def refusals(user) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(user=user, kind=Kind.STAFF_ACTION_REFUSED).order_by("pk"))


def post_change(desk_client, user, **changes):
    """Post the user's change form as it stands, with `changes`."""
    url = change_page(user)
    page = desk_client.get(url)
    assert page.status_code == 200
    return desk_client.post(url, {**form_fields(page.content.decode()), **changes, "_save": "Save"})


def form_errors(response) -> list[str]:
    return list(response.context["adminform"].form.non_field_errors())


def junior_who_may_change_users(*more: str):
    return staff_client("junior", "accounts.view_user", "accounts.change_user", *more)


def age_the_proofs(client, seconds: int = 3600) -> None:
    """Make the session's password and code proofs `seconds` old, as a session left open at a desk."""
    session = client.session
    session["twofactor_reauth"] = {name: moment - seconds for name, moment in session["twofactor_reauth"].items()}
    session.save()


# Granting: permissions, groups, the superuser flag (rank_checked)


def test_a_permission_beyond_rank_is_refused_on_the_user_form_and_recorded_on_the_account():
    junior, desk_client = junior_who_may_change_users()
    member = make_user("member")
    chosen = [permission(name).pk for name in ("auth.add_group", "accounts.delete_user", "accounts.change_user")]

    response = post_change(desk_client, member, user_permissions=chosen)

    assert response.status_code == 200
    assert form_errors(response) == [BEYOND.format("accounts.delete_user, auth.add_group")]
    assert BEYOND.format("accounts.delete_user, auth.add_group") in response.content.decode()
    assert response.context["adminform"].form.has_error(NON_FIELD_ERRORS, "beyond_rank")
    assert not member.user_permissions.exists()
    [refusal] = refusals(member)
    assert refusal.data == {
        "action": "grant",
        "reason": "grant",
        "granted": "accounts.delete_user, auth.add_group",
        "actor": junior.pk,
        "actor_name": "junior",
    }
    assert refusal.ip == "127.0.0.1"
    assert refusals(junior) == []


def test_a_group_holding_a_permission_beyond_rank_is_refused_on_the_user_form():
    junior, desk_client = junior_who_may_change_users()
    member = make_user("member")
    editors = Group.objects.create(name="Editors")
    editors.permissions.add(permission("auth.add_group"), permission("accounts.view_user"))  # the second is held

    response = post_change(desk_client, member, groups=[editors.pk])

    assert response.status_code == 200
    assert form_errors(response) == [BEYOND.format("auth.add_group")]
    assert not member.groups.exists()
    assert [event.data["action"] for event in refusals(member)] == ["grant"]


def test_a_permission_beyond_rank_is_refused_even_beside_a_group_within_rank():
    _junior, desk_client = junior_who_may_change_users()
    member = make_user("member")
    readers = Group.objects.create(name="Readers")
    readers.permissions.add(permission("accounts.view_user"))
    staffless = Group.objects.create(name="Newsletter")  # no permission at all

    response = post_change(
        desk_client,
        member,
        user_permissions=[permission("accounts.delete_user").pk],
        groups=[readers.pk, staffless.pk],
    )

    assert response.status_code == 200
    assert form_errors(response) == [BEYOND.format("accounts.delete_user")]
    assert not member.user_permissions.exists() and not member.groups.exists()


def test_making_an_account_a_superuser_is_refused_to_staff_who_are_not_superusers():
    junior, desk_client = junior_who_may_change_users()
    member = make_user("member")

    response = post_change(desk_client, member, is_superuser="on", user_permissions=[permission("auth.add_group").pk])

    assert response.status_code == 200
    assert form_errors(response) == [BEYOND.format("auth.add_group, is_superuser")]
    member.refresh_from_db()
    assert not member.is_superuser and not member.user_permissions.exists()
    assert [event.data["actor_name"] for event in refusals(member)] == ["junior"]

    alone = post_change(desk_client, member, is_superuser="on")
    assert form_errors(alone) == [BEYOND.format("is_superuser")]
    member.refresh_from_db()
    assert not member.is_superuser


def test_changes_within_rank_are_saved():
    _junior, desk_client = junior_who_may_change_users()
    member = make_user("member")
    readers = Group.objects.create(name="Readers")
    readers.permissions.add(permission("accounts.view_user"))

    response = post_change(
        desk_client,
        member,
        first_name="Renamed",
        is_staff="on",  # staff hand on the staff flag: they hold it
        user_permissions=[permission("accounts.change_user").pk],
        groups=[readers.pk],
    )

    assert response.status_code == 302 and response["Location"] == USERS
    member.refresh_from_db()
    assert member.first_name == "Renamed" and member.is_staff
    assert list(member.user_permissions.all()) == [permission("accounts.change_user")]
    assert list(member.groups.all()) == [readers]
    assert refusals(member) == []


def test_a_superuser_grants_anything():
    _root, desk_client = staff_client("root", is_superuser=True)
    member = make_user("member")
    response = post_change(
        desk_client, member, is_superuser="on", is_staff="on", user_permissions=[permission("auth.add_group").pk]
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_superuser and member.has_perm("auth.add_group")


def test_staff_give_a_group_no_permission_they_do_not_hold():
    junior, desk_client = staff_client("junior", "auth.view_group", "auth.change_group", "accounts.view_user")
    support = Group.objects.create(name="Support")
    url = f"/admin/auth/group/{support.pk}/change/"
    chosen = [permission("accounts.delete_user").pk, permission("accounts.view_user").pk]

    response = desk_client.post(url, {"name": "Support", "permissions": chosen, "_save": "Save"})

    assert response.status_code == 200
    assert form_errors(response) == [BEYOND.format("accounts.delete_user")]
    assert response.context["adminform"].form.has_error(NON_FIELD_ERRORS, "beyond_rank")
    assert not support.permissions.exists()
    # A group is no account: the refusal is recorded on the staff member who tried.
    [refusal] = refusals(junior)
    assert refusal.data == {
        "action": "grant",
        "reason": "grant",
        "granted": "accounts.delete_user",
        "actor": junior.pk,
        "actor_name": "junior",
    }

    within = desk_client.post(
        url, {"name": "Support", "permissions": [permission("accounts.view_user").pk], "_save": "Save"}
    )
    assert within.status_code == 302
    assert list(support.permissions.all()) == [permission("accounts.view_user")]


# The user's page: refused changes, read-only accounts, promotions


def test_a_staff_member_cannot_make_themselves_a_superuser():
    junior, desk_client = junior_who_may_change_users()
    response = post_change(desk_client, junior, is_superuser="on")
    assert response.status_code == 302 and response["Location"] == change_page(junior)
    assert shown(response) == [(messages.ERROR, SELF)]
    junior.refresh_from_db()
    assert not junior.is_superuser
    [refusal] = refusals(junior)
    assert refusal.data == {"action": "change", "reason": "self", "actor": junior.pk, "actor_name": "junior"}


def test_a_change_to_an_account_one_does_not_outrank_is_refused_and_recorded():
    root = make_user("root", is_staff=True, is_superuser=True)
    junior, desk_client = junior_who_may_change_users()

    response = desk_client.post(change_page(root), {"username": "root", "email": "mine@example.com", "_save": "Save"})

    assert response.status_code == 302 and response["Location"] == change_page(root)
    assert shown(response) == [(messages.ERROR, "root is a superuser: only a superuser can do this.")]
    root.refresh_from_db()
    assert root.email == "root@example.com"
    [refusal] = refusals(root)
    assert refusal.data == {"action": "change", "reason": "superuser", "actor": junior.pk, "actor_name": "junior"}


def assert_no_editable_field(page) -> None:
    """A read-only page's form holds no field to edit (only Django's password display, which edits nothing), so the
    page loads none of the editing widgets' scripts either."""
    assert list(page.context["adminform"].form.fields) == ["password"]
    content = page.content.decode()
    assert "SelectFilter2.js" not in content and "DateTimeShortcuts.js" not in content


def test_an_account_one_does_not_outrank_is_shown_read_only():
    root = make_user("root", is_staff=True, is_superuser=True)
    _junior, desk_client = junior_who_may_change_users()

    page = desk_client.get(change_page(root))

    assert page.status_code == 200 and page.context["has_change_permission"] is False
    content = page.content.decode()
    assert 'name="_save"' not in content and 'name="email"' not in content
    assert_no_editable_field(page)
    assert refusals(root) == []  # looking is no attempt

    member = make_user("member")
    editable = desk_client.get(change_page(member))
    assert editable.context["has_change_permission"] is True and 'name="_save"' in editable.content.decode()


def test_staff_without_the_change_permission_see_accounts_below_them_read_only():
    member = make_user("member")
    _reader, desk_client = staff_client("reader", "accounts.view_user")
    page = desk_client.get(change_page(member))
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert_no_editable_field(page)


def test_promoting_a_user_without_a_staff_method_warns():
    _root, desk_client = staff_client("root", is_superuser=True)
    member = make_user("member")
    methods = mailbox.staff_method_names()
    assert methods  # the warning names them

    response = post_change(desk_client, member, is_staff="on")

    assert response.status_code == 302
    assert shown(response) == [
        (
            messages.WARNING,
            f"member holds none of these: {methods}. They cannot use the admin until they set one up; "
            "they will be asked to at their next visit.",
        ),
        (messages.SUCCESS, f'The user “<a href="{change_page(member)}">member</a>” was changed successfully.'),
    ]
    member.refresh_from_db()
    assert member.is_staff


def test_making_a_staff_member_without_a_staff_method_a_superuser_warns():
    _root, desk_client = staff_client("root", is_superuser=True)
    helper = make_user("helper", is_staff=True)
    response = post_change(desk_client, helper, is_superuser="on")
    assert [level for level, _text in shown(response)] == [messages.WARNING, messages.SUCCESS]
    assert shown(response)[0][1].startswith("helper holds none of these: ")


def test_promoting_a_user_who_holds_a_staff_method_does_not_warn():
    _root, desk_client = staff_client("root", is_superuser=True)
    member = make_user("member")
    add_totp(member)
    response = post_change(desk_client, member, is_staff="on")
    assert response.status_code == 302 and [level for level, _text in shown(response)] == [messages.SUCCESS]


@pytest.mark.parametrize("is_staff", [True, False])
def test_a_change_that_promotes_nobody_does_not_warn(is_staff):
    _root, desk_client = staff_client("root", is_superuser=True)
    member = make_user("member", is_staff=is_staff)  # no method at all
    response = post_change(desk_client, member, first_name="Renamed")
    assert response.status_code == 302 and [level for level, _text in shown(response)] == [messages.SUCCESS]
    member.refresh_from_db()
    assert member.first_name == "Renamed"


def test_the_add_page_is_djangos_user_admin_add_page():
    _root, desk_client = staff_client("root", is_superuser=True)
    page = desk_client.get(f"{USERS}add/")
    assert page.status_code == 200
    content = page.content.decode()
    assert '<form method="post" id="user_form" novalidate>' in content  # posts back to itself
    assert 'name="email"' in content and 'name="password1"' in content
    username = get_user_model()._meta.get_field("username")
    assert page.context["username_help_text"] == username.help_text  # UserAdmin's own context goes through

    created = desk_client.post(
        f"{USERS}add/",
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "usable_password": "true",
            "password1": "a-long-new-password-77",
            "password2": "a-long-new-password-77",
            "_save": "Save",
        },
    )
    assert created.status_code == 302
    assert get_user_model().objects.get(username="newcomer").check_password("a-long-new-password-77")


# Deleting


def test_staff_cannot_delete_an_account_above_them():
    root = make_user("root", is_staff=True, is_superuser=True)
    junior, desk_client = staff_client("junior", "accounts.view_user", "accounts.delete_user")
    url = f"{USERS}{root.pk}/delete/"

    assert desk_client.get(url).status_code == 403
    response = desk_client.post(url, {"post": "yes"})

    assert response.status_code == 302 and response["Location"] == change_page(root)
    assert shown(response) == [(messages.ERROR, "root is a superuser: only a superuser can do this.")]
    assert get_user_model().objects.filter(pk=root.pk).exists()
    [refusal] = refusals(root)
    assert refusal.data == {"action": "delete", "reason": "superuser", "actor": junior.pk, "actor_name": "junior"}


def test_bulk_delete_spares_the_accounts_one_does_not_outrank():
    root = make_user("root", is_staff=True, is_superuser=True)
    member = make_user("member")
    _junior, desk_client = staff_client("junior", "accounts.view_user", "accounts.delete_user")

    page = desk_client.post(USERS, {"action": "delete_selected", "_selected_action": [root.pk]})
    assert page.status_code == 200 and page.context["perms_lacking"] == {"user"}
    assert "Cannot delete user" in page.content.decode()
    refused = desk_client.post(USERS, {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"})
    assert refused.status_code == 403
    assert get_user_model().objects.filter(pk=root.pk).exists()

    allowed = desk_client.post(USERS, {"action": "delete_selected", "_selected_action": [member.pk], "post": "yes"})
    assert allowed.status_code == 302
    assert not get_user_model().objects.filter(pk=member.pk).exists()


def test_nobody_deletes_their_own_account_in_the_admin():
    root, desk_client = staff_client("root", is_superuser=True)
    assert desk_client.get(f"{USERS}{root.pk}/delete/").status_code == 403
    response = desk_client.post(f"{USERS}{root.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and shown(response) == [(messages.ERROR, SELF)]
    assert get_user_model().objects.filter(pk=root.pk).exists()


# The set-password page


def password_post(desk_client, user, password: str = "a-new-password-77", repeat: str | None = None):
    return desk_client.post(
        f"{USERS}{user.pk}/password/",
        {"password1": password, "password2": repeat or password, "usable_password": "true"},
    )


def test_a_staff_member_cannot_set_a_superusers_password():
    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    junior, desk_client = junior_who_may_change_users()

    response = password_post(desk_client, root, "junior-chose-this-77")

    assert response.status_code == 302 and response["Location"] == change_page(root)
    assert shown(response) == [(messages.ERROR, "root is a superuser: only a superuser can do this.")]
    root.refresh_from_db()
    assert root.check_password(PASSWORD) and not root.check_password("junior-chose-this-77")
    [refusal] = refusals(root)
    assert refusal.data == {
        "action": "set_password",
        "reason": "superuser",
        "actor": junior.pk,
        "actor_name": "junior",
    }
    assert not SecurityEvent.objects.filter(user=root, kind=Kind.PASSWORD_CHANGED).exists()


def test_nobody_sets_their_own_password_through_the_admin():
    boss, desk_client = staff_client("boss", is_superuser=True)
    response = password_post(desk_client, boss, "no-current-password-77")
    assert response.status_code == 302 and response["Location"] == change_page(boss)
    assert shown(response) == [(messages.ERROR, SELF)]
    boss.refresh_from_db()
    assert boss.check_password(PASSWORD)
    assert [event.data["action"] for event in refusals(boss)] == ["set_password"]


def test_setting_someone_elses_password_asks_for_a_fresh_second_factor():
    _boss, desk_client = staff_client("boss", is_superuser=True)
    member = make_user("member")
    age_the_proofs(desk_client)

    response = password_post(desk_client, member, "the-desk-chose-this-77")

    assert response.status_code == 302 and response["Location"].startswith("/2fa/confirm/?")
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_the_password_page_of_no_account_is_not_found():
    _boss, desk_client = staff_client("boss", is_superuser=True)
    assert desk_client.get(f"{USERS}999999/password/").status_code == 404
    age_the_proofs(desk_client)  # nothing to protect: not found, not "confirm it's you"
    assert desk_client.post(f"{USERS}999999/password/", {"password1": "x"}).status_code == 404


def test_a_password_set_by_staff_ends_the_users_sessions_and_is_recorded_with_the_actor():
    member, member_client = verified_with_app("member")
    boss, desk_client = staff_client("boss", is_superuser=True)
    page = desk_client.get(f"{USERS}{member.pk}/password/")
    assert page.status_code == 200
    assert '<form method="post" id="user_form">' in page.content.decode()  # posts back to itself

    response = password_post(desk_client, member, "the-desk-chose-this-77")

    assert response.status_code == 302 and response["Location"] == change_page(member)
    member.refresh_from_db()
    assert member.check_password("the-desk-chose-this-77")
    assert signed_out(member_client)
    event = SecurityEvent.objects.get(user=member, kind=Kind.PASSWORD_CHANGED)
    assert event.data == {"by_email": False, "by_staff": True, "actor": boss.pk, "actor_name": "boss"}
    assert event.ip == "127.0.0.1"
    assert desk_client.get("/admin/").status_code == 200  # the staff member's own session goes on


def test_a_refused_password_form_changes_nothing():
    member, member_client = verified_with_app("member")
    _boss, desk_client = staff_client("boss", is_superuser=True)
    response = password_post(desk_client, member, "the-desk-chose-this-77", "something-else-entirely-77")
    assert response.status_code == 200 and response.context["form"].errors
    assert not SecurityEvent.objects.filter(user=member, kind=Kind.PASSWORD_CHANGED).exists()
    assert member_client.get("/").status_code == 200  # still signed in


# Reset two-factor: the page and the list action


def test_the_reset_page_asks_for_a_note_and_names_the_user_and_methods():
    member = make_user("member")
    add_totp(member)
    _helper, desk_client = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")

    page = desk_client.get(f"{USERS}{member.pk}/two-factor-reset/")

    assert page.status_code == 200
    content = page.content.decode()
    assert "<h1>Reset two-factor authentication</h1>" in content
    assert f"<p>{RESET_QUESTION}</p>" in content
    assert '<input type="submit" value="Reset two-factor">' in content
    assert "<strong>member &lt;member@example.com&gt;</strong>" in content
    assert "Authenticator app — added" in content
    assert f'<input type="hidden" name="_selected_action" value="{member.pk}">' in content
    assert 'name="action"' not in content  # the page is no list action


def test_the_reset_page_resets_and_says_so():
    member, member_client = verified_with_app("member")
    helper, desk_client = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")

    response = desk_client.post(f"{USERS}{member.pk}/two-factor-reset/", {"confirmed": "yes", "note": "At the desk."})

    assert response.status_code == 302 and response["Location"] == change_page(member)
    assert shown(response) == [(messages.SUCCESS, "Two-factor authentication was reset for 1 user.")]
    assert signed_out(member_client)
    event = SecurityEvent.objects.get(user=member, kind=Kind.RESET)
    assert event.data["actor"] == helper.pk and event.data["note"] == "At the desk."
    assert event.ip == "127.0.0.1"


def test_the_reset_page_of_no_account_goes_back_to_the_index():
    _helper, desk_client = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")
    response = desk_client.get(f"{USERS}999999/two-factor-reset/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert shown(response) == [(messages.WARNING, "user with ID “999999” doesn’t exist. Perhaps it was deleted?")]


def test_the_reset_list_action_confirms_then_resets_every_user_chosen():
    alice = make_user("alice")
    add_totp(alice)
    bob = make_user("bob")
    add_totp(bob)
    _helper, desk_client = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")

    page = run_action(desk_client, USERS, "reset_two_factor", [alice.pk, bob.pk], None)
    content = page.content.decode()
    assert page.status_code == 200 and "<h1>Reset two-factor authentication</h1>" in content
    assert '<input type="hidden" name="action" value="reset_two_factor">' in content
    for user in (alice, bob):
        assert f'<input type="hidden" name="_selected_action" value="{user.pk}">' in content

    done = run_action(desk_client, USERS, "reset_two_factor", [alice.pk, bob.pk], "Lost laptops.")
    assert done.status_code == 302
    assert shown(done) == [(messages.SUCCESS, "Two-factor authentication was reset for 2 users.")]
    assert SecurityEvent.objects.filter(kind=Kind.RESET).count() == 2


# The user's page: the two-factor fieldset and inlines


def fieldsets(page) -> list[tuple[str | None, tuple]]:
    return [(name and str(name), tuple(options["fields"])) for name, options in page.context["adminform"].fieldsets]


def test_the_users_page_shows_the_two_factor_fieldset_with_the_reset_link_to_who_may_reset():
    member = make_user("member")
    _helper, desk_client = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")
    page = desk_client.get(change_page(member))
    assert fieldsets(page)[-1] == ("Two-factor authentication", ("two_factor",))
    content = page.content.decode()
    assert re.search(r"<h2[^>]*>Two-factor authentication</h2>", content)
    assert f'href="{USERS}{member.pk}/two-factor-reset/"' in content


def test_the_users_page_shows_the_methods_only_to_who_may_not_reset():
    member = make_user("member")
    add_totp(member)
    _reader, desk_client = staff_client("reader", "accounts.view_user")
    page = desk_client.get(change_page(member))
    assert fieldsets(page)[-1] == ("Two-factor authentication", ("two_factor_methods",))
    assert "two-factor-reset" not in page.content.decode()
    assert "Authenticator app — added" in page.content.decode()


def inline_models(page) -> list:
    return [formset.opts.model for formset in page.context["inline_admin_formsets"]]


def test_method_and_trusted_browser_inlines_are_shown_for_the_users_rows_only():
    from twofactor.methods.totp.models import TOTPDevice

    member = make_user("member")
    other = make_user("other")
    _root, desk_client = staff_client("root", is_superuser=True)
    assert inline_models(desk_client.get(change_page(member))) == []

    add_totp(member)
    assert inline_models(desk_client.get(change_page(member))) == [TOTPDevice]
    assert inline_models(desk_client.get(change_page(other))) == []

    TrustedBrowser.objects.create(
        user=member, token_hash="a" * 64, method="totp", device_id="x", expires_at=timezone.now() + timedelta(days=1)
    )
    assert inline_models(desk_client.get(change_page(member))) == [TOTPDevice, TrustedBrowser]
    assert inline_models(desk_client.get(change_page(other))) == []


def test_a_projects_own_inlines_stay_beside_the_two_factor_ones(rf):
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

    from twofactor.admin import TwoFactorUserAdminMixin
    from twofactor.methods.totp.models import TOTPDevice

    class HistoryInline(admin.TabularInline):
        model = LogEntry

    class ProjectUserAdmin(TwoFactorUserAdminMixin, BaseUserAdmin):
        inlines = [HistoryInline]

    member = make_user("member")
    add_totp(member)
    request = rf.get("/")
    request.user = make_user("root", is_staff=True, is_superuser=True)
    inlines = ProjectUserAdmin(get_user_model(), desk).get_inlines(request, member)
    assert inlines[0] is HistoryInline and [inline.model for inline in inlines[1:]] == [TOTPDevice]


# URLs and a second admin site


def test_the_reset_page_is_routed_by_the_user_admins_own_urls(rebuilt_urls):
    member = make_user("member")
    add_totp(member)
    _helper, desk_client = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")
    url = reverse("admin:accounts_user_twofactor_reset", args=[member.pk])
    assert url == f"{USERS}{member.pk}/two-factor-reset/"
    page = desk_client.get(url)
    assert page.status_code == 200 and "<h1>Reset two-factor authentication</h1>" in page.content.decode()


def test_a_refusal_on_another_admin_site_sends_back_to_that_sites_page(rebuilt_urls):
    root = make_user("root", is_staff=True, is_superuser=True)
    _junior, desk_client = junior_who_may_change_users()
    response = desk_client.post(change_page(root, "desk"), {"username": "root", "_save": "Save"})
    assert response.status_code == 302 and response["Location"] == change_page(root, "desk")
    refused = password_post(desk_client, root)
    assert refused.status_code == 302 and refused["Location"] == change_page(root)


def test_a_reset_on_another_admin_site_goes_back_to_that_sites_pages(rebuilt_urls):
    member = make_user("member")
    add_totp(member)
    _helper, desk_client = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")
    done = desk_client.post(f"/desk/accounts/user/{member.pk}/two-factor-reset/", {"confirmed": "yes", "note": "x"})
    assert done.status_code == 302 and done["Location"] == change_page(member, "desk")
    missing = desk_client.get("/desk/accounts/user/999999/two-factor-reset/")
    assert missing.status_code == 302 and missing["Location"] == "/desk/"
