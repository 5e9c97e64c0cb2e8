"""The rank rule on every admin page that changes an account (an outside review found it held only for the two-factor
reset and the rescue approval): over HTTP against a live gunicorn with the production settings (DEBUG off)."""

import base64
from importlib import import_module

import pyotp
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from tests.support.admin_forms import form_fields
from tests.support.live_server import Browser, LiveServer
from twofactor.methods.totp.models import TOTPDevice

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "owner-password-1234"


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_setup, django_db_blocker):
    """TWOFACTOR_REQUIRED=all behind one trusted proxy hop (a test plays clients at different addresses through
    X-Forwarded-For), with a host site's views guarded by step-up (tests/support/step_up_urls.py)."""
    with django_db_blocker.unblock():
        server = LiveServer(
            tmp_path_factory.mktemp("live-review"),
            TWOFACTOR_REQUIRED="all",
            TWOFACTOR_TRUSTED_PROXIES="1",
            TWOFACTOR_TEST_ROOT_URLCONF="tests.support.step_up_urls",
        )
    yield server
    server.stop()


@pytest.fixture
def own_site(tmp_path_factory, django_db_blocker):
    """A server of the test's own: one that writes admin log entries must not keep the content types a previous
    test's database held (each test starts with a flushed database, where they are made anew)."""
    with django_db_blocker.unblock():
        server = LiveServer(
            tmp_path_factory.mktemp("live-rank"), TWOFACTOR_REQUIRED="all", TWOFACTOR_TRUSTED_PROXIES="1"
        )
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _live_hasher(settings, site):
    settings.PASSWORD_HASHERS = ["tests.support.live_server.LiveServerHasher"]
    site.clear_outboxes()


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)


def add_totp(user, key: bytes = b"0123456789abcdefghij") -> pyotp.TOTP:
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    return pyotp.TOTP(base64.b32encode(key).decode())


def verified_browser(site: LiveServer, user, totp: pyotp.TOTP, address: str) -> Browser:
    browser = Browser(site, address)
    assert browser.login(user.get_username(), PASSWORD).json()["two_factor"]["state"] == "verify"
    verified = browser.api("POST", "/2fa/verify", {"code": totp.now()})
    assert verified.status_code == 200 and verified.json()["verified"] is True, verified.text
    return browser


def grant(user, *perms: str) -> None:
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def age_the_proofs(browser: Browser, seconds: int = 3600) -> None:
    """Make the session's last password and code proofs `seconds` old, as a session left open for a while."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=browser.http.cookies["sessionid"])
    stamps = store["twofactor_reauth"]
    store["twofactor_reauth"] = {name: moment - seconds for name, moment in stamps.items()}
    store.save()


def test_a_staff_member_who_may_change_users_cannot_make_themselves_a_superuser(site):
    """Rank: "nobody acts on their own account; staff never act on an account holding a permission they lack". The
    user admin's change form (Django's UserAdmin, unguarded) lets a junior with accounts.change_user tick their own
    is_superuser box, and from then on reset any superuser's two-factor."""
    junior = make_user("junior", is_staff=True)
    grant(junior, "accounts.view_user", "accounts.change_user")
    browser = verified_browser(site, junior, add_totp(junior), "198.51.100.40")
    url = f"/admin/accounts/user/{junior.pk}/change/"
    page = browser.get(url)
    assert page.status_code == 200
    fields = {**form_fields(page.text), "is_superuser": "on", "_save": "Save"}

    browser.post(url, fields)

    junior.refresh_from_db()
    assert not junior.is_superuser, "a junior staff member made themselves a superuser through the user admin"


def test_a_staff_member_who_may_change_users_cannot_set_a_superusers_password(site):
    """The user admin's "set password" page acts on any account: a junior with accounts.change_user sets the
    superuser's password (ending every session of theirs, revoking their trusted browsers, and the junior now knows
    it), where the reset and the rescue approval beside it refuse ("outranked")."""
    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    junior = make_user("junior", is_staff=True)
    grant(junior, "accounts.view_user", "accounts.change_user")
    browser = verified_browser(site, junior, add_totp(junior, b"abcdefghij0123456789"), "198.51.100.40")

    chosen = "junior-chose-this-77"
    browser.post(
        f"/admin/accounts/user/{root.pk}/password/",
        {"password1": chosen, "password2": chosen, "usable_password": "true"},
    )

    root.refresh_from_db()
    assert root.check_password(PASSWORD) and not root.check_password(chosen), "a junior set the superuser's password"


def test_setting_someone_elses_password_in_the_admin_asks_for_a_fresh_second_factor(site):
    """A staff session left open (an hour since its last code) cannot reset anyone's two-factor without a fresh
    factor, but sets their password (which signs them out everywhere and hands the password to whoever sits there)
    without one."""
    admin = make_user("boss", is_staff=True, is_superuser=True)
    browser = verified_browser(site, admin, add_totp(admin), "198.51.100.41")
    user = make_user("member")
    age_the_proofs(browser)

    chosen = "the-desk-chose-this-77"
    answer = browser.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": chosen, "password2": chosen, "usable_password": "true"},
    )

    user.refresh_from_db()
    assert user.check_password(PASSWORD), "a stale staff session set someone else's password"
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/2fa/confirm/")


def test_nobody_sets_their_own_password_through_the_admin(site):
    """Their own password goes through the guarded change page (current password, counted guesses)."""
    admin = make_user("boss", is_staff=True, is_superuser=True)
    browser = verified_browser(site, admin, add_totp(admin), "198.51.100.42")
    chosen = "no-current-password-77"
    browser.post(f"/admin/accounts/user/{admin.pk}/password/", {"password1": chosen, "password2": chosen})
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)


def test_staff_grant_no_permission_they_do_not_hold(own_site):
    site = own_site
    """A junior who may change users changes an account below them, but cannot hand it (or a group) what they lack."""
    junior = make_user("junior", is_staff=True)
    grant(junior, "accounts.view_user", "accounts.change_user", "auth.view_group", "auth.change_group")
    member = make_user("member")
    browser = verified_browser(site, junior, add_totp(junior), "198.51.100.43")
    url = f"/admin/accounts/user/{member.pk}/change/"
    delete_users = Permission.objects.get(content_type__app_label="accounts", codename="delete_user")
    fields = {**form_fields(browser.get(url).text), "user_permissions": [str(delete_users.pk)], "_save": "Save"}
    answer = browser.post(url, fields)
    assert answer.status_code == 200 and "You cannot grant what you do not hold yourself" in answer.text
    assert not member.user_permissions.exists()

    fields["first_name"] = "Renamed"
    del fields["user_permissions"]
    assert browser.post(url, fields).status_code == 302  # below the junior, within their rank: allowed
    member.refresh_from_db()
    assert member.first_name == "Renamed"

    group = Group.objects.create(name="Support")
    group_url = f"/admin/auth/group/{group.pk}/change/"
    answer = browser.post(group_url, {"name": "Support", "permissions": [str(delete_users.pk)], "_save": "Save"})
    assert "You cannot grant what you do not hold yourself" in answer.text
    assert not group.permissions.exists()


def test_staff_cannot_delete_an_account_above_them(site):
    root = make_user("root", is_staff=True, is_superuser=True)
    junior = make_user("junior", is_staff=True)
    grant(junior, "accounts.view_user", "accounts.delete_user")
    browser = verified_browser(site, junior, add_totp(junior), "198.51.100.44")
    browser.post(f"/admin/accounts/user/{root.pk}/delete/", {"post": "yes"})
    browser.post("/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"})
    assert get_user_model().objects.filter(pk=root.pk).exists()


def test_refusals_are_recorded_on_the_account(site):
    from twofactor.models import SecurityEvent

    root = make_user("root", is_staff=True, is_superuser=True)
    junior = make_user("junior", is_staff=True)
    grant(junior, "accounts.view_user", "accounts.change_user")
    browser = verified_browser(site, junior, add_totp(junior), "198.51.100.45")
    browser.post(
        f"/admin/accounts/user/{root.pk}/password/", {"password1": "x-77-long-pw", "password2": "x-77-long-pw"}
    )
    event = SecurityEvent.objects.get(user=root, kind=SecurityEvent.Kind.STAFF_ACTION_REFUSED)
    assert event.data["action"] == "set_password" and event.data["actor_name"] == "junior"
