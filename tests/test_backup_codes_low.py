"""Few backup codes left (TWOFACTOR_BACKUP_CODES_LOW, 2): a notice on /2fa/ and on the first page after signing in,
and one mail each time the count drops to it."""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support.authenticator_clock import AuthenticatorClock
from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor.activity import describe
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.methods.backup.models import BackupCode
from twofactor.models import SecurityEvent

Kind = SecurityEvent.Kind
NOTICE = "unused backup codes are left: make a new set before you run out."


@pytest.fixture
def owner(db, monkeypatch):
    """(user, codes(), backup codes): alice with an authenticator app and a set of backup codes."""
    user = make_user()
    _device, totp = add_totp(user)
    clock = AuthenticatorClock(monkeypatch)
    return user, (lambda: clock.code(totp)), replace_backup_codes(user)


def leave_unused(user, count: int) -> None:
    unused = BackupCode.objects.filter(device__user=user, used_at__isnull=True).order_by("pk")
    BackupCode.objects.filter(pk__in=list(unused.values_list("pk", flat=True))[count:]).update(used_at=timezone.now())


def signed_in(codes) -> Client:
    client = Client()
    sign_in(client)
    assert client.post("/2fa/verify/", {"code": codes()}).status_code == 302
    return client


def test_the_security_page_warns_at_two_left_and_not_at_three(owner):
    user, codes, _backup = owner
    client = signed_in(codes)
    leave_unused(user, 3)
    page = client.get("/2fa/").content.decode()
    assert "3 unused codes left." in page and NOTICE not in page
    leave_unused(user, 2)
    page = client.get("/2fa/").content.decode()
    card = page[page.index("data-backup-codes") :]
    assert "Only 2 " + NOTICE in card and 'href="/2fa/backup-codes/">Make new backup codes</a>' in card


def test_the_page_after_sign_in_shows_the_notice_once(owner):
    user, codes, _backup = owner
    leave_unused(user, 2)
    client = Client()
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes()}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    page = response.content.decode()
    assert "Only 2 " + NOTICE in page and '<a href="/2fa/backup-codes/">Make new backup codes</a>' in page
    assert NOTICE not in client.get("/").content.decode()


def test_no_notice_after_sign_in_with_enough_codes(owner):
    _user, codes, _backup = owner
    client = Client()
    sign_in(client)
    assert NOTICE not in client.post("/2fa/verify/", {"code": codes()}, follow=True).content.decode()


def test_the_second_step_reads_no_backup_code_and_the_next_page_reads_them_once(owner):
    user, codes, _backup = owner
    leave_unused(user, 2)
    client = Client()
    sign_in(client)
    with CaptureQueriesContext(connection) as second_step:
        client.post("/2fa/verify/", {"code": codes()})
    assert not any("twofactor_backupcode" in query["sql"] for query in second_step.captured_queries)
    with CaptureQueriesContext(connection) as first_page:
        client.get("/")
    assert sum("twofactor_backupcode" in query["sql"] for query in first_page.captured_queries) == 1
    with CaptureQueriesContext(connection) as later:
        client.get("/")
    assert not any("twofactor_backup" in query["sql"] for query in later.captured_queries)


def test_a_json_request_after_sign_in_leaves_the_notice_for_the_next_page(owner):
    user, codes, _backup = owner
    leave_unused(user, 1)
    client = signed_in(codes)
    assert client.get("/api/v1/session").status_code == 200
    assert "Only 1 unused backup code is left" in client.get("/").content.decode()


def sign_in_with_backup_code(code: str) -> None:
    client = Client()
    sign_in(client)
    assert client.post("/2fa/verify/", {"code": code}).status_code == 302


def test_the_owner_is_mailed_once_per_drop_to_the_threshold(owner):
    user, codes, backup = owner
    leave_unused(user, 4)
    unused = backup[:4]
    mail.outbox.clear()
    sign_in_with_backup_code(unused[0])  # 4 -> 3: the usual "a backup code was used" mail
    assert [message.subject for message in mail.outbox] == ["A backup code was used on your twofa_site account"]
    mail.outbox.clear()
    sign_in_with_backup_code(unused[1])  # 3 -> 2: the drop, one mail that says both
    [low] = mail.outbox
    assert low.subject == "Few backup codes left on your twofa_site account"
    assert "Only 2 unused codes are left." in low.body and "Make a new set now" in low.body
    assert "/2fa/" in low.body
    mail.outbox.clear()
    sign_in_with_backup_code(unused[2])  # 2 -> 1: no second warning
    assert [message.subject for message in mail.outbox] == ["A backup code was used on your twofa_site account"]
    event = SecurityEvent.objects.get(user=user, kind=Kind.BACKUP_CODES_LOW)
    assert event.data == {"remaining": 2}
    assert describe(event) == "Only 2 backup codes left: you were mailed to make a new set"
    # A new set, and the next drop warns again.
    fresh = replace_backup_codes(user)
    leave_unused(user, 3)
    mail.outbox.clear()
    sign_in_with_backup_code(fresh[0])
    assert [message.subject for message in mail.outbox] == ["Few backup codes left on your twofa_site account"]


def test_the_threshold_is_a_setting(owner, settings):
    settings.TWOFACTOR_BACKUP_CODES_LOW = 4
    user, codes, _backup = owner
    leave_unused(user, 4)
    client = signed_in(codes)
    assert "Only 4 " + NOTICE in client.get("/2fa/").content.decode()


@pytest.mark.parametrize("value", [-1, 10, 11])
def test_a_threshold_outside_a_set_is_a_system_check_error(settings, value):
    from twofactor.checks import check_methods

    settings.TWOFACTOR_BACKUP_CODES_LOW = value
    errors = [error for error in check_methods(None) if error.id == "twofactor.E062"]
    assert len(errors) == 1 and "TWOFACTOR_BACKUP_CODES_LOW" in errors[0].msg


def test_the_default_threshold_passes_the_checks():
    from twofactor.checks import check_methods

    assert not [error for error in check_methods(None) if error.id == "twofactor.E062"]
