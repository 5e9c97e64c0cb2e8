"""twofactor.flows.manage through the JSON API and the pages: each refusal's exact answer, what each change ends
(sessions, remembered browsers) and what it records, including the request it came from."""

import time

import pytest
from django.contrib.auth.models import Group

from tests.support.api_client import ApiClient, error_of
from tests.support.devices import add_email, add_totp
from tests.support.users import PASSWORD, make_user
from twofactor import device_cookie
from twofactor.device_cookie import COOKIE_NAME
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import SecurityEvent, TrustedBrowser, UserSession

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
CLIENT_ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR


def next_step(totp) -> str:
    return totp.at(time.time() + 30)


def signed_in(user, totp, *, code: str | None = None, remember: bool = False) -> ApiClient:
    api = ApiClient(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    api.login(user.get_username(), PASSWORD)
    api.verify(code or totp.now(), **({"remember": True} if remember else {}))
    return api


def reauthenticated(api: ApiClient, totp) -> ApiClient:
    answer = api.post("/reauthenticate", {"password": PASSWORD, "code": next_step(totp), "method": "totp"})
    assert answer.status_code == 200, answer.content
    return answer


def recorded(event: SecurityEvent) -> None:
    """The event names the request it came from: the client's address and browser."""
    assert event.ip == CLIENT_ADDRESS and "Firefox" in event.user_agent, (event.ip, event.user_agent)


# Removing one method


def test_removing_a_method_one_does_not_use_is_a_404_that_says_so(totp_user):
    user, _device, totp = totp_user
    api = signed_in(user, totp)
    error = error_of(api.delete("/2fa/devices/sms", {}), 404, "not_found")
    assert error["message"] == "You do not use that method."


def test_the_last_method_stays_where_the_site_requires_one_with_a_409_that_says_why(totp_user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    settings.TWOFACTOR_REQUIRED_GROUPS = ["Finance"]
    user, _device, totp = totp_user
    user.groups.add(Group.objects.create(name="Finance"))
    api = signed_in(user, totp)
    error = error_of(api.delete("/2fa/devices/totp", {}), 409, "conflict")
    assert (
        error["message"] == "This site requires two-factor authentication: add another method before removing this one."
    )
    assert TOTPDevice.objects.filter(user=user).exists()


def test_a_staff_member_keeps_a_staff_method_with_a_409_that_names_them(settings):
    settings.TWOFACTOR_STAFF_METHODS = ["totp"]
    staff = make_user("helper", is_staff=True)
    _device, totp = add_totp(staff)
    add_email(staff)
    api = signed_in(staff, totp)
    error = error_of(api.delete("/2fa/devices/totp", {}), 409, "conflict")
    assert error["message"].startswith("Staff accounts keep one of these: ")
    assert error["message"].endswith(". Add another before removing this one.")
    assert TOTPDevice.objects.filter(user=staff).exists()


def test_removing_a_method_forgets_the_remembered_browsers_and_records_the_request(totp_user):
    user, _device, totp = totp_user
    add_email(user)
    remembered = signed_in(user, totp, remember=True)
    assert TrustedBrowser.objects.filter(user=user).count() == 1
    api = signed_in(user, totp, code=next_step(totp))
    assert api.delete("/2fa/devices/email", {}).status_code == 200
    assert not TrustedBrowser.objects.filter(user=user).exists()
    forgotten = SecurityEvent.objects.get(user=user, kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert forgotten.data["reason"] == "method_removed"
    recorded(forgotten)
    removed = SecurityEvent.objects.get(user=user, kind=Kind.METHOD_REMOVED)
    assert removed.data["method"] == "email" and removed.data["sessions_ended"] == 0
    recorded(removed)
    assert remembered.get("/session").json()["verified"] is True  # its session was the app's, not the email's


def test_removing_the_last_method_on_an_optional_site_leaves_a_session_without_two_factor(totp_user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    user, _device, totp = totp_user
    api = signed_in(user, totp)
    assert api.delete("/2fa/devices/totp", {}).status_code == 200
    session = api.get("/session").json()
    assert session["authenticated"] is True and session["two_factor"]["state"] == "none"
    assert api.django.session["twofactor"]["state"] == "none"  # the sign-in record itself, not only the answer


# Turning two-factor off


def test_turning_off_forgets_the_remembered_browsers_for_the_removed_methods_and_records_the_request(
    client, totp_user, settings
):
    settings.TWOFACTOR_REQUIRED = "optional"
    user, _device, totp = totp_user
    signed_in(user, totp, remember=True)
    client.post("/accounts/login/", {"username": user.get_username(), "password": PASSWORD})
    client.post(
        "/2fa/verify/", {"code": next_step(totp)}, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
    )
    answer = client.post("/2fa/turn-off/", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    assert answer.status_code == 302 and answer.url == "/2fa/"
    assert not TrustedBrowser.objects.filter(user=user).exists()
    forgotten = SecurityEvent.objects.get(user=user, kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert forgotten.data["reason"] == "method_removed"
    recorded(forgotten)


def test_turning_off_where_it_is_required_says_so(client, totp_user):
    user, _device, totp = totp_user
    client.post("/accounts/login/", {"username": user.get_username(), "password": PASSWORD})
    client.post("/2fa/verify/", {"code": totp.now()})
    page = client.post("/2fa/turn-off/", follow=True)
    assert [str(message) for message in page.context["messages"]] == ["This site requires two-factor authentication."]


# A new set of backup codes


def test_the_owner_signed_in_with_a_backup_code_keeps_their_session_when_making_a_new_set(totp_user):
    """Phone lost, signed in with a backup code: the new set ends the other such sessions, not the owner's own, and
    forgets only the browsers a backup code made trusted."""
    user, _device, totp = totp_user
    codes = replace_backup_codes(user)
    by_app = signed_in(user, totp, remember=True)  # a browser the app made trusted
    other = signed_in(user, totp, code=codes[0], remember=True)  # one a backup code made trusted
    owner = signed_in(user, totp, code=codes[1])
    answer = owner.post("/reauthenticate", {"password": PASSWORD, "code": codes[2]})
    assert answer.status_code == 200, answer.content
    assert owner.post("/2fa/backup-codes", {}).status_code == 200

    assert owner.get("/session").json()["verified"] is True
    assert other.get("/session").json()["authenticated"] is False
    assert by_app.get("/session").json()["verified"] is True
    assert list(TrustedBrowser.objects.filter(user=user).values_list("method", flat=True)) == ["totp"]
    forgotten = SecurityEvent.objects.get(user=user, kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert forgotten.data == {**forgotten.data, "count": 1, "reason": "backup_codes_replaced"}
    recorded(forgotten)


# A password change keeps this session verified, listed and known


def test_after_changing_the_password_this_browser_stays_known_under_the_new_password(client, totp_user):
    user, _device, totp = totp_user
    client.post("/accounts/login/", {"username": user.get_username(), "password": PASSWORD})
    client.post("/2fa/verify/", {"code": totp.now()})
    new = "a-brand-new-password-5"
    answer = client.post(
        "/accounts/password/change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert answer.status_code == 302
    user.refresh_from_db()
    request = type("Request", (), {"COOKIES": {COOKIE_NAME: client.cookies[COOKIE_NAME].value}})()
    assert device_cookie.known_device(request, user.pk) is not None  # renewed under the new password
    [record] = UserSession.objects.filter(user=user)
    assert record.session_key == client.session.session_key
    assert record.device_id == TOTPDevice.objects.get(user=user).persistent_id and record.verified_at is not None


# Staff: the step up before acting on others


def test_the_staff_step_up_lasts_the_re_authentication_time_the_site_sets(settings):
    from twofactor import flows

    settings.TWOFACTOR_REAUTH_SECONDS = 900
    staff = make_user("helper", is_staff=True, is_superuser=True)
    _device, totp = add_totp(staff)
    api = signed_in(staff, totp)
    session = api.django.session
    stamps = session["twofactor_reauth"]
    session["twofactor_reauth"] = {name: moment - 600 for name, moment in stamps.items()}  # 10 minutes ago
    session.save()
    request = type("Request", (), {"session": api.django.session, "user": staff})()
    flows.manage.require_staff_step_up(staff, request)  # within 15 minutes: no step up asked
    settings.TWOFACTOR_REAUTH_SECONDS = 300
    with pytest.raises(flows.TwoFactorError):
        flows.manage.require_staff_step_up(staff, request)


def test_after_changing_the_password_a_session_without_two_factor_is_not_listed_as_verified(client, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    user = make_user("plain")
    client.post("/accounts/login/", {"username": "plain", "password": PASSWORD})
    new = "a-brand-new-password-5"
    answer = client.post(
        "/accounts/password/change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert answer.status_code == 302
    [record] = UserSession.objects.filter(user=user)
    assert record.session_key == client.session.session_key
    assert record.verified_at is None and record.device_id == ""


# Staff: the reset


def test_a_reset_records_who_did_it_what_went_and_the_request(settings):
    from tests.test_admin import staff_client

    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    user = make_user("member")
    _device, totp = add_totp(user)
    replace_backup_codes(user)
    signed_in(user, totp, remember=True)
    _root, desk = staff_client("root", is_superuser=True)
    answer = desk.post(f"/admin/accounts/user/{user.pk}/two-factor-reset/", {"confirmed": "yes", "note": "Lost it."})
    assert answer.status_code == 302

    reset = SecurityEvent.objects.get(user=user, kind=Kind.RESET)
    assert (
        reset.data["actor_name"] == "root" and reset.data["methods_removed"] == 2 and reset.data["note"] == "Lost it."
    )
    assert reset.ip == CLIENT_ADDRESS
    forgotten = SecurityEvent.objects.get(user=user, kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert forgotten.data["reason"] == "reset" and forgotten.ip == CLIENT_ADDRESS


def test_a_reset_from_the_shell_names_no_staff_member():
    from twofactor import flows

    user = make_user("member")
    add_totp(user)
    assert flows.reset_two_factor(user, note="From the shell.") == 1
    reset = SecurityEvent.objects.get(user=user, kind=Kind.RESET)
    assert reset.data["actor_name"] == "" and reset.data["actor"] is None and reset.data["methods_removed"] == 1


def test_a_refused_reset_is_recorded_with_the_action_and_the_request(settings):
    from tests.test_admin import staff_client

    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    _junior, desk = staff_client("junior", "twofactor.reset_twofactor", "accounts.view_user")
    desk.post(f"/admin/accounts/user/{root.pk}/two-factor-reset/", {"confirmed": "yes", "note": "x"})
    refused = SecurityEvent.objects.get(user=root, kind=Kind.STAFF_ACTION_REFUSED)
    assert refused.data["action"] == "reset" and refused.data["actor_name"] == "junior"
    assert refused.ip == CLIENT_ADDRESS
    assert TOTPDevice.objects.filter(user=root).exists()


def test_a_password_set_by_staff_forgets_the_browsers_naming_the_staff_member_and_the_request(settings):
    from tests.test_admin import staff_client

    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    user = make_user("member")
    _device, totp = add_totp(user)
    signed_in(user, totp, remember=True)
    root, desk = staff_client("root", is_superuser=True)
    chosen = "the-desk-chose-this-77"
    answer = desk.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": chosen, "password2": chosen, "usable_password": "true"},
    )
    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.check_password(chosen)
    forgotten = SecurityEvent.objects.get(user=user, kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert forgotten.data["reason"] == "password_changed" and forgotten.data["actor"] == root.pk
    assert forgotten.ip == CLIENT_ADDRESS


def test_a_password_change_in_a_grace_period_makes_the_browser_known_no_more_than_the_sign_in_did(client, settings):
    """A grace session is no completed sign-in (the site requires a method the user has not set up): neither the
    sign-in nor a password change in it marks the browser as known."""
    settings.TWOFACTOR_REQUIRED = "all"
    settings.TWOFACTOR_GRACE_DAYS = 14
    make_user("late")
    client.post("/accounts/login/", {"username": "late", "password": PASSWORD})
    assert client.session["twofactor"]["state"] == "grace" and COOKIE_NAME not in client.cookies
    new = "a-brand-new-password-5"
    answer = client.post(
        "/accounts/password/change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert answer.status_code == 302
    assert COOKIE_NAME not in client.cookies


def test_the_reset_flow_itself_refuses_an_actor_who_does_not_outrank_the_user(rf):
    """flows.reset_user is public: a project's own view calling it meets the rank rule too, recorded with the
    request it came from."""
    from twofactor import flows

    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    junior = make_user("junior", is_staff=True)
    request = rf.post("/desk/reset/", REMOTE_ADDR="198.51.100.7")
    request.user = junior
    with pytest.raises(flows.TwoFactorError) as refused:
        flows.reset_user(root, actor=junior, request=request, note="x")
    assert refused.value.code == "outranked"
    event = SecurityEvent.objects.get(user=root, kind=Kind.STAFF_ACTION_REFUSED)
    assert event.data["action"] == "reset" and event.ip == "198.51.100.7"
    assert TOTPDevice.objects.filter(user=root).exists()
