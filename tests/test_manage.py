"""The user's two-factor page: removing methods, turning two-factor off, ending sessions."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.support.api_client import last_emailed_code
from tests.support.users import PASSWORD, sign_in
from twofactor.methods.backup.models import BackupCodeDevice
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import SecurityEvent, UserSession


def next_step_code(totp) -> str:
    """A code of the next time step: accepted (tolerance one step) though this step's code is spent."""
    return totp.at(time.time() + 30)


def make_stale(client):
    session = client.session
    session["twofactor_reauth"] = {"password_at": 0, "code_at": 0}
    session.save()


def test_overview_lists_methods_without_secrets(verified_client, totp_user):
    _user, device, totp = totp_user
    page = verified_client.get("/2fa/").content.decode()
    assert "Authenticator app" in page
    assert device.encrypted_key not in page and totp.secret not in page


def test_removing_a_method_needs_a_fresh_password_and_code(verified_client, totp_user):
    user, device, totp = totp_user
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    make_stale(verified_client)
    response = verified_client.post("/2fa/methods/totp/remove/")
    assert response.url.startswith("/2fa/reauthenticate/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    response = verified_client.post(response.url, {"password": "wrong-password", "code": "123456", "method": "totp"})
    assert response.status_code == 400 and "not correct" in response.content.decode()
    verified_client.post("/2fa/reauthenticate/", {"password": PASSWORD, "code": next_step_code(totp), "method": "totp"})
    response = verified_client.post("/2fa/methods/totp/remove/")
    assert response.url == "/2fa/"
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert SecurityEvent.objects.filter(user=user, kind="method_removed").exists()


@pytest.mark.parametrize("stamps", [{"code_at": 0}, {}], ids=["stale code", "no code"])
def test_a_fresh_password_without_a_fresh_code_is_not_enough_to_remove_a_method(verified_client, totp_user, stamps):
    """Re-authentication needs both: a fresh password alone (a remembered browser's sign-in) does not do."""
    user, device, _totp = totp_user
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    session = verified_client.session
    session["twofactor_reauth"] = {"password_at": time.time(), **stamps}
    session.save()
    response = verified_client.post("/2fa/methods/totp/remove/")
    assert response.status_code == 302 and response.url.startswith("/2fa/reauthenticate/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    response = verified_client.post("/2fa/backup-codes/")
    assert response.status_code == 302 and response.url.startswith("/2fa/reauthenticate/")
    assert not BackupCodeDevice.objects.filter(user=user).exists()


def test_reauthentication_refuses_even_the_right_password_after_repeated_wrong_ones(
    verified_client, totp_user, settings
):
    """Re-authentication shares the sign-in's password throttle: guessing there is no way around it."""
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 3
    user, device, totp = totp_user
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    make_stale(verified_client)
    for _attempt in range(6):  # the browser is known: 3 of its own budget, then 3 of its address's
        response = verified_client.post(
            "/2fa/reauthenticate/", {"password": "wrong-password", "code": "123456", "method": "totp"}
        )
        assert response.status_code in (400, 429)
    response = verified_client.post(
        "/2fa/reauthenticate/", {"password": PASSWORD, "code": next_step_code(totp), "method": "totp"}
    )
    assert response.status_code == 429
    assert "Try again in" in response.content.decode()
    assert verified_client.post("/2fa/methods/totp/remove/").url.startswith("/2fa/reauthenticate/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_reauthentication_rotates_the_session_key_and_keeps_the_session_listed(
    verified_client, totp_user, client_factory
):
    user, _device, totp = totp_user
    old_key = verified_client.session.session_key
    response = verified_client.post(
        "/2fa/reauthenticate/", {"password": PASSWORD, "code": next_step_code(totp), "method": "totp"}
    )
    assert response.status_code == 302
    new_key = verified_client.session.session_key
    assert new_key != old_key
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [new_key]
    # The key from before the step up opens nothing any more.
    replay = client_factory()
    replay.cookies["sessionid"] = old_key
    assert replay.get("/2fa/").status_code == 302
    assert verified_client.get("/2fa/").status_code == 200


def test_the_last_method_cannot_be_removed_while_the_site_requires_one(verified_client, totp_user):
    user, device, _totp = totp_user
    response = verified_client.post("/2fa/methods/totp/remove/", follow=True)
    assert "requires two-factor" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_removing_the_last_method_on_an_optional_site_turns_two_factor_off(verified_client, totp_user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    user, _device, _totp = totp_user
    BackupCodeDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    assert verified_client.post("/2fa/methods/totp/remove/").url == "/2fa/"
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not BackupCodeDevice.objects.filter(user=user).exists()
    assert verified_client.get("/").status_code == 200


def test_turn_off_is_refused_where_two_factor_is_required(verified_client, totp_user):
    user, _device, _totp = totp_user
    verified_client.post("/2fa/turn-off/")
    assert TOTPDevice.objects.filter(user=user).exists()


def test_turn_off_on_an_optional_site_removes_everything(verified_client, totp_user, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    user, _device, _totp = totp_user
    assert verified_client.post("/2fa/turn-off/").url == "/2fa/"
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_removing_an_unknown_method_is_a_clear_error(verified_client):
    response = verified_client.post("/2fa/methods/fax/remove/", follow=True)
    assert response.status_code == 200
    assert "do not use that method" in response.content.decode()


def test_sign_out_another_session_ends_it_now(verified_client, totp_user, client_factory):
    user, _device, totp = totp_user
    other = client_factory()
    sign_in(other)
    record = UserSession.objects.get(session_key=other.session.session_key)
    page = verified_client.get("/2fa/").content.decode()
    assert "Sign out this session" in page
    verified_client.post(f"/2fa/sessions/{record.pk}/end/")
    assert other.get("/").url.startswith("/accounts/login/")
    assert verified_client.get("/").status_code == 200


def test_a_session_whose_expiry_moved_on_stays_listed_and_is_still_signed_out(
    verified_client, totp_user, client_factory
):
    """Django pushes a session's expiry back whenever it is saved; its row must not be forgotten before it ends."""
    user, _device, totp = totp_user
    other = client_factory()
    sign_in(other)
    assert other.post("/2fa/verify/", {"code": next_step_code(totp)}).status_code == 302
    record = UserSession.objects.get(session_key=other.session.session_key)
    UserSession.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(days=1))

    page = verified_client.get("/2fa/").content.decode()
    assert page.count("Sign out this session") == 1
    assert UserSession.objects.get(pk=record.pk).expires_at > timezone.now()
    verified_client.post("/2fa/sessions/end-others/")
    assert other.get("/").url.startswith("/accounts/login/")


def test_the_list_forgets_sessions_that_ended(verified_client, totp_user, client_factory):
    other = client_factory()
    sign_in(other)
    key = other.session.session_key
    UserSession.objects.filter(session_key=key).update(expires_at=timezone.now() - timedelta(seconds=1))
    Session.objects.filter(session_key=key).delete()  # expired and cleared by clearsessions
    verified_client.get("/2fa/")
    assert not UserSession.objects.filter(session_key=key).exists()


def test_a_user_cannot_end_someone_elses_session(verified_client, client_factory, db):
    from tests.support.users import make_user

    make_user("mallory")
    victim = client_factory()
    sign_in(victim, "mallory")
    record = UserSession.objects.get(session_key=victim.session.session_key)
    verified_client.post(f"/2fa/sessions/{record.pk}/end/")
    assert UserSession.objects.filter(pk=record.pk).exists()
    assert victim.session.get("_auth_user_id") == str(record.user_id)


def test_sign_out_everywhere_else(verified_client, totp_user, client_factory):
    others = [client_factory() for _ in range(3)]
    for other in others:
        sign_in(other)
    verified_client.post("/2fa/sessions/end-others/")
    for other in others:
        assert other.get("/").url.startswith("/accounts/login/")
    assert verified_client.get("/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/2fa/methods/totp/remove/", "/2fa/sessions/end-others/", "/2fa/backup-codes/", "/2fa/turn-off/"]
)
def test_management_actions_are_csrf_protected(verified_client, totp_user, path):
    from django.conf import settings
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies[settings.SESSION_COOKIE_NAME] = verified_client.cookies[settings.SESSION_COOKIE_NAME].value
    assert strict.get("/2fa/").status_code == 200  # the same, verified session
    assert strict.post(path).status_code == 403
    assert TOTPDevice.objects.filter(user=totp_user[0]).exists()


# Turning two-factor off and ending sessions: each guard and each record, held by a test of its own.


def _signed_in_elsewhere(client_factory, totp, verify: bool = True):
    other = client_factory()
    sign_in(other)
    if verify:
        assert other.post("/2fa/verify/", {"code": next_step_code(totp)}).status_code == 302
    return other


def test_turning_off_ends_the_other_sessions_its_methods_verified_and_records_each_method(
    verified_client, totp_user, client_factory, settings
):
    settings.TWOFACTOR_REQUIRED = "optional"
    user, _device, totp = totp_user
    BackupCodeDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    other = _signed_in_elsewhere(client_factory, totp)
    response = verified_client.post("/2fa/turn-off/", follow=True)
    assert "Two-factor authentication is off." in response.content.decode()
    assert other.get("/").url.startswith("/accounts/login/")
    assert verified_client.get("/").status_code == 200
    removed = SecurityEvent.objects.filter(user=user, kind="method_removed")
    assert [(event.data.get("method"), event.ip) for event in removed] == [("totp", "127.0.0.1")]


def test_turning_off_is_refused_to_staff_where_staff_must_use_two_factor(client, settings, db):
    from tests.support.devices import add_totp
    from tests.support.users import make_user

    settings.TWOFACTOR_REQUIRED = "staff"
    staff = make_user("alice", is_staff=True)
    _device, totp = add_totp(staff)
    sign_in(client)
    client.post("/2fa/verify/", {"code": totp.now()})
    response = client.post("/2fa/turn-off/", follow=True)
    assert "This site requires two-factor authentication." in response.content.decode()
    assert TOTPDevice.objects.filter(user=staff).exists()


def test_signing_out_one_session_ends_that_one_only(verified_client, totp_user, client_factory):
    user, _device, totp = totp_user
    first = _signed_in_elsewhere(client_factory, totp, verify=False)
    second = _signed_in_elsewhere(client_factory, totp, verify=False)
    record = UserSession.objects.get(session_key=first.session.session_key)
    response = verified_client.post(f"/2fa/sessions/{record.pk}/end/", follow=True)
    assert "That session was signed out." in response.content.decode()
    assert first.get("/").url.startswith("/accounts/login/")
    assert second.get("/").url.startswith("/2fa/verify/")  # still signed in, at its second step
    ended = SecurityEvent.objects.get(user=user, kind="session_ended")
    assert ended.data == {"count": 1} and ended.ip == "127.0.0.1"


def test_signing_out_a_session_that_ended_already_or_this_one_says_so(verified_client, totp_user, client_factory):
    _user, _device, totp = totp_user
    other = _signed_in_elsewhere(client_factory, totp, verify=False)
    record = UserSession.objects.get(session_key=other.session.session_key)
    verified_client.post(f"/2fa/sessions/{record.pk}/end/", follow=True)
    response = verified_client.post(f"/2fa/sessions/{record.pk}/end/", follow=True)
    assert [str(message) for message in response.context["messages"]] == ["That session is already signed out."]
    this = UserSession.objects.get(session_key=verified_client.session.session_key)
    response = verified_client.post(f"/2fa/sessions/{this.pk}/end/", follow=True)
    assert [str(message) for message in response.context["messages"]] == ["That session is already signed out."]
    assert verified_client.get("/").status_code == 200


def test_signing_out_everywhere_else_is_recorded_with_the_count(verified_client, totp_user, client_factory):
    user, _device, totp = totp_user
    for _other in range(2):
        _signed_in_elsewhere(client_factory, totp, verify=False)
    response = verified_client.post("/2fa/sessions/end-others/", follow=True)
    assert "Signed out 2 other sessions." in response.content.decode()
    ended = SecurityEvent.objects.get(user=user, kind="session_ended")
    assert ended.data == {"count": 2} and ended.ip == "127.0.0.1"


def test_after_a_password_change_this_session_stays_the_only_one_listed_and_still_revocable(
    verified_client, totp_user, client_factory
):
    """The session that changed the password keeps its record under its new key, with the method that
    verified it, so removing that method elsewhere still ends it; the other sessions are gone from the list."""
    user, _device, totp = totp_user
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    _signed_in_elsewhere(client_factory, totp, verify=False)
    new_password = PASSWORD + "-new"
    response = verified_client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        verified_client.session.session_key
    ]
    changed = SecurityEvent.objects.get(user=user, kind="password_changed")
    assert changed.ip == "127.0.0.1"

    other = client_factory()
    sign_in(other, password=new_password)
    assert other.post("/2fa/verify/", {"code": next_step_code(totp)}).status_code == 302
    assert other.post("/2fa/methods/totp/remove/").url == "/2fa/"
    assert verified_client.get("/").url.startswith("/accounts/login/")


def test_wrong_passwords_at_re_authentication_spend_the_password_budget_of_this_browser_and_account(
    verified_client, totp_user, settings
):
    """Re-authentication counts in the sign-in page's budget for this account from this browser (its device
    cookie): a thief holding the session cannot guess there, then sign out and sign in with a fresh budget."""
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_IP = 100
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 100
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 3
    make_stale(verified_client)
    for _attempt in range(6):  # the browser's own budget (3 a day), then its address's (3): both spent
        verified_client.post("/2fa/reauthenticate/", {"password": "wrong-password", "code": "123456"})
    verified_client.post("/accounts/logout/")
    response = verified_client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429


def test_re_authentication_checks_the_code_against_the_method_chosen_not_the_one_signed_in_with(
    verified_client, totp_user, settings
):
    """Signed in with the authenticator app, the user re-authenticates with a code sent by email."""
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    user, device, _totp = totp_user
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    make_stale(verified_client)
    verified_client.post("/2fa/reauthenticate/", {"action": "send", "method": "email"})
    response = verified_client.post(
        "/2fa/reauthenticate/", {"password": PASSWORD, "code": last_emailed_code(), "method": "email"}
    )
    assert response.status_code == 302 and response.url == "/2fa/"
    assert verified_client.post("/2fa/methods/totp/remove/").url == "/2fa/"
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


def test_listing_sessions_touches_only_this_users_rows_past_their_expiry_hint(
    verified_client, totp_user, client_factory
):
    """The list refreshes the expiry hint of this user's rows that passed it, and nothing else: not a row whose
    hint is still ahead, not another user's row (which its owner's own list will tidy)."""
    from tests.support.users import make_user

    user, _device, _totp = totp_user
    make_user("mallory")
    other = client_factory()
    sign_in(other, "mallory")
    theirs = UserSession.objects.get(session_key=other.session.session_key)
    Session.objects.filter(session_key=theirs.session_key).delete()
    UserSession.objects.filter(pk=theirs.pk).update(expires_at=timezone.now() - timedelta(days=1))
    mine = UserSession.objects.get(user=user)
    ahead = timezone.now() + timedelta(hours=1)
    UserSession.objects.filter(pk=mine.pk).update(expires_at=ahead)

    assert verified_client.get("/2fa/").status_code == 200
    assert UserSession.objects.get(pk=mine.pk).expires_at == ahead
    assert UserSession.objects.filter(pk=theirs.pk).exists()


def test_the_method_offered_first_is_the_one_used_last(verified_client, totp_user):
    """Of several methods used before, the sign-in offers first the one used most recently."""
    from twofactor import state

    user, device, _totp = totp_user
    email = EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now() - timedelta(days=2))
    EmailDevice.objects.filter(pk=email.pk).update(last_used_at=timezone.now() - timedelta(days=1))
    assert state.primary_device(state.devices_of(user)).method == "email"
    TOTPDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
    assert state.primary_device(state.devices_of(user)).method == "totp"


def test_a_session_that_re_authenticated_still_ends_when_the_method_that_verified_it_is_removed(
    verified_client, totp_user, client_factory, settings
):
    """Re-authenticating keeps the record of which method verified the session: removing that method from another
    session still signs this one out."""
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    user, device, totp = totp_user
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    make_stale(verified_client)
    response = verified_client.post(
        "/2fa/reauthenticate/", {"password": PASSWORD, "code": next_step_code(totp), "method": "totp"}
    )
    assert response.status_code == 302
    other = client_factory()
    sign_in(other)
    other.post("/2fa/verify/", {"action": "use", "method": "email"})
    other.post("/2fa/verify/", {"action": "send"})
    assert other.post("/2fa/verify/", {"code": last_emailed_code(), "method": "email"}).status_code == 302
    assert other.post("/2fa/methods/totp/remove/").url == "/2fa/"
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert verified_client.get("/").url.startswith("/accounts/login/")


def test_the_list_of_sessions_records_each_sessions_address_and_browser(client, totp_user):
    user, _device, totp = totp_user
    client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        HTTP_USER_AGENT="Mozilla/5.0 (X11) Firefox/140.0",
    )
    record = UserSession.objects.get(user=user)
    assert (record.ip, record.user_agent) == ("127.0.0.1", "Mozilla/5.0 (X11) Firefox/140.0")


@pytest.mark.parametrize("what", ["one", "others"])
def test_signing_out_other_sessions_needs_a_fresh_password_and_code(verified_client, totp_user, client_factory, what):
    other = client_factory()
    sign_in(other)
    record = UserSession.objects.get(session_key=other.session.session_key)
    make_stale(verified_client)
    path = f"/2fa/sessions/{record.pk}/end/" if what == "one" else "/2fa/sessions/end-others/"
    response = verified_client.post(path)
    assert response.status_code == 302 and response.url.startswith("/2fa/reauthenticate/")
    assert UserSession.objects.filter(pk=record.pk).exists()
    assert other.get("/2fa/verify/").status_code == 200  # still signed in, its second step still pending
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SESSION_ENDED).exists()
