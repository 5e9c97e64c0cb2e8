"""Rank in the admin (flows.manage.require_standing): staff act only on accounts below them.

Only a superuser resets or approves a rescue for a superuser; nobody acts on their own account; staff never act on
an account holding a permission they lack. Refusals are shown in the admin and recorded; the shell is unrestricted.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.management import call_command

from tests.support.devices import add_totp
from tests.support.users import make_user
from twofactor import state
from twofactor.models import RescueRequest, SecurityEvent

from .test_admin import RESCUES, file_request, run_action, staff_client

pytestmark = pytest.mark.django_db


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def reset_page(desk, user):
    url = f"/admin/accounts/user/{user.pk}/two-factor-reset/"
    return desk.post(url, {"confirmed": "yes", "note": "Lost the phone."})


def refusals(user) -> list[dict]:
    return [event.data for event in SecurityEvent.objects.filter(user=user, kind="staff_action_refused")]


def shown(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_staff_cannot_reset_a_superuser_from_the_users_page(db):
    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    junior, desk = staff_client("junior", "twofactor.reset_twofactor")
    response = reset_page(desk, root)
    assert response.status_code == 302 and response["Location"] == f"/admin/accounts/user/{root.pk}/change/"
    assert [d.method for d in state.devices_of(root)] == ["totp"]
    assert shown(response) == ["root is a superuser: only a superuser can do this."]
    [refusal] = refusals(root)
    assert refusal == {
        "action": "reset",
        "reason": "superuser",
        "actor": junior.pk,
        "actor_name": "junior",
    }


def test_the_confirmation_page_is_not_even_shown_for_an_account_one_does_not_outrank(db):
    root = make_user("root", is_staff=True, is_superuser=True)
    _junior, desk = staff_client("junior", "twofactor.reset_twofactor")
    response = desk.get(f"/admin/accounts/user/{root.pk}/two-factor-reset/")
    assert response.status_code == 302 and b'name="note"' not in response.content
    assert len(refusals(root)) == 1


def test_nobody_resets_their_own_second_factor_not_even_a_superuser(db):
    root, desk = staff_client("root", is_superuser=True)
    response = reset_page(desk, root)
    assert response.status_code == 302
    assert [d.method for d in state.devices_of(root)] == ["totp"]
    assert desk.get("/admin/").status_code == 200  # still signed in: nothing happened
    assert shown(response) == ["You cannot do this to your own account: ask another administrator."]
    assert refusals(root)[0]["reason"] == "self"


def test_staff_cannot_act_on_an_account_holding_a_permission_they_lack(db):
    editor = make_user("editor", is_staff=True)
    group = Group.objects.create(name="Editors")
    group.permissions.add(permission("auth.add_group"))  # held through a group: it counts the same
    editor.groups.add(group)
    add_totp(editor)
    _junior, desk = staff_client("junior", "twofactor.reset_twofactor", "accounts.view_user")
    response = run_action(desk, "/admin/accounts/user/", "reset_two_factor", [editor.pk], None)
    assert response.status_code == 302  # back to the list: no confirmation page
    assert [d.method for d in state.devices_of(editor)] == ["totp"]
    assert refusals(editor)[0]["reason"] == "permission"
    assert shown(response) == [
        "editor holds permissions you do not have: ask an administrator who has them to do this."
    ]


def test_a_list_action_goes_ahead_for_the_accounts_one_outranks_only(db):
    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    alice = make_user("alice")
    add_totp(alice)
    _junior, desk = staff_client("junior", "twofactor.reset_twofactor", "accounts.view_user")
    page = desk.post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [root.pk, alice.pk], "index": 0}
    )
    assert page.status_code == 200 and b"alice" in page.content and b"root &lt;" not in page.content
    run_action(desk, "/admin/accounts/user/", "reset_two_factor", [alice.pk], "Lost laptop.")
    assert state.devices_of(alice) == [] and [d.method for d in state.devices_of(root)] == ["totp"]


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_a_rescue_request_of_a_superuser_is_handled_by_a_superuser_only(db, action):
    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    rescue = file_request("root", "Lost my phone.")
    junior, desk = staff_client("junior", "twofactor.handle_rescuerequest")
    response = run_action(desk, RESCUES, action, [rescue.pk], None)
    assert response.status_code == 302
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open"
    assert [d.method for d in state.devices_of(root)] == ["totp"]
    assert refusals(root)[0] == {"action": action, "reason": "superuser", "actor": junior.pk, "actor_name": "junior"}

    _other_root, senior = staff_client("senior", is_superuser=True)
    run_action(senior, RESCUES, action, [rescue.pk], "Checked with a video call.")
    assert RescueRequest.objects.get(pk=rescue.pk).status == ("approved" if action == "approve" else "denied")


def test_a_superuser_resets_another_superuser_and_staff_reset_accounts_below_them(db):
    other_root = make_user("other", is_staff=True, is_superuser=True)
    add_totp(other_root)
    _root, senior = staff_client("root", is_superuser=True)
    reset_page(senior, other_root)
    assert state.devices_of(other_root) == []
    peer = make_user("peer", is_staff=True)
    peer.user_permissions.add(permission("twofactor.reset_twofactor"))  # holds nothing the actor lacks
    add_totp(peer)
    _junior, desk = staff_client("junior", "twofactor.reset_twofactor")
    reset_page(desk, peer)
    assert state.devices_of(peer) == [] and refusals(peer) == []


def test_the_operators_shell_command_may_reset_anyone(db):
    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    call_command("twofactor_reset", "root", "--no-input", stdout=None)
    assert state.devices_of(root) == [] and refusals(root) == []


def test_the_user_reads_the_refusal_in_the_security_activity(db):
    from twofactor.activity import describe

    root = make_user("root", is_staff=True, is_superuser=True)
    _junior, desk = staff_client("junior", "twofactor.reset_twofactor")
    reset_page(desk, root)
    event = SecurityEvent.objects.get(user=root, kind="staff_action_refused")
    assert describe(event) == (
        "A staff member without the rank for it tried to reset two-factor on this account: refused"
    )


def test_the_rule_lives_in_the_flows_not_in_the_admin_screens(db):
    from twofactor import flows

    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    junior = make_user("junior", is_staff=True)
    rescue = RescueRequest.objects.create(user=root, message="help")
    for attempt in (
        lambda: flows.reset_two_factor(root, actor=junior, note="x"),
        lambda: flows.reset_user(root, actor=junior),
        lambda: flows.approve_rescue_request(rescue, actor=junior),
        lambda: flows.deny_rescue_request(rescue, actor=junior),
    ):
        with pytest.raises(flows.TwoFactorError) as refused:
            attempt()
        assert refused.value.code == "outranked" and refused.value.status == 403
    assert [d.method for d in state.devices_of(root)] == ["totp"]
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open"
    assert len(refusals(root)) == 4


def test_staff_give_no_more_time_to_themselves_or_to_an_account_above_them(db):
    from datetime import timedelta

    from django.utils import timezone

    from twofactor.models import EnrolmentDeadline

    root = make_user("root", is_staff=True, is_superuser=True)
    member = make_user("member")
    junior, desk = staff_client("junior", "twofactor.change_enrolmentdeadline", "twofactor.view_enrolmentdeadline")
    soon = timezone.now() + timedelta(days=1)
    records = [EnrolmentDeadline.objects.create(user=user, deadline=soon) for user in (root, junior, member)]
    response = desk.post(
        "/admin/twofactor/enrolmentdeadline/",
        {"action": "extend", "_selected_action": [record.pk for record in records]},
    )
    assert response.status_code == 302
    moved = {record.user.username: EnrolmentDeadline.objects.get(pk=record.pk).deadline > soon for record in records}
    assert moved == {"root": False, "junior": False, "member": True}
    assert [refusal["action"] for refusal in refusals(root)] == ["extend"]
    assert [refusal["reason"] for refusal in refusals(junior)] == ["self"]
    assert (
        desk.get(f"/admin/twofactor/enrolmentdeadline/{records[1].pk}/change/").context["has_change_permission"]
        is False
    )
