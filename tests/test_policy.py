"""Who must use two-factor (twofactor.policy): all, staff, optional, a callable's dotted path, groups; and the
system checks that catch a policy that cannot work."""

import pytest
from django.contrib.auth.models import Group
from django.core.checks import run_checks
from django.test import Client

from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor import state
from twofactor.state import policy

pytestmark = pytest.mark.django_db


def requires_paid_plan(user) -> bool:
    """A site's own rule (TWOFACTOR_REQUIRED="tests.test_policy.requires_paid_plan")."""
    return user.username.startswith("paid")


NOT_CALLABLE = 42


def _check_ids() -> set[str]:
    return {message.id for message in run_checks() if message.id and message.id.startswith("twofactor.")}


@pytest.mark.parametrize(
    ("policy_setting", "staff", "expected"),
    [("all", False, True), ("staff", False, False), ("staff", True, True), ("optional", True, False)],
)
def test_the_three_words_keep_their_meaning(settings, policy_setting, staff, expected):
    settings.TWOFACTOR_REQUIRED = policy_setting
    assert policy.required_for(make_user(is_staff=staff)) is expected


def test_a_superuser_is_required_under_staff(settings):
    settings.TWOFACTOR_REQUIRED = "staff"
    assert policy.required_for(make_user(is_superuser=True))


def test_a_callable_decides_for_each_user(settings):
    settings.TWOFACTOR_REQUIRED = "tests.test_policy.requires_paid_plan"
    assert policy.required_for(make_user("paid-carol"))
    assert not policy.required_for(make_user("free-dave"))


def test_members_of_a_required_group_are_required_whatever_the_word(settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    settings.TWOFACTOR_REQUIRED_GROUPS = ["Finance"]
    finance = Group.objects.create(name="Finance")
    member, other = make_user("member"), make_user("other")
    member.groups.add(finance)
    assert policy.required_for(member)
    assert not policy.required_for(other)


def test_a_signed_in_user_who_joins_a_required_group_is_sent_to_set_up_at_the_next_request(settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    settings.TWOFACTOR_REQUIRED_GROUPS = ["Finance"]
    finance = Group.objects.create(name="Finance")
    user = make_user()
    client = Client()
    sign_in(client)
    assert client.get("/").status_code == 200
    user.groups.add(finance)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/2fa/setup/")


def test_a_user_who_stops_being_required_keeps_their_methods(settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    settings.TWOFACTOR_REQUIRED_GROUPS = ["Finance"]
    finance = Group.objects.create(name="Finance")
    user = make_user()
    user.groups.add(finance)
    device, _totp = add_totp(user)
    user.groups.remove(finance)
    client = Client()
    sign_in(client)
    assert state.devices_of(user) == [device]
    assert client.get("/")["Location"].startswith("/2fa/verify/")  # still asked for the method they have


def test_a_callable_that_cannot_be_imported_is_a_system_check_error(settings):
    settings.TWOFACTOR_REQUIRED = "myproject.policy.nowhere"
    messages = [message for message in run_checks() if message.id == "twofactor.E050"]
    assert messages and "cannot be imported" in messages[0].msg and messages[0].hint


def test_a_path_to_something_not_callable_is_a_system_check_error(settings):
    settings.TWOFACTOR_REQUIRED = "tests.test_policy.NOT_CALLABLE"
    assert "twofactor.E050" in _check_ids()


def test_a_word_that_is_not_a_policy_is_a_system_check_error(settings):
    settings.TWOFACTOR_REQUIRED = "everyone"
    assert "twofactor.E001" in _check_ids()


def test_a_valid_callable_passes_the_checks(settings):
    settings.TWOFACTOR_REQUIRED = "tests.test_policy.requires_paid_plan"
    assert not {"twofactor.E001", "twofactor.E050"} & _check_ids()


def test_a_required_group_that_does_not_exist_is_a_system_check_error(settings):
    Group.objects.create(name="Finance")
    settings.TWOFACTOR_REQUIRED_GROUPS = ["Finance", "Fiannce"]
    messages = [message for message in run_checks() if message.id == "twofactor.E051"]
    assert len(messages) == 1 and "'Fiannce'" in messages[0].msg and "Create the group" in messages[0].hint


@pytest.mark.parametrize("name", ["TWOFACTOR_GRACE_DAYS", "TWOFACTOR_STAFF_GRACE_DAYS"])
def test_negative_grace_days_are_a_system_check_error(settings, name):
    setattr(settings, name, -3)
    assert "twofactor.E052" in _check_ids()


@pytest.mark.parametrize("value", [[7, 0], [-1], "seven"])
def test_reminder_days_that_are_not_whole_days_before_the_deadline_are_a_system_check_error(settings, value):
    settings.TWOFACTOR_REMINDER_DAYS = value
    assert "twofactor.E053" in _check_ids()


def test_the_settings_read_from_the_environment_as_lists_and_numbers(settings):
    settings.TWOFACTOR_REQUIRED_GROUPS = "Finance, Support"
    settings.TWOFACTOR_REMINDER_DAYS = "1,7,3"
    from twofactor.app_settings import app_settings

    assert app_settings.REQUIRED_GROUPS == ["Finance", "Support"]
    assert app_settings.REMINDER_DAYS == [7, 3, 1]
