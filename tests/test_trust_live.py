"""Issue 25 over HTTP against a live gunicorn (several workers): trusted browsers, revoked by their owner and
automatically; what a copied or forged cookie gets."""

import re
import time
import types

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing
from django.utils import timezone

from tests.support.live_server import Browser, LiveServer
from tests.test_attacks_live import PASSWORD, add_totp
from twofactor.methods.backup.codes import replace_backup_codes
from twofactor.methods.backup.models import BackupCode
from twofactor.methods.email.models import EmailDevice
from twofactor.models import SecurityEvent, TrustedBrowser

pytestmark = pytest.mark.django_db(transaction=True)

FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
COOKIE = "twofactor_remember"
Kind = SecurityEvent.Kind


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        running = LiveServer(
            tmp_path_factory.mktemp("live-trust"), TWOFACTOR_REQUIRED="all", TWOFACTOR_TRUSTED_PROXIES="1"
        )
    yield running
    running.stop()


@pytest.fixture
def site(server):
    server.clear_outboxes()
    return server


@pytest.fixture(autouse=True)
def _live_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.support.live_server.LiveServerHasher"]


class Owner:
    """An account with an authenticator app and backup codes (each sign-in below spends one)."""

    def __init__(self, username: str = "owner", **extra):
        self.username = username
        self.user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)
        self.totp: pyotp.TOTP = add_totp(self.user)
        self.codes = replace_backup_codes(self.user)

    def code(self) -> str:
        return self.codes.pop()


def browser(site: LiveServer, address: str = "203.0.113.77") -> Browser:
    client = Browser(site, address)
    client.http.headers["User-Agent"] = FIREFOX_ON_WINDOWS
    return client


def remembered(site: LiveServer, owner: Owner, address: str = "203.0.113.77") -> Browser:
    """A browser that passed the second step with "remember this browser" ticked, then signed out."""
    client = browser(site, address)
    assert client.login(owner.username, PASSWORD).json()["two_factor"]["state"] == "verify"
    answer = client.api("POST", "/2fa/verify", {"code": owner.code(), "remember": True})
    assert answer.status_code == 200 and answer.json()["verified"] is True, answer.text
    assert COOKIE in client.http.cookies
    client.api("POST", "/logout")
    return client


def second_step_state(client: Browser, owner: Owner) -> str:
    """Sign in with the password: "none" when the second step was skipped, "verify" when a code is asked for."""
    state = client.login(owner.username, PASSWORD).json()["two_factor"]["state"]
    client.api("POST", "/logout")
    return state


def verified(site: LiveServer, owner: Owner, address: str = "198.51.100.20") -> Browser:
    client = browser(site, address)
    client.login(owner.username, PASSWORD)
    assert client.api("POST", "/2fa/verify", {"code": owner.code()}).json()["verified"] is True
    return client


def test_a_remembered_browser_skips_the_second_step_until_revoked_on_the_page(site):
    owner = Owner()
    laptop = remembered(site, owner)
    assert second_step_state(laptop, owner) == "none"
    assert second_step_state(laptop, owner) == "none"
    record = TrustedBrowser.objects.get(user=owner.user)
    assert (record.description, record.network) == ("Firefox on Windows", "203.0.113.0/24")

    phone = verified(site, owner)
    page = phone.get("/2fa/").text
    assert "Firefox on Windows" in page and "from the network 203.0.113.0/24" in page
    assert phone.post(f"/2fa/trusted-browsers/{record.pk}/revoke/", {}).status_code == 302
    assert second_step_state(laptop, owner) == "verify"


def test_revoke_all_through_the_api(site):
    owner = Owner()
    laptop = remembered(site, owner)
    phone = verified(site, owner)
    assert [item["browser"] for item in phone.api("GET", "/2fa/trusted-browsers").json()["trusted_browsers"]] == [
        "Firefox on Windows"
    ]
    assert phone.api("DELETE", "/2fa/trusted-browsers").json() == {"trusted_browsers": []}
    assert second_step_state(laptop, owner) == "verify"


def test_a_password_change_asks_the_remembered_browser_for_a_code(site):
    owner = Owner()
    laptop = remembered(site, owner)
    phone = verified(site, owner)
    new_password = "a-brand-new-password-77"
    changed = phone.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert changed.status_code == 302
    assert laptop.login(owner.username, new_password).json()["two_factor"]["state"] == "verify"


def test_a_method_removal_asks_the_remembered_browser_for_a_code(site):
    owner = Owner()
    EmailDevice.objects.create(user=owner.user, name="Email", email=owner.user.email, confirmed=True)
    laptop = remembered(site, owner)
    phone = verified(site, owner)
    proof = phone.api("POST", "/reauthenticate", {"password": PASSWORD, "code": owner.code(), "method": "backup"})
    assert proof.status_code == 200, proof.text
    assert phone.api("DELETE", "/2fa/devices/email").status_code == 200
    assert second_step_state(laptop, owner) == "verify"


def test_a_staff_reset_asks_the_remembered_browser_for_a_code(site):
    owner = Owner()
    laptop = remembered(site, owner)
    staff = Owner("staff", is_staff=True)
    staff.user.user_permissions.add(Permission.objects.get(codename="reset_twofactor"))
    desk = verified(site, staff, "192.0.2.50")
    url = f"/admin/accounts/user/{owner.user.pk}/two-factor-reset/"
    assert desk.get(url).status_code == 200
    assert desk.post(url, {"confirmed": "yes", "note": "owner called from the number on file"}).status_code == 302
    # The reset also removed the methods: the next sign-in must set one up, and is not waved through.
    assert second_step_state(laptop, owner) == "setup"
    assert [event.data["reason"] for event in SecurityEvent.objects.filter(kind=Kind.TRUSTED_BROWSERS_REVOKED)] == [
        "reset"
    ]


def test_a_cookie_copied_from_another_user_is_refused(site):
    alice, bob = Owner("alice"), Owner("bob")
    bob.user.password = alice.user.password  # one password under a legacy hash without a salt: the same hash
    bob.user.save()
    alices = remembered(site, alice)
    bobs = browser(site, "198.51.100.9")
    bobs.http.cookies.set(COOKIE, alices.http.cookies[COOKIE])
    assert second_step_state(bobs, bob) == "verify"
    assert second_step_state(alices, alice) == "none"


def test_a_forged_token_is_refused(site):
    owner = Owner()
    remembered(site, owner)
    forger = browser(site, "198.51.100.9")
    for value in ("A" * 43, "x", '"quoted"'):
        forger.http.cookies.set(COOKIE, value)
        assert second_step_state(forger, owner) == "verify"


def test_an_expired_trusted_browser_is_asked_for_a_code(site):
    owner = Owner()
    laptop = remembered(site, owner)
    TrustedBrowser.objects.update(expires_at=timezone.now())
    assert second_step_state(laptop, owner) == "verify"
    assert not TrustedBrowser.objects.exists()


# "Someone knows your password"


def alerts(site: LiveServer, owner: Owner) -> list[str]:
    return [body for body in site.mails_to(owner.user.email) if "Someone just signed in" in body]


def right_password_then_wrong_codes(site: LiveServer, owner: Owner, address: str) -> list[int]:
    stranger = browser(site, address)
    assert stranger.login(owner.username, PASSWORD).json()["two_factor"]["state"] == "verify"
    return [stranger.api("POST", "/2fa/verify", {"code": code}).status_code for code in ("000000", "111111", "222222")]


def test_the_right_password_and_wrong_codes_send_one_alert_a_day(site):
    owner = Owner()
    statuses = right_password_then_wrong_codes(site, owner, "203.0.113.66")
    assert statuses[0] == 400 and 429 in statuses  # wrong, then the throttle trips
    [alert] = alerts(site, owner)
    assert "They came from Firefox on Windows, on the network 203.0.113.0/24." in alert
    assert "/accounts/password/change/" in alert
    assert "000000" not in alert and "111111" not in alert
    # A second sequence the same day, from elsewhere: the owner was told already.
    time.sleep(1.1)  # the first throttle step is over
    right_password_then_wrong_codes(site, owner, "198.51.100.44")
    assert len(alerts(site, owner)) == 1
    assert SecurityEvent.objects.filter(user=owner.user, kind=Kind.PASSWORD_ALERT).count() == 1


# "Not you?"

SAFARI_ON_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)


def not_you_link(site: LiveServer, owner: Owner) -> str:
    [mail] = [body for body in site.mails_to(owner.user.email) if "Not you?" in body]
    return re.search(r"/2fa/not-you/\S+/", mail).group(0)


def stranger_signed_in_after_the_owner(site: LiveServer, owner: Owner) -> Browser:
    home = browser(site, "198.51.100.7")
    home.http.headers["User-Agent"] = SAFARI_ON_MAC
    home.login(owner.username, PASSWORD)
    assert home.api("POST", "/2fa/verify", {"code": owner.code()}).json()["verified"] is True  # the first location
    stranger = browser(site, "203.0.113.66")
    stranger.login(owner.username, PASSWORD)
    assert stranger.api("POST", "/2fa/verify", {"code": owner.code(), "remember": True}).json()["verified"] is True
    return stranger


def test_the_not_you_link_ends_the_session_it_names_once(site):
    owner = Owner()
    stranger = stranger_signed_in_after_the_owner(site, owner)
    link = not_you_link(site, owner)
    reader = Browser(site, "198.51.100.7")  # the owner, reading mail on another device
    shown = reader.get(link)
    assert shown.status_code == 200 and "Sign that sign-in out" in shown.text
    assert stranger.state()["verified"] is True  # opening the link changed nothing
    done = reader.post(link, {})
    assert done.status_code == 200 and "is signed out." in done.text and "signed nobody in" in done.text
    assert stranger.state()["authenticated"] is False
    assert not TrustedBrowser.objects.filter(user=owner.user).exists()
    assert second_step_state(stranger, owner) == "verify"  # its remember cookie opens nothing any more
    assert reader.state()["authenticated"] is False  # and the link signed nobody in
    # Once: a second use does nothing, even against the stranger's next sign-in.
    stranger.login(owner.username, PASSWORD)
    assert stranger.api("POST", "/2fa/verify", {"code": owner.code()}).json()["verified"] is True
    again = reader.post(link, {})
    assert again.status_code == 400 and "does not work any more" in again.text
    assert stranger.state()["verified"] is True
    assert SecurityEvent.objects.filter(user=owner.user, kind=Kind.SIGN_IN_DISOWNED).count() == 1


def test_a_not_you_link_older_than_24_hours_does_nothing(site):
    owner = Owner()
    stranger = stranger_signed_in_after_the_owner(site, owner)
    token = not_you_link(site, owner).removeprefix("/2fa/not-you/").rstrip("/")
    payload = signing.loads(token, salt="twofactor.not-you")
    real = signing.time
    signing.time = types.SimpleNamespace(time=lambda: time.time() - 24 * 3600 - 5)
    try:
        stale = signing.dumps({**payload, "n": payload["n"] + "x"}, salt="twofactor.not-you", compress=True)
    finally:
        signing.time = real
    reader = Browser(site, "198.51.100.7")
    answer = reader.post(f"/2fa/not-you/{stale}/", {})
    assert answer.status_code == 400 and "does not work any more" in answer.text
    assert stranger.state()["verified"] is True
    assert TrustedBrowser.objects.filter(user=owner.user).exists()


# Guessing against the account


def test_guessing_from_one_address_tells_the_owner_once_a_day(site):
    owner = Owner()
    guesser = browser(site, "203.0.113.80")
    statuses = [guesser.login(owner.username, f"wrong-guess-{n}").status_code for n in range(12)]
    assert statuses.count(401) == 10 and statuses[10:] == [429, 429]
    [notice] = [body for body in site.mails_to(owner.user.email) if "wrong passwords were tried" in body]
    assert "At least 10 wrong passwords were tried for your account in the last 24 hours." in notice
    assert "none of these passwords was accepted, and nobody got in" in notice
    assert "wrong-guess" not in notice and "/2fa/unlock/" not in notice
    other = browser(site, "198.51.100.80")
    assert [other.login(owner.username, f"again-{n}").status_code for n in range(11)][-1] == 429
    assert len([body for body in site.mails_to(owner.user.email) if "wrong passwords were tried" in body]) == 1


# Few backup codes left


def test_the_backup_code_notice_appears_at_two_left(site):
    owner = Owner()
    unused = BackupCode.objects.filter(device__user=owner.user, used_at__isnull=True).order_by("pk")
    BackupCode.objects.filter(pk__in=list(unused.values_list("pk", flat=True))[3:]).update(used_at=timezone.now())
    owner.codes = owner.codes[:3]
    page = browser(site, "198.51.100.30")
    assert page.post("/accounts/login/", {"username": owner.username, "password": PASSWORD}).status_code == 302
    done = page.post("/2fa/verify/", {"code": owner.codes.pop()})  # 3 -> 2 left
    assert done.status_code == 302
    after = page.get(done.headers["Location"]).text
    assert "Only 2 unused backup codes are left: make a new set before you run out." in after
    assert "Make new backup codes" in after
    assert "Only 2 unused backup codes are left" in page.get("/2fa/").text
    [low] = [body for body in site.mails_to(owner.user.email) if "Only 2 unused codes are left." in body]
    assert "Make a new set now" in low
