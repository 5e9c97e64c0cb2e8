"""The attacks of issue 11, run over HTTP against a live gunicorn (several workers) on the test database.

Two servers are shared by the module: "all" (TWOFACTOR_REQUIRED=all behind one trusted proxy hop, so
a test plays clients at different addresses through X-Forwarded-For) and "optional" (no trusted
proxy: X-Forwarded-For is the client's own word). Each test is one attack and what it must now get.
"""

import base64
import re
import threading
import time
from datetime import timedelta
from importlib import import_module

import pyotp
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.support.live_server import Browser, LiveServer, six_digit_code
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.passkey.models import PasskeyDevice
from twofactor.methods.sms.models import SMSDevice
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import RescueRequest, SecurityEvent, UserSession

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "owner-password-1234"
WRONG = "not-the-password-00"


@pytest.fixture(scope="module")
def servers(tmp_path_factory, django_db_setup, django_db_blocker):
    started = {}

    def server(name: str) -> LiveServer:
        if name not in started:
            variables = {
                "all": {"TWOFACTOR_REQUIRED": "all", "TWOFACTOR_TRUSTED_PROXIES": "1"},
                "optional": {"TWOFACTOR_REQUIRED": "optional", "TWOFACTOR_TRUSTED_PROXIES": "0"},
            }[name]
            with django_db_blocker.unblock():
                started[name] = LiveServer(tmp_path_factory.mktemp(f"live-{name}"), **variables)
        started[name].clear_outboxes()
        return started[name]

    yield server
    for running in started.values():
        running.stop()


@pytest.fixture
def site_all(servers):
    return servers("all")


@pytest.fixture
def site_optional(servers):
    return servers("optional")


@pytest.fixture(autouse=True)
def _live_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.support.live_server.LiveServerHasher"]


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)


def signed_up(site: LiveServer, username: str, address: str) -> Browser:
    """A new account made through the sign-up page from `address`, signed in (its session waits in `setup`)."""
    browser = Browser(site, address)
    answer = browser.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": f"{username}@example.com",
            "password1": "spam-password-9876",
            "password2": "spam-password-9876",
        },
    )
    assert answer.status_code == 302
    return browser


def enrol_totp(browser: Browser) -> pyotp.TOTP:
    response = browser.api("POST", "/2fa/setup/totp")
    assert response.status_code == 200, response.text
    totp = pyotp.parse_uri(response.json()["otpauth_uri"])
    confirmed = browser.api("POST", "/2fa/setup/confirm", {"code": totp.now()})
    assert confirmed.status_code == 200, confirmed.text
    return totp


def add_totp(user) -> pyotp.TOTP:
    key = b"0123456789abcdefghij"
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    return pyotp.TOTP(base64.b32encode(key).decode())


def wait_for_next_totp_step() -> None:
    time.sleep(30 - time.time() % 30 + 0.2)


# 1. A parked password-only session never gets a factor


def test_a_parked_setup_session_cannot_add_a_method_after_the_owner_did(site_all):
    make_user("owner")
    attacker = Browser(site_all, "203.0.113.66")
    assert attacker.login("owner", PASSWORD).json()["two_factor"]["state"] == "setup"
    # The attacker starts enrolling their own mailbox while the account still has no method.
    started = attacker.api("POST", "/2fa/setup/email", {"email": "attacker@evil.example"})
    assert started.status_code == 200, started.text
    code = six_digit_code(site_all.mails_to("attacker@evil.example")[-1])

    owner = Browser(site_all, "198.51.100.20")
    assert owner.login("owner", PASSWORD).json()["two_factor"]["state"] == "setup"
    enrol_totp(owner)

    # The owner's enrolment ended the attacker's unproven session: nothing it holds is worth anything.
    assert attacker.state()["authenticated"] is False
    assert attacker.api("POST", "/2fa/setup/confirm", {"code": code}).status_code == 401
    assert attacker.api("POST", "/2fa/setup/email", {"email": "attacker@evil.example"}).status_code == 401
    assert not EmailDevice.objects.exists()
    assert owner.api("GET", "/2fa/devices").status_code == 200


def test_an_older_setup_session_cannot_start_an_enrolment_once_the_owner_signed_in(site_all):
    make_user("owner")
    attacker = Browser(site_all, "203.0.113.66")
    attacker.login("owner", PASSWORD)
    owner = Browser(site_all, "198.51.100.20")
    owner.login("owner", PASSWORD)
    # Only the account's newest password sign-in may add the first method (the page and the API alike).
    refused = attacker.api("POST", "/2fa/setup/totp")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "reauthentication_required"
    page = attacker.get("/2fa/setup/email/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/2fa/reauthenticate/")
    enrol_totp(owner)
    assert attacker.state()["authenticated"] is False


def test_under_optional_a_password_only_session_ends_when_the_owner_turns_two_factor_on(site_optional):
    make_user("owner")
    attacker = Browser(site_optional)
    session = attacker.login("owner", PASSWORD).json()
    assert session["two_factor"]["state"] == "none"
    assert attacker.api("GET", "/2fa/devices").status_code == 200  # full access, as "optional" means
    owner = Browser(site_optional)
    owner.login("owner", PASSWORD)
    enrol_totp(owner)
    assert attacker.state()["authenticated"] is False
    assert attacker.api("GET", "/2fa/devices").status_code == 401
    assert attacker.api("POST", "/2fa/setup/email", {"email": "attacker@evil.example"}).status_code == 401
    assert list(UserSession.objects.values_list("verified_at", flat=True)) != [None]


# 2-4. Password guessing: no lock-out by strangers, no race, no boundary burst


def test_strangers_guessing_do_not_lock_the_owner_out(site_all):
    owner_user = make_user("owner")
    totp = add_totp(owner_user)
    shared_address = "192.0.2.10"  # the owner's browser and the attacker behind one address (a café, a NAT)
    known_browser = Browser(site_all, shared_address)
    known_browser.login("owner", PASSWORD)
    assert known_browser.api("POST", "/2fa/verify", {"code": totp.now()}).json()["verified"] is True
    known_browser.api("POST", "/logout")

    attacker = Browser(site_all, shared_address)
    statuses = [
        attacker.post("/accounts/login/", {"username": "owner", "password": WRONG}).status_code for _ in range(25)
    ]

    # The owner signs in from elsewhere, and from their known browser behind the attacker's own address.
    elsewhere = Browser(site_all, "198.51.100.20")
    for browser in (elsewhere, known_browser):
        answer = browser.login("owner", PASSWORD)
        assert answer.status_code == 200 and answer.json()["two_factor"]["state"] == "verify", answer.text
    assert statuses.count(200) == 10 and statuses.count(429) == 15, statuses  # 10 checked, then refused unchecked
    assert "twofactor_device" in known_browser.http.cookies


def _concurrent_wrong_passwords(site, count: int) -> list[int]:
    barrier = threading.Barrier(count)
    statuses = []

    def attempt():
        browser = Browser(site, "203.0.113.77")
        browser._csrf()
        barrier.wait()
        statuses.append(browser.login("owner", WRONG).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_thirty_concurrent_wrong_passwords_check_at_most_the_limit(site_all):
    """Count before check: an attempt the budget refuses costs no password hash, even thirty at once (the
    servers' hasher counts every hash its workers compute)."""
    make_user("owner")
    statuses = _concurrent_wrong_passwords(site_all, 30)
    assert len(statuses) == 30
    assert statuses.count(401) <= 10 and statuses.count(401) + statuses.count(429) == 30, statuses
    assert site_all.hashes() == statuses.count(401), (site_all.hashes(), statuses)


def test_a_clock_boundary_lets_no_second_code_through_the_cooldown(site_all):
    # Two accounts enrol the same address: one code per address per 3-second cooldown, across accounts.
    browsers = []
    for number in range(2):
        make_user(f"user{number}")
        browser = Browser(site_all, f"198.51.100.{30 + number}")
        browser.login(f"user{number}", PASSWORD)
        browser._csrf()
        browsers.append(browser)
    time.sleep(3 - time.time() % 3 + 2.0)  # a second before a multiple of 3 seconds since the epoch
    started = time.time()
    boundary = (started // 3 + 1) * 3
    first = browsers[0].api("POST", "/2fa/setup/email", {"email": "shared@example.com"})
    time.sleep(max(0.0, boundary + 0.1 - time.time()))  # just after the boundary, within the same 3 seconds
    second = browsers[1].api("POST", "/2fa/setup/email", {"email": "shared@example.com"})
    assert time.time() - started < 3, "the machine was too slow for this test to mean anything"
    assert first.status_code == 200, first.text
    assert second.status_code == 429, second.text
    assert len(site_all.mails_to("shared@example.com")) == 1


# 5-6. The mailbox: never both factors, never a flood


@pytest.mark.parametrize("staff", [True, False], ids=["staff", "totp-user"])
def test_reset_by_email_then_rescue_by_email_gives_no_verified_session(site_all, staff):
    victim = make_user("victim", is_staff=staff, is_superuser=staff)
    add_totp(victim)
    mailbox_reader = Browser(site_all, "203.0.113.66")
    assert mailbox_reader.post("/accounts/password/reset/", {"email": "victim@example.com"}).status_code == 302
    link = re.search(
        r"/accounts/password/reset/[^/\s]+/[^/\s]+/", site_all.mails_to("victim@example.com", at_least=1)[-1]
    )
    form_page = mailbox_reader.http.get(site_all.url + link.group(0), headers=mailbox_reader.headers, timeout=30)
    new_password = "taken-over-password-55"
    done = mailbox_reader.post(
        form_page.url.removeprefix(site_all.url), {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302

    assert mailbox_reader.login("victim", new_password).json()["two_factor"]["state"] == "verify"
    refused = mailbox_reader.api("POST", "/2fa/rescue", {"option": "email"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "rescue_by_email_refused"
    assert not any("rescue code" in body for body in site_all.mails_to("victim@example.com"))
    page = mailbox_reader.http.get(site_all.url + "/2fa/rescue/", headers=mailbox_reader.headers, timeout=30)
    assert "cannot" in page.text and "backup code" in page.text
    assert mailbox_reader.state()["verified"] is False
    assert mailbox_reader.get("/admin/").status_code == 302


def test_ten_reset_requests_send_three_mails_and_the_same_page(site_all):
    make_user("victim")
    flooder = Browser(site_all, "203.0.113.66")
    answers = [flooder.post("/accounts/password/reset/", {"email": "victim@example.com"}) for _ in range(10)]
    assert {(answer.status_code, answer.headers["Location"]) for answer in answers} == {
        (302, "/accounts/password/reset/sent/")
    }
    site_all.mails_to("victim@example.com", at_least=3)  # the mails go out after the answers
    time.sleep(0.5)  # and no fourth one follows
    assert len(site_all.mails_to("victim@example.com")) == 3


# 7. SMS budgets


def test_sign_up_spam_cannot_spend_the_sign_in_text_budget(site_all):
    sms_user = make_user("texter")
    SMSDevice.objects.create(user=sms_user, name="Code by text message", phone_number="+14155550100", confirmed=True)
    refused = 0
    for number in range(6):
        spammer = signed_up(site_all, f"spam{number}", f"203.0.113.{100 + number}")
        answer = spammer.api("POST", "/2fa/setup/sms", {"phone": f"+1415555011{number}"})
        assert answer.status_code in (200, 429), answer.text
        refused += answer.status_code == 429

    texter = Browser(site_all, "198.51.100.20")
    assert texter.login("texter", PASSWORD).json()["two_factor"]["state"] == "verify"
    sent = texter.api("POST", "/2fa/challenge", {"method": "sms"})
    assert sent.status_code == 200, sent.text
    assert any("+14155550100" in text for text in site_all.texts())
    assert refused == 3  # the enrolment budget (3 an hour on this server) ran out, not the sign-in one


def test_sign_up_spam_cannot_bomb_a_mailbox_with_enrolment_codes(site_all):
    """Six new accounts from six addresses each ask for an enrolment code to one stranger's mailbox, waiting out
    the per-address cooldown (3 s on this server): the mailbox gets the per-address enrolment cap, no more."""
    victim = "bombed@example.org"
    answers = []
    for number in range(6):
        spammer = signed_up(site_all, f"bomber{number}", f"203.0.113.{150 + number}")
        if number:
            time.sleep(3.2)  # the cooldown per address holds across accounts; what is tested here is the cap
        answers.append(spammer.api("POST", "/2fa/setup/email", {"email": victim}).status_code)
    assert answers == [200, 200, 200, 429, 429, 429]
    assert len(site_all.mails_to(victim)) == 3


# 8. Client address


def test_a_forged_forwarded_header_is_ignored_without_a_trusted_proxy(site_optional):
    make_user("owner")
    forger = Browser(site_optional, forwarded="203.0.113.9")
    forger.login("owner", PASSWORD)
    assert list(UserSession.objects.values_list("ip", flat=True)) == ["127.0.0.1"]


def test_behind_one_trusted_hop_only_the_proxys_entry_counts(site_all):
    make_user("owner")
    forger = Browser(site_all, forwarded="203.0.113.9, 198.51.100.20")
    forger.login("owner", PASSWORD)
    assert list(UserSession.objects.values_list("ip", flat=True)) == ["198.51.100.20"]


# Issue 20. Rank in the admin: one permission never reaches a superuser, nor the staff member themselves


def grant(user, *perms: str) -> None:
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def verified_browser(site: LiveServer, user, totp: pyotp.TOTP, address: str) -> Browser:
    browser = Browser(site, address)
    assert browser.login(user.get_username(), PASSWORD).json()["two_factor"]["state"] == "verify"
    verified = browser.api("POST", "/2fa/verify", {"code": totp.now()})
    assert verified.status_code == 200 and verified.json()["verified"] is True, verified.text
    return browser


def junior_resets_from_the_users_page(site, junior, root) -> None:
    url = f"/admin/accounts/user/{root.pk}/two-factor-reset/"
    junior.post(url, {"confirmed": "yes", "note": "Called the desk, lost the phone."})


def junior_approves_a_rescue_request(site, junior, root) -> None:
    password_holder = Browser(site, "203.0.113.66")  # someone who has the superuser's password, not the phone
    password_holder.login("root", PASSWORD)
    filed = password_holder.api("POST", "/2fa/rescue", {"option": "help", "message": "Lost my phone, please reset."})
    assert filed.status_code == 200, filed.text
    rescue = RescueRequest.objects.get(user__username="root")
    action = {"action": "approve", "_selected_action": [rescue.pk], "index": 0}
    junior.post("/admin/twofactor/rescuerequest/", action)
    junior.post("/admin/twofactor/rescuerequest/", {**action, "confirmed": "yes", "note": "Looks genuine."})


@pytest.mark.parametrize(
    ("permission", "act"),
    [
        ("twofactor.reset_twofactor", junior_resets_from_the_users_page),
        ("twofactor.handle_rescuerequest", junior_approves_a_rescue_request),
    ],
    ids=["reset-page", "rescue-approval"],
)
def test_a_staff_member_with_one_permission_cannot_strip_a_superusers_second_factor(site_all, permission, act):
    root = make_user("root", is_staff=True, is_superuser=True)
    add_totp(root)
    junior_user = make_user("junior", is_staff=True)
    grant(junior_user, permission)
    junior = verified_browser(site_all, junior_user, add_totp(junior_user), "198.51.100.40")

    act(site_all, junior, root)

    # The superuser keeps the authenticator: whoever has their password still faces the second step.
    attacker = Browser(site_all, "203.0.113.67")
    assert attacker.login("root", PASSWORD).json()["two_factor"]["state"] == "verify"
    assert attacker.get("/admin/auth/group/add/").status_code == 302
    assert TOTPDevice.objects.filter(user=root).exists()
    refused = SecurityEvent.objects.filter(user=root, kind="staff_action_refused").first()
    assert refused.data["actor"] == junior_user.pk and refused.data["reason"] == "superuser"


def test_a_staff_member_cannot_reset_their_own_second_factor(site_all):
    junior_user = make_user("junior", is_staff=True)
    grant(junior_user, "twofactor.reset_twofactor")
    junior = verified_browser(site_all, junior_user, add_totp(junior_user), "198.51.100.40")
    junior_resets_from_the_users_page(site_all, junior, junior_user)
    assert TOTPDevice.objects.filter(user=junior_user).exists()
    assert junior.get("/admin/").status_code == 200  # still signed in: nothing happened
    assert SecurityEvent.objects.get(user=junior_user, kind="staff_action_refused").data["reason"] == "self"


# Issue 20. Changing the password: no oracle, announced everywhere; sensitive changes need a fresh proof

NEW_PASSWORD = "brand-new-password-77"
OWNER_PHONE = "+14155550100"


def sms_verified_browser(site: LiveServer, user, address: str) -> Browser:
    """A session that passed the second step with a code by text message (the account's SMS device)."""
    browser = Browser(site, address)
    assert browser.login(user.get_username(), PASSWORD).json()["two_factor"]["state"] == "verify"
    assert browser.api("POST", "/2fa/challenge", {"method": "sms"}).status_code == 200
    text = next(text for text in reversed(site.texts()) if OWNER_PHONE in text)
    verified = browser.api("POST", "/2fa/verify", {"code": six_digit_code(text.split("\n", 2)[-1]), "method": "sms"})
    assert verified.json()["verified"] is True, verified.text
    return browser


def owner_with_phone(username: str = "owner"):
    owner = make_user(username)
    totp = add_totp(owner)
    SMSDevice.objects.create(user=owner, name="Code by text message", phone_number=OWNER_PHONE, confirmed=True)
    return owner, totp


def age_the_proofs(browser: Browser, seconds: int = 3600) -> None:
    """Make the session's last password and code proofs `seconds` old, as a session left open for a while."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=browser.http.cookies["sessionid"])
    stamps = store["twofactor_reauth"]
    store["twofactor_reauth"] = {name: moment - seconds for name, moment in stamps.items()}
    store.save()


def test_the_password_change_form_is_no_oracle_and_tells_the_owner(site_all):
    owner, totp = owner_with_phone()
    owner_browser = verified_browser(site_all, owner, totp, "198.51.100.20")
    thief = sms_verified_browser(site_all, owner, "203.0.113.70")  # a session taken over (a shared computer)
    site_all.clear_outboxes()
    change = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}

    statuses = [
        thief.post("/accounts/password/change/", {"old_password": f"guess-number-{n}", **change}).status_code
        for n in range(30)
    ]
    # Counted before checking, in the sign-in page's budgets: the known browser's 10 of the day, then its address's 10.
    assert statuses.count(200) <= 20 and statuses.count(429) == 30 - statuses.count(200), statuses
    assert thief.post("/accounts/password/change/", {"old_password": PASSWORD, **change}).status_code == 429
    assert SecurityEvent.objects.filter(user=owner, kind="password_failed").count() == statuses.count(200)

    # The owner's own browser has budgets of its own; the change is recorded, mailed and texted.
    answer = owner_browser.post("/accounts/password/change/", {"old_password": PASSWORD, **change})
    assert answer.status_code == 302, answer.text
    assert SecurityEvent.objects.filter(user=owner, kind="password_changed").count() == 1
    [mail_notice] = site_all.mails_to("owner@example.com")
    assert "password of your account was changed" in mail_notice and "not you" in mail_notice.lower()
    [text_notice] = [text for text in site_all.texts() if OWNER_PHONE in text]
    assert "password" in text_notice and "Not you?" in text_notice
    assert thief.state()["authenticated"] is False


def reset_by_email(site: LiveServer, browser: Browser, address: str, new_password: str) -> None:
    """Ask for a reset link at `address`, follow the newest one mailed there and set `new_password`."""
    before = len(site.mails_to(address))
    assert browser.post("/accounts/password/reset/", {"email": address}).status_code == 302
    link = re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", site.mails_to(address, at_least=before + 1)[-1])
    form_page = browser.http.get(site.url + link.group(0), headers=browser.headers, timeout=30)
    done = browser.post(
        form_page.url.removeprefix(site.url), {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302, done.text


def test_a_password_reset_is_announced_to_the_mailbox_and_the_phone(site_all):
    owner, _totp = owner_with_phone()
    reset_by_email(site_all, Browser(site_all, "203.0.113.66"), "owner@example.com", NEW_PASSWORD)
    notice = site_all.mails_to("owner@example.com")[-1]
    assert "reset with a link sent to this address" in notice and "not you" in notice.lower()
    [text_notice] = [text for text in site_all.texts() if OWNER_PHONE in text]
    assert "reset" in text_notice and "Not you?" in text_notice
    assert SecurityEvent.objects.get(user=owner, kind="password_changed").data["by_email"] is True


def test_a_session_left_open_can_neither_rename_a_passkey_nor_sign_the_owner_out(site_all):
    owner, totp = owner_with_phone()
    key = PasskeyDevice.objects.create(
        user=owner, name="Work laptop", confirmed=True, credential_id=b"\x01" * 16, public_key=b"k", user_handle=b"u"
    )
    owner_browser = verified_browser(site_all, owner, totp, "198.51.100.20")
    thief = sms_verified_browser(site_all, owner, "203.0.113.70")
    age_the_proofs(thief)

    renamed = thief.post(f"/2fa/passkeys/{key.pk}/rename/", {"name": "OLD key - safe to remove"})
    assert renamed.status_code == 302 and renamed.headers["Location"].startswith("/2fa/reauthenticate/")
    ended = thief.post("/2fa/sessions/end-others/", {})
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/2fa/reauthenticate/")
    assert PasskeyDevice.objects.get(pk=key.pk).name == "Work laptop"
    assert owner_browser.state()["verified"] is True


# Issue 20. No lock-out by strangers, in any browser


def trip_the_accounts_ceiling(site: LiveServer, username: str) -> None:
    """100 wrong passwords (the per-account ceiling of a day) from ten addresses, ten each (each address's own
    budget), in parallel."""

    def stranger(number: int) -> None:
        browser = Browser(site, f"203.0.113.{20 + number}")
        for _ in range(10):
            assert browser.login(username, WRONG).status_code == 401

    threads = [threading.Thread(target=stranger, args=(number,)) for number in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)


def unlock_link_mailed(site: LiveServer, address: str, timeout: float = 10) -> str:
    """The unlock link in the mails to `address`; the site mails it once its answer is out, so wait for it."""
    deadline = time.monotonic() + timeout
    while True:
        found = re.findall(r"/2fa/unlock/[^\s/]+/", "\n".join(site.mails_to(address)))
        if found or time.monotonic() > deadline:
            assert found, site.mails_to(address)
            return found[-1]
        time.sleep(0.05)


def test_strangers_who_trip_the_ceiling_do_not_lock_the_owner_out_of_a_new_browser(site_all):
    owner = make_user("owner")
    add_totp(owner)
    trip_the_accounts_ceiling(site_all, "owner")

    new_browser = Browser(site_all, "198.51.100.77")
    refused = new_browser.login("owner", PASSWORD)
    assert refused.status_code == 429  # the ceiling holds for every browser the account does not know
    assert "link" in refused.json()["error"]["message"]

    # The owner's mailbox holds a link that lets the browser it is opened in through the ceiling, once.
    link = unlock_link_mailed(site_all, "owner@example.com")
    assert new_browser.get(link).status_code == 200  # a page with a button: a mail scanner's visit spends nothing
    assert new_browser.post(link, {}).status_code == 302
    assert new_browser.login("owner", PASSWORD).json()["two_factor"]["state"] == "verify"
    stranger = Browser(site_all, "203.0.113.99")
    assert stranger.post(link, {}).status_code == 400  # spent
    assert stranger.login("owner", PASSWORD).status_code == 429

    # A password reset clears the ceiling: any browser signs in with the new password.
    reset_by_email(site_all, Browser(site_all, "198.51.100.78"), "owner@example.com", NEW_PASSWORD)
    later = Browser(site_all, "198.51.100.79")
    assert later.login("owner", NEW_PASSWORD).json()["two_factor"]["state"] == "verify"


def test_a_device_cookie_dies_with_the_password_and_a_copy_multiplies_no_guesses(site_all):
    owner = make_user("owner")
    totp = add_totp(owner)
    known = verified_browser(site_all, owner, totp, "198.51.100.20")
    old_copy = Browser(site_all, "203.0.113.50")  # the cookie, stolen, replayed from elsewhere
    old_copy.http.cookies.set("twofactor_device", known.http.cookies["twofactor_device"])
    change = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert known.post("/accounts/password/change/", change).status_code == 302

    trip_the_accounts_ceiling(site_all, "owner")
    # The cookie issued under the old password is worth nothing: its holder meets the ceiling like anyone.
    assert old_copy.login("owner", WRONG).status_code == 429
    known.api("POST", "/logout")
    assert known.login("owner", NEW_PASSWORD).json()["two_factor"]["state"] == "verify"
    assert known.http.cookies["twofactor_device"] != old_copy.http.cookies["twofactor_device"]  # renewed

    # A copy of the current cookie shares the one budget the cookie has, ten a day: no refill every 90 seconds.
    new_copy = Browser(site_all, "203.0.113.51")
    new_copy.http.cookies.set("twofactor_device", known.http.cookies["twofactor_device"])
    assert [new_copy.login("owner", WRONG).status_code for _ in range(10)] == [401] * 10
    refused = new_copy.login("owner", WRONG)
    assert refused.status_code == 429 and refused.json()["error"]["retry_after"] > 600, refused.text


# Issue 20. The mailbox never replaces both factors, at any time


def reset_long_ago(user, days: int = 30) -> None:
    """Date the account's reset by email `days` back: the rule does not wear off with time."""
    past = timezone.now() - timedelta(days=days)
    SecurityEvent.objects.filter(user=user, kind="password_changed").update(created_at=past)


def test_the_mailbox_alone_never_opens_the_admin_for_a_staff_member_whose_only_method_is_email(site_all):
    staff = make_user("helper", is_staff=True)
    EmailDevice.objects.create(user=staff, name="Code by email", email="helper@example.com", confirmed=True)
    mailbox_reader = Browser(site_all, "203.0.113.66")
    reset_by_email(site_all, mailbox_reader, "helper@example.com", NEW_PASSWORD)

    assert mailbox_reader.login("helper", NEW_PASSWORD).json()["two_factor"]["state"] == "verify"
    refused = mailbox_reader.api("POST", "/2fa/challenge", {"method": "email"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "email_factor_paused", refused.text
    guessed = mailbox_reader.api("POST", "/2fa/verify", {"code": "123456", "method": "email"})
    assert guessed.status_code == 403
    assert mailbox_reader.state()["verified"] is False
    assert mailbox_reader.get("/admin/").status_code == 302


def test_a_mailbox_reset_long_ago_still_gives_no_code_by_email(site_all):
    victim = make_user("victim")
    add_totp(victim)
    EmailDevice.objects.create(user=victim, name="Code by email", email="victim@example.com", confirmed=True)
    mailbox_reader = Browser(site_all, "203.0.113.66")
    reset_by_email(site_all, mailbox_reader, "victim@example.com", NEW_PASSWORD)
    reset_long_ago(victim)  # day 30: no pause to wait out

    assert mailbox_reader.login("victim", NEW_PASSWORD).json()["two_factor"]["state"] == "verify"
    rescue = mailbox_reader.api("POST", "/2fa/rescue", {"option": "email"})
    assert rescue.status_code == 403 and rescue.json()["error"]["code"] == "rescue_by_email_refused", rescue.text
    challenge = mailbox_reader.api("POST", "/2fa/challenge", {"method": "email"})
    assert challenge.status_code == 403 and challenge.json()["error"]["code"] == "email_factor_paused"
    assert mailbox_reader.state()["verified"] is False


def test_a_session_rescued_by_email_changes_nothing_and_every_channel_is_told(site_all):
    owner, _totp = owner_with_phone("victim")
    # Someone with the password (phished, not reset) and the mailbox: the rescue code by email lets them in...
    intruder = Browser(site_all, "203.0.113.66")
    assert intruder.login("victim", PASSWORD).json()["two_factor"]["state"] == "verify"
    assert intruder.api("POST", "/2fa/rescue", {"option": "email"}).status_code == 200
    code = six_digit_code(site_all.mails_to("victim@example.com", at_least=1)[-1])
    rescued = intruder.api("POST", "/2fa/rescue", {"option": "email_code", "code": code})
    assert rescued.status_code == 200 and rescued.json()["session"]["verified"] is True, rescued.text

    # ...to a limited session: no method added or removed, no backup codes, until the waiting period is over.
    attempts = {
        "add the intruder's mailbox": intruder.api("POST", "/2fa/setup/email", {"email": "intruder@evil.example"}),
        "add a passkey": intruder.api("POST", "/2fa/setup/passkey/begin", {"name": "Mine"}),
        "remove the owner's app": intruder.api("DELETE", "/2fa/devices/totp", {}),
        "new backup codes": intruder.api("POST", "/2fa/backup-codes", {}),
    }
    for what, answer in attempts.items():
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "limited_session", (what, answer.text)
    page = intruder.post("/2fa/methods/totp/remove/", {})
    assert page.status_code == 302 and page.headers["Location"] == "/2fa/"
    assert TOTPDevice.objects.filter(user=owner).exists()
    assert not EmailDevice.objects.filter(user=owner).exists()

    # The owner hears of it on every channel: the mailbox (the intruder's too) and the phone.
    notice = site_all.mails_to("victim@example.com")[-1]
    assert "rescue code" in notice and "cannot change your two-factor methods" in notice
    [text] = [text for text in site_all.texts() if OWNER_PHONE in text and "rescue" in text]
    assert "Not you?" in text


def test_replacing_the_backup_codes_ends_what_a_stolen_code_opened(site_all):
    """Outside review, finding 4: a backup code read off the owner's printout (with the phished password) opens a
    session and a remembered browser; the owner's answer, a new set of codes, must end both."""
    from twofactor.methods.backup.codes import replace_backup_codes

    owner = make_user("printout")
    totp = add_totp(owner)
    stolen = replace_backup_codes(owner)[0]
    thief = Browser(site_all, "203.0.113.80")
    assert thief.login("printout", PASSWORD).json()["two_factor"]["state"] == "verify"
    opened = thief.api("POST", "/2fa/verify", {"code": stolen, "method": "backup", "remember": True})
    assert opened.status_code == 200 and opened.json()["verified"] is True, opened.text
    assert thief.api("POST", "/logout").status_code in (200, 204)
    assert thief.login("printout", PASSWORD).json()["verified"] is True  # the remembered browser skips the code
    assert thief.state()["verified"] is True

    owner_browser = verified_browser(site_all, owner, totp, "198.51.100.21")
    wait_for_next_totp_step()
    proved = owner_browser.api("POST", "/reauthenticate", {"password": PASSWORD, "code": totp.now()})
    assert proved.status_code == 200, proved.text
    replaced = owner_browser.api("POST", "/2fa/backup-codes", {})
    assert replaced.status_code == 200 and len(replaced.json()["backup_codes"]) > 1, replaced.text

    assert thief.state()["authenticated"] is False  # the session the stolen code opened has ended
    again = thief.login("printout", PASSWORD).json()
    assert again["verified"] is False and again["two_factor"]["state"] == "verify"  # and the browser is not trusted
    assert owner_browser.state()["verified"] is True  # the owner's own session goes on
