""" "Remember this browser": a record per browser (the hash of the cookie's random token), honoured at the password
step only when it exists, belongs to the user, has not expired and was made under the current password; revoked
automatically by a password change or reset, a method removed, a staff reset or an approved rescue, and expiry."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support.authenticator_clock import AuthenticatorClock
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import flows, remember
from twofactor.activity import describe
from twofactor.methods.email.models import EmailDevice
from twofactor.models import RescueRequest, SecurityEvent, TrustedBrowser, UserSession

COOKIE = remember.COOKIE_NAME
Kind = SecurityEvent.Kind
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def account(db, monkeypatch):
    """(user, device, codes) for a user with an authenticator app; codes() gives a fresh code each call."""
    user = make_user()
    device, totp = add_totp(user)
    clock = AuthenticatorClock(monkeypatch)
    return user, device, lambda: clock.code(totp)


def _remembered_client(codes, **headers) -> Client:
    """A browser that signed in with a code and ticked "remember this browser", then signed out."""
    client = Client(**headers)
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes(), "remember": "on"})
    assert response.status_code == 302
    assert COOKIE in response.cookies
    client.post("/accounts/logout/")
    return client


def _skips_second_step(client: Client, username: str = "alice") -> bool:
    sign_in(client, username)
    return client.get("/").status_code == 200


def _client_with_cookie(value: str) -> Client:
    client = Client()
    client.cookies[COOKIE] = value
    return client


def _revocations(user) -> list[dict]:
    return [event.data for event in SecurityEvent.objects.filter(user=user, kind=Kind.TRUSTED_BROWSERS_REVOKED)]


# The record and the cookie


def test_the_cookie_carries_a_random_token_and_the_record_only_its_hash(account, settings):
    settings.TWOFACTOR_REMEMBER_DAYS = 7
    user, device, codes = account
    client = Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS, REMOTE_ADDR="203.0.113.77")
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes(), "remember": "on"})
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 7 * 86400
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie.value)
    record = TrustedBrowser.objects.get(user=user)
    assert record.token_hash == hashlib.sha256(cookie.value.encode()).hexdigest()
    stored = " ".join(str(value) for value in TrustedBrowser.objects.values().get().values())
    assert cookie.value not in stored and PASSWORD not in stored
    assert (record.browser, record.system, record.network) == ("Firefox", "Windows", "203.0.113.0/24")
    assert record.description == "Firefox on Windows"
    assert (record.method, record.device_id) == ("totp", device.persistent_id)
    assert abs(record.expires_at - (record.created_at + timedelta(days=7))) < timedelta(seconds=5)
    assert record.last_used_at is None
    assert record.sign_in == UserSession.objects.get(session_key=client.cookies["sessionid"].value).pk
    trusted = SecurityEvent.objects.get(user=user, kind=Kind.BROWSER_TRUSTED)
    assert describe(trusted) == "Firefox on Windows remembered: it skips the second step for 7 days"


def test_without_the_box_ticked_no_cookie_is_set_and_nothing_stored(account):
    _user, _device, codes = account
    client = Client()
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes()})
    assert COOKIE not in response.cookies
    assert not TrustedBrowser.objects.exists()


def test_a_remembered_browser_skips_only_the_second_step(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    # Without the password it is still signed out …
    assert client.get("/").url.startswith("/accounts/login/")
    # … and a wrong password is still refused.
    assert client.post("/accounts/login/", {"username": "alice", "password": "nope-nope-nope"}).status_code == 200
    assert client.get("/").url.startswith("/accounts/login/")
    assert _skips_second_step(client)
    assert SecurityEvent.objects.filter(user=user, kind=Kind.REMEMBERED_BROWSER_USED).count() == 1
    assert client.get("/").wsgi_request.user.is_verified()
    assert TrustedBrowser.objects.get(user=user).last_used_at is not None


def test_the_password_step_looks_the_record_up_once_by_its_hash(account):
    _user, _device, codes = account
    client = _remembered_client(codes)
    with CaptureQueriesContext(connection) as captured:
        sign_in(client)
    reads = [query["sql"] for query in captured.captured_queries if "twofactor_trustedbrowser" in query["sql"]]
    assert len(reads) == 2, reads  # the lookup, and its last-used time
    assert reads[0].startswith("SELECT") and '"token_hash" =' in reads[0]
    assert reads[1].startswith("UPDATE")
    # It reads no device list: the record names the device that vouched for the browser.
    device_tables = ("twofactor_totpdevice", "twofactor_emaildevice", "twofactor_smsdevice", "twofactor_passkeydevice")
    assert not [query["sql"] for query in captured.captured_queries if any(t in query["sql"] for t in device_tables)]


def test_another_browser_still_needs_a_code(account):
    _user, _device, codes = account
    _remembered_client(codes)
    assert not _skips_second_step(Client())


def test_a_verified_request_never_reads_the_record(account):
    _user, _device, codes = account
    client = _remembered_client(codes)
    assert _skips_second_step(client)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert not any("twofactor_trustedbrowser" in query["sql"] for query in captured.captured_queries)


# Refused cookies (each guard of `trusted_browser`)


def test_a_valid_cookie_of_another_user_is_ignored(account):
    user, _device, codes = account
    bob = make_user("bob")
    add_totp(bob)
    bob.password = user.password  # the same password, under a legacy hash without a salt: the same hash
    bob.save()
    # Alice's genuine cookie, presented at Bob's sign-in: his second step is still asked for.
    client = _client_with_cookie(_remembered_client(codes).cookies[COOKIE].value)
    assert not _skips_second_step(client, "bob")
    assert not client.get("/2fa/").wsgi_request.user.is_verified()
    assert TrustedBrowser.objects.count() == 1  # and Alice's browser is still trusted


def test_a_forged_token_is_ignored(account):
    _user, _device, codes = account
    _remembered_client(codes)
    forged = "A" * 43
    assert not _skips_second_step(_client_with_cookie(forged))
    assert not _skips_second_step(_client_with_cookie("garbage value"))


def test_a_cookie_of_the_old_signed_format_is_ignored_without_a_query(account):
    """Before the records, the cookie was a signed payload naming the user and device: it opens nothing now."""
    user, device, _codes = account
    old = signing.dumps({"u": user.pk, "d": device.persistent_id, "f": "0" * 32}, salt="twofactor.remember")
    client = _client_with_cookie(old)
    with CaptureQueriesContext(connection) as captured:
        sign_in(client)
    assert not any("twofactor_trustedbrowser" in query["sql"] for query in captured.captured_queries)
    assert client.get("/").status_code == 302


def test_an_expired_record_is_refused_and_revoked(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    TrustedBrowser.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not _skips_second_step(client)
    assert not TrustedBrowser.objects.exists()
    assert _revocations(user) == [{"count": 1, "reason": "expired", "browser": "", "system": ""}]


def test_a_record_just_before_its_expiry_is_honoured(account):
    _user, _device, codes = account
    client = _remembered_client(codes)
    TrustedBrowser.objects.update(expires_at=timezone.now() + timedelta(seconds=30))
    assert _skips_second_step(client)


def test_a_shortened_lifetime_applies_to_browsers_remembered_before(account, settings):
    _user, _device, codes = account
    client = _remembered_client(codes)
    TrustedBrowser.objects.update(created_at=timezone.now() - timedelta(days=3))
    settings.TWOFACTOR_REMEMBER_DAYS = 2
    assert not _skips_second_step(client)


def test_remember_days_zero_turns_it_off(account, settings):
    settings.TWOFACTOR_REMEMBER_DAYS = 0
    _user, _device, codes = account
    client = Client()
    sign_in(client)
    page = client.get("/2fa/verify/").content.decode()
    assert 'name="remember"' not in page
    response = client.post("/2fa/verify/", {"code": codes(), "remember": "on"})
    assert response.status_code == 302 and COOKIE not in response.cookies
    assert not TrustedBrowser.objects.exists()


def test_turning_remember_off_ignores_browsers_remembered_before(account, settings):
    _user, _device, codes = account
    client = _remembered_client(codes)
    settings.TWOFACTOR_REMEMBER_DAYS = 0
    assert not _skips_second_step(client)


def test_the_cookie_is_secure_where_the_session_cookie_is(account, settings):
    settings.SESSION_COOKIE_SECURE = True
    _user, _device, codes = account
    client = Client()
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": codes(), "remember": "on"})
    assert response.cookies[COOKIE]["secure"] is True


# Automatic revocation


def test_a_password_set_anywhere_ends_the_trust(account):
    """The admin's form or a shell sets the password without the site's pages: the record's fingerprint sees it."""
    user, _device, codes = account
    client = _remembered_client(codes)
    user.set_password(PASSWORD)  # the same password again: a new salt, so a new hash
    user.save()
    assert not _skips_second_step(client)
    assert not TrustedBrowser.objects.exists()
    assert [data["reason"] for data in _revocations(user)] == ["password_changed"]


def test_a_password_change_through_the_page_revokes_every_trusted_browser(account):
    user, _device, codes = account
    other = _remembered_client(codes)
    client = _remembered_client(codes)
    assert _skips_second_step(client)
    new_password = PASSWORD + "-new"
    client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert not TrustedBrowser.objects.exists()
    assert _revocations(user) == [{"count": 2, "reason": "password_changed"}]
    event = SecurityEvent.objects.get(user=user, kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert describe(event) == "2 remembered browsers forgotten because the password changed"
    for browser in (client, other):
        browser.post("/accounts/logout/")
        assert not _skips_second_step_with(browser, new_password)


def _skips_second_step_with(client: Client, password: str) -> bool:
    client.post("/accounts/login/", {"username": "alice", "password": password})
    return client.get("/").status_code == 200


def test_a_password_reset_by_email_revokes_every_trusted_browser(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    mail.outbox.clear()
    stranger = Client()
    stranger.post("/accounts/password/reset/", {"email": user.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = stranger.get(link).url
    stranger.post(form_url, {"new_password1": "another-long-pass-42", "new_password2": "another-long-pass-42"})
    assert [data["reason"] for data in _revocations(user)] == ["password_reset"]
    assert not _skips_second_step_with(client, "another-long-pass-42")


def test_adding_a_method_keeps_the_trusted_browsers(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    assert _skips_second_step(client)


def test_removing_a_method_revokes_every_trusted_browser(account):
    user, _device, codes = account
    EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    client = _remembered_client(codes)
    sign_in(client)
    assert client.post("/2fa/reauthenticate/", {"password": PASSWORD, "code": codes(), "method": "totp"}).status_code
    assert client.post("/2fa/methods/email/remove/").url == "/2fa/"
    assert not TrustedBrowser.objects.exists()
    assert [data["reason"] for data in _revocations(user)] == ["method_removed"]
    client.post("/accounts/logout/")
    assert not _skips_second_step(client)


def test_a_method_deleted_outside_the_pages_revokes_them_too(account):
    user, _device, codes = account
    email = EmailDevice.objects.create(user=user, name="Email", email=user.email, confirmed=True)
    client = _remembered_client(codes)
    email.delete()  # an inline in the admin, a shell
    assert not _skips_second_step(client)
    assert [data["reason"] for data in _revocations(user)] == ["method_removed"]


def test_deleting_the_user_takes_their_trusted_browsers_along(account):
    user, _device, codes = account
    _remembered_client(codes)
    user.delete()
    assert not TrustedBrowser.objects.exists()
    assert not SecurityEvent.objects.filter(kind=Kind.TRUSTED_BROWSERS_REVOKED).exists()


def test_an_admin_reset_revokes_them(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    flows.reset_user(user)
    add_totp(user)  # even after enrolling again
    assert not _skips_second_step(client)
    assert [data["reason"] for data in _revocations(user)] == ["reset"]


def test_an_approved_rescue_request_revokes_them(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    staff = make_user("staff", is_staff=True)
    rescue = RescueRequest.objects.create(user=user, message="I lost my phone")
    flows.approve_rescue_request(rescue, actor=staff, note="checked by phone")
    add_totp(user)
    assert not _skips_second_step(client)
    revoked = _revocations(user)
    assert [data["reason"] for data in revoked] == ["rescue"] and revoked[0]["actor_name"] == "staff"


# The security record


def test_a_remembered_sign_in_is_in_the_security_record(account):
    user, _device, codes = account
    client = _remembered_client(codes)
    assert _skips_second_step(client)
    used = SecurityEvent.objects.get(user=user, kind=Kind.REMEMBERED_BROWSER_USED)
    assert used.data == {"method": "totp"} and used.ip == "127.0.0.1"
    signed_in = list(SecurityEvent.objects.filter(user=user, kind=Kind.SIGNED_IN))
    assert sorted(event.data["remembered"] for event in signed_in) == [False, True]
    remembered = next(event for event in signed_in if event.data["remembered"])
    assert remembered.data == {"method": "totp", "remembered": True, "language": "en"} and remembered.ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (
            {"count": 1, "reason": "revoked", "browser": "Firefox", "system": "Windows"},
            "You stopped remembering Firefox on Windows",
        ),
        ({"count": 3, "reason": "revoked"}, "You stopped remembering 3 browsers"),
        (
            {"count": 1, "reason": "expired", "browser": "Safari", "system": "iOS"},
            "Safari on iOS no longer remembered: its time is up",
        ),
        (
            {"count": 2, "reason": "method_removed"},
            "2 remembered browsers forgotten because a two-factor method was removed",
        ),
        (
            {"count": 2, "reason": "reset"},
            "2 remembered browsers forgotten because the administrators reset two-factor",
        ),
        (
            {"count": 1, "reason": "staff", "browser": "", "system": ""},
            "The administrators stopped remembering Unknown browser",
        ),
    ],
)
def test_each_revocation_reads_as_a_sentence(db, data, sentence):
    event = SecurityEvent(kind=Kind.TRUSTED_BROWSERS_REVOKED, data=data)
    assert describe(event) == sentence


def test_a_revocation_is_described_in_the_users_language(db):
    from django.utils import translation

    event = SecurityEvent(kind=Kind.TRUSTED_BROWSERS_REVOKED, data={"count": 2, "reason": "password_changed"})
    with translation.override("fr"):
        assert describe(event) != "2 remembered browsers forgotten because the password changed"
