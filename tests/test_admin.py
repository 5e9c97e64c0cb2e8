"""The staff side, driven through the admin's own views: rescue requests, users' methods, resets."""

import base64

import pyotp
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor import state
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.models import RescueRequest, SecurityEvent

Kind = SecurityEvent.Kind
RESCUES = "/admin/twofactor/rescuerequest/"
HTML_MESSAGE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.TWOFACTOR_RESCUE_EMAIL = ["helpdesk@example.com"]
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"


def staff_client(username: str, *perms: str, verified: bool = True, **extra) -> tuple:
    """(staff user, client) with these twofactor/accounts permissions, signed in (both steps unless told)."""
    staff = make_user(username, is_staff=True, **extra)
    for perm in perms:
        app_label, codename = perm.split(".")
        staff.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    _device, totp = add_totp(staff)
    client = Client()
    sign_in(client, username)
    if verified:
        assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return staff, client


def verified_user(username: str = "alice"):
    """(user, pyotp generator, verified client)."""
    user = make_user(username)
    device, totp = add_totp(user)
    client = Client()
    sign_in(client, username)
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return user, device, client


def file_request(username: str, message: str) -> RescueRequest:
    client = Client()
    sign_in(client, username)
    assert client.post("/2fa/rescue/", {"action": "help", "message": message}).status_code == 302
    return RescueRequest.objects.get(user__username=username, status="open")


def run_action(client, changelist: str, action: str, pks: list, note: str | None):
    """Post an admin list action; with a note, also confirm it on the intermediate page."""
    page = client.post(changelist, {"action": action, "_selected_action": pks, "index": 0})
    if note is None:
        return page
    assert page.status_code == 200 and b'name="note"' in page.content, page.content[:500]
    return client.post(changelist, {"action": action, "_selected_action": pks, "confirmed": "yes", "note": note})


def signed_out(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# The whole rescue


def test_lost_device_rescue_request_approved_in_the_admin_then_a_new_method(db):
    user, device, old_client = verified_user()
    secret_key = base64.b32encode(device.key).decode()
    mail.outbox.clear()
    # Lost device: the password works, the second step cannot be passed; the user asks for help.
    lost = Client()
    sign_in(lost)
    assert lost.get("/").status_code == 302  # stuck at the second step
    response = lost.post("/2fa/rescue/", {"action": "help", "message": "Lost my phone; call +1 555 0100"})
    assert response.status_code == 302
    rescue = RescueRequest.objects.get(user=user)
    assert any(m.to == ["helpdesk@example.com"] for m in mail.outbox)
    mail.outbox.clear()

    staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")
    listing = desk.get(RESCUES)
    assert listing.status_code == 200 and b"alice" in listing.content
    assert b"helpdesk@example.com" in listing.content  # where requests are mailed is shown to staff
    assert desk.get(f"{RESCUES}{rescue.pk}/change/").status_code == 200

    confirmation = desk.post(RESCUES, {"action": "approve", "_selected_action": [rescue.pk], "index": 0})
    assert confirmation.status_code == 200 and b'name="note"' in confirmation.content
    missing_note = desk.post(
        RESCUES, {"action": "approve", "_selected_action": [rescue.pk], "confirmed": "yes", "note": ""}
    )
    assert missing_note.status_code == 200 and b"Write a note" in missing_note.content
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open"
    done = desk.post(
        RESCUES,
        {
            "action": "approve",
            "_selected_action": [rescue.pk],
            "confirmed": "yes",
            "note": "Called the number on file; it was her.",
        },
    )
    assert done.status_code == 302

    rescue.refresh_from_db()
    assert rescue.status == RescueRequest.Status.APPROVED
    assert LogEntry.objects.filter(object_id=str(rescue.pk), user=staff).exists()  # the admin's own history too
    assert rescue.handled_by == staff and rescue.handled_at and rescue.staff_note.startswith("Called")
    assert state.devices_of(user) == []
    handled = SecurityEvent.objects.get(user=user, kind=Kind.RESCUE_HANDLED)
    assert handled.data["status"] == "approved" and handled.data["actor"] == staff.pk
    reset = SecurityEvent.objects.get(user=user, kind=Kind.RESET)
    assert reset.data["actor"] == staff.pk and reset.data["note"] == rescue.staff_note
    # The user is told, once, in a mail that names the reset and no secret.
    [notice] = mail.outbox
    assert notice.to == [user.email]
    assert "approved your request" in notice.body and "reset two-factor authentication" in notice.body
    assert secret_key not in notice.body and rescue.staff_note not in notice.body

    # The old sessions are dead: the verified one and the pending one.
    assert signed_out(old_client)
    assert signed_out(lost)
    # The next sign-in must enrol a new method before anything else.
    fresh = Client()
    sign_in(fresh)
    assert fresh.session["twofactor"]["state"] == state.SETUP
    response = fresh.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/2fa/setup/")
    page = fresh.get("/2fa/setup/totp/")
    new_totp = pyotp.TOTP(page.context["enrolment"].secret)
    assert fresh.post("/2fa/setup/totp/", {"code": new_totp.now()}).status_code == 200  # shows backup codes
    assert [d.method for d in state.devices_of(user)] == ["totp", "backup"]
    assert fresh.get("/").status_code == 200


def test_deny_keeps_the_methods_and_tells_the_user(db):
    user, _device, client = verified_user()
    rescue = file_request("alice", "please")
    mail.outbox.clear()
    _staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")
    assert run_action(desk, RESCUES, "deny", [rescue.pk], "Could not confirm who asked.").status_code == 302
    rescue.refresh_from_db()
    assert rescue.status == RescueRequest.Status.DENIED
    assert [d.method for d in state.devices_of(user)] == ["totp"]
    assert client.get("/").status_code == 200  # sessions untouched
    [notice] = mail.outbox
    assert notice.to == [user.email] and "did not reset" in notice.body
    assert SecurityEvent.objects.get(user=user, kind=Kind.RESCUE_HANDLED).data["status"] == "denied"
    assert not SecurityEvent.objects.filter(user=user, kind=Kind.RESET).exists()


def test_a_handled_request_cannot_be_handled_again(db):
    verified_user()
    rescue = file_request("alice", "please")
    _staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")
    run_action(desk, RESCUES, "deny", [rescue.pk], "no")
    response = desk.post(RESCUES, {"action": "approve", "_selected_action": [rescue.pk], "index": 0}, follow=True)
    assert b"Only open requests can be approved or denied." in response.content
    assert RescueRequest.objects.get(pk=rescue.pk).status == "denied"


# Who may see and act


def test_staff_without_a_verified_session_cannot_see_requests_or_reset(db):
    user, _device, _client = verified_user()
    rescue = file_request("alice", "please")
    _staff, pending = staff_client(
        "helper", "twofactor.handle_rescuerequest", "twofactor.reset_twofactor", "accounts.view_user", verified=False
    )
    for response in (
        pending.get(RESCUES),
        pending.post(RESCUES, {"action": "approve", "_selected_action": [rescue.pk], "confirmed": "yes", "note": "x"}),
        pending.post(f"/admin/accounts/user/{user.pk}/two-factor-reset/", {"confirmed": "yes", "note": "x"}),
    ):
        assert response.status_code == 302 and response["Location"].startswith("/2fa/verify/")
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open"
    assert [d.method for d in state.devices_of(user)] == ["totp"]


def test_staff_without_any_method_cannot_enter_the_admin(db, settings):
    settings.TWOFACTOR_REQUIRED = "optional"
    make_user("helper", is_staff=True, is_superuser=True)
    client = Client()
    sign_in(client, "helper")
    response = client.get(RESCUES)
    assert response.status_code == 302 and "/login/" in response["Location"]
    # Signed in already: sent on to add a method, not back to the password page (which would loop).
    response = client.get(response["Location"])
    assert (
        response.status_code == 302
        and response["Location"] == "/2fa/setup/?next=%2Fadmin%2Ftwofactor%2Frescuerequest%2F"
    )
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("policy", ["all", "optional"])
def test_a_verified_user_who_is_not_staff_is_refused_by_the_admin_without_a_loop(db, settings, policy):
    settings.TWOFACTOR_REQUIRED = policy
    _user, _device, client = verified_user()
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get(response["Location"]).status_code == 403


def test_the_admin_login_page_sends_a_signed_out_visitor_to_the_one_sign_in_page(db):
    response = Client().get("/admin/login/", {"next": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/admin/"


def test_staff_without_the_permission_cannot_see_or_act(db):
    user, _device, _client = verified_user()
    rescue = file_request("alice", "please")
    _staff, desk = staff_client("nosy", "accounts.view_user")
    assert desk.get(RESCUES).status_code == 403
    assert desk.get(f"{RESCUES}{rescue.pk}/change/").status_code == 403
    response = desk.post(
        RESCUES, {"action": "approve", "_selected_action": [rescue.pk], "confirmed": "yes", "note": "x"}
    )
    assert response.status_code == 403
    assert desk.get(f"/admin/accounts/user/{user.pk}/two-factor-reset/").status_code == 403
    assert (
        desk.post(f"/admin/accounts/user/{user.pk}/two-factor-reset/", {"confirmed": "yes", "note": "x"}).status_code
        == 403
    )
    page = desk.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200 and b"Reset two-factor" not in page.content
    listing = desk.get("/admin/accounts/user/")
    assert b"reset_two_factor" not in listing.content
    run_action(desk, "/admin/accounts/user/", "reset_two_factor", [user.pk], None)
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open"
    assert [d.method for d in state.devices_of(user)] == ["totp"]
    assert not SecurityEvent.objects.filter(kind__in=[Kind.RESET, Kind.RESCUE_HANDLED]).exists()


def test_view_permission_shows_requests_but_not_the_actions(db):
    verified_user()
    rescue = file_request("alice", "please")
    _staff, desk = staff_client("reader", "twofactor.view_rescuerequest")
    listing = desk.get(RESCUES)
    assert listing.status_code == 200 and b'value="approve"' not in listing.content
    run_action(desk, RESCUES, "approve", [rescue.pk], None)
    desk.post(RESCUES, {"action": "approve", "_selected_action": [rescue.pk], "confirmed": "yes", "note": "x"})
    assert RescueRequest.objects.get(pk=rescue.pk).status == "open"


# The user's page and "reset two-factor"


def test_users_page_lists_methods_without_secrets(db):
    user, device, _client = verified_user()
    codes = replace_backup_codes(user)
    _staff, desk = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")
    page = desk.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "Authenticator app" in page and "Backup codes" in page
    assert "Reset two-factor" in page
    assert base64.b32encode(device.key).decode() not in page and device.encrypted_key not in page
    assert not any(code in page for code in codes)
    _admin, device_page = staff_client("root", is_superuser=True)
    for url in (
        f"/admin/twofactor/totpdevice/{device.pk}/change/",
        "/admin/twofactor/totpdevice/",
        "/admin/twofactor/backupcodedevice/",
    ):
        html = device_page.get(url).content.decode()
        assert base64.b32encode(device.key).decode() not in html and device.encrypted_key not in html
        assert not any(code in html for code in codes)


def test_reset_from_the_users_page_ends_everything_and_mails_the_user(db):
    user, _device, client = verified_user()
    file_request("alice", "please")  # left open: the reset closes it
    mail.outbox.clear()
    staff, desk = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")
    url = f"/admin/accounts/user/{user.pk}/two-factor-reset/"
    page = desk.get(url)
    assert page.status_code == 200 and b'name="note"' in page.content and b"alice" in page.content
    response = desk.post(url, {"confirmed": "yes", "note": "Asked in person at the desk."})
    assert response.status_code == 302 and response["Location"] == f"/admin/accounts/user/{user.pk}/change/"
    assert state.devices_of(user) == []
    assert signed_out(client)
    event = SecurityEvent.objects.get(user=user, kind=Kind.RESET)
    assert event.data["actor"] == staff.pk and event.data["note"] == "Asked in person at the desk."
    rescue = RescueRequest.objects.get(user=user)
    assert rescue.status == "approved" and rescue.handled_by == staff
    [notice] = mail.outbox
    assert notice.to == [user.email] and "reset two-factor authentication" in notice.body


def test_reset_action_on_the_user_list(db):
    alice, _d, alice_client = verified_user("alice")
    bob, _d, bob_client = verified_user("bob")
    mail.outbox.clear()
    _staff, desk = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")
    assert b"reset_two_factor" in desk.get("/admin/accounts/user/").content
    response = run_action(desk, "/admin/accounts/user/", "reset_two_factor", [alice.pk, bob.pk], "Lost laptops.")
    assert response.status_code == 302
    assert state.devices_of(alice) == [] and state.devices_of(bob) == []
    assert signed_out(alice_client) and signed_out(bob_client)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "bob@example.com"]
    assert SecurityEvent.objects.filter(kind=Kind.RESET).count() == 2


# What staff see of a message


@pytest.mark.parametrize("message", ["", HTML_MESSAGE, "x" * 5000])
def test_messages_are_shown_escaped_in_the_admin(db, message):
    verified_user()
    rescue = file_request("alice", message)
    assert rescue.message == message
    _staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")
    for url in (RESCUES, f"{RESCUES}{rescue.pk}/change/"):
        html = desk.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
    if message == HTML_MESSAGE:
        detail = desk.get(f"{RESCUES}{rescue.pk}/change/").content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail
    confirmation = desk.post(RESCUES, {"action": "deny", "_selected_action": [rescue.pk], "index": 0}).content.decode()
    assert "<script>alert" not in confirmation and "<img src=x" not in confirmation


def test_rescue_requests_are_searchable_and_filterable(db):
    verified_user("alice")
    verified_user("bob")
    file_request("alice", "a")
    denied = file_request("bob", "b")
    _staff, desk = staff_client("helper", "twofactor.handle_rescuerequest")
    run_action(desk, RESCUES, "deny", [denied.pk], "no")
    found = desk.get(RESCUES, {"q": "alice@example"}).content
    assert b"alice" in found and b"bob@example.com" not in found
    open_only = desk.get(RESCUES, {"status__exact": "open"}).context["cl"].result_list
    assert [rescue.user.username for rescue in open_only] == ["alice"]
    assert desk.get(RESCUES, {"created_at__year": "2000"}).status_code == 200  # date hierarchy


def test_security_record_is_read_only_in_the_admin(db):
    user, _device, _client = verified_user()
    _admin, root = staff_client("root", is_superuser=True)
    event = SecurityEvent.objects.filter(user=user).first()
    assert root.get("/admin/twofactor/securityevent/").status_code == 200
    assert root.get("/admin/twofactor/securityevent/add/").status_code == 403
    page = root.get(f"/admin/twofactor/securityevent/{event.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert root.post(f"/admin/twofactor/securityevent/{event.pk}/change/", {"kind": "reset"}).status_code == 403
    assert root.post(f"/admin/twofactor/securityevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk, kind=event.kind).exists()


def test_methods_cannot_be_deleted_row_by_row_in_the_admin(db):
    """Deleting a device row would skip ending its sessions and the event: staff reset instead."""
    user, device, client = verified_user()
    _admin, root = staff_client("root", is_superuser=True)
    url = f"/admin/twofactor/totpdevice/{device.pk}/delete/"
    assert root.get(url).status_code == 403
    assert root.post(url, {"post": "yes"}).status_code == 403
    listing = root.get("/admin/twofactor/totpdevice/")
    assert b'value="delete_selected"' not in listing.content
    assert state.devices_of(user) == [device] and client.get("/2fa/").status_code == 200


FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_the_record_names_the_client_in_words(db):
    user = make_user("bob")
    event = SecurityEvent.objects.create(user=user, kind="signed_in", ip="203.0.113.7", user_agent=FIREFOX_ON_WINDOWS)
    rescue = RescueRequest.objects.create(user=user, message="lost", ip="203.0.113.7", user_agent=FIREFOX_ON_WINDOWS)
    _admin, desk = staff_client("root", is_superuser=True)
    for url in (
        "/admin/twofactor/securityevent/",
        f"/admin/twofactor/securityevent/{event.pk}/change/",
        "/admin/twofactor/rescuerequest/",
        f"/admin/twofactor/rescuerequest/{rescue.pk}/change/",
    ):
        page = desk.get(url).content.decode()
        assert "IP address" in page and ">Ip<" not in page and "Ip:" not in page, url
        assert "203.0.113.7" in page, url
    for url in (
        f"/admin/twofactor/securityevent/{event.pk}/change/",
        f"/admin/twofactor/rescuerequest/{rescue.pk}/change/",
    ):
        page = desk.get(url).content.decode()
        assert "Firefox on Windows" in page and "Gecko/20100101" not in page, url
