"""The abuse and outage findings of issue 21 (and 20.5), run over HTTP against a live gunicorn on the test database.

Each test is one attack or one fault, and what the site must now do. The Redis tests start a private
`redis-server` on a free port (never the machine's shared one) and stop it mid-run.
"""

import asyncio
import base64
import json
import re
import shutil
import socket
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
import redis
import requests
from django.contrib.auth import get_user_model
from django.db import connection

from tests.support.live_server import WORKERS, Browser, LiveServer
from tests.support.soft_authenticator import SoftAuthenticator
from twofactor.methods.passkey.models import PasskeyDevice
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import RateCounter

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "owner-password-1234"
WRONG = "not-the-password-00"


@pytest.fixture(autouse=True)
def _live_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.support.live_server.LiveServerHasher"]


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)


# The passkeys' relying party on the live site: py_webauthn checks the origin the authenticator signs, not the port.
RP_ID, ORIGIN = "localhost", "http://localhost"
SITE_URL = "https://twofa.example.com"
RESCUE_DESK = "desk@example.com"


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_setup, django_db_blocker):
    """One server for the module: behind one trusted proxy hop (tests play many client addresses), passkeys on."""
    with django_db_blocker.unblock():
        server = LiveServer(
            tmp_path_factory.mktemp("abuse-live"),
            TWOFACTOR_TRUSTED_PROXIES="1",
            TWOFACTOR_WEBAUTHN_RP_ID=RP_ID,
            TWOFACTOR_WEBAUTHN_ORIGINS=ORIGIN,
            TWOFACTOR_SITE_URL=SITE_URL,
            TWOFACTOR_RESCUE_EMAIL=RESCUE_DESK,
        )
    yield server
    server.stop()


@pytest.fixture
def live(site):
    site.clear_outboxes()
    return site


def session_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_session")
        return cursor.fetchone()[0]


def add_totp(user) -> pyotp.TOTP:
    key = b"0123456789abcdefghij"
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    return pyotp.TOTP(base64.b32encode(key).decode())


def add_passkey(user) -> SoftAuthenticator:
    key = SoftAuthenticator()
    key.user_handle = b"owner-handle"
    PasskeyDevice.objects.create(
        user=user,
        name="Alice Smith's YubiKey 5C (work)",
        confirmed=True,
        credential_id=key.credential_id,
        public_key=key._cose_key(),
        user_handle=key.user_handle,
        transports=["usb"],
    )
    return key


def passwordless(browser: Browser, key: SoftAuthenticator) -> requests.Response:
    """Sign in with `key` alone: the options, then the assertion (what passkey.js does)."""
    options = browser.api("POST", "/2fa/passkey/sign-in/begin", {})
    if options.status_code != 200:
        return options
    credential = key.get(options.json()["publicKey"], origin=ORIGIN, rp_id=RP_ID)
    return browser.api("POST", "/2fa/passkey/sign-in/complete", {"credential": json.dumps(credential)})


def forged(credential_id: bytes) -> SoftAuthenticator:
    """A stranger's authenticator that names `credential_id` but signs with a key of its own."""
    stranger = SoftAuthenticator()
    stranger.credential_id = credential_id
    return stranger


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone, on a free port, that the test stops and starts again."""

    def __init__(self, folder):
        self.port = _free_port()
        self.folder = folder
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1)

    def keys(self) -> int:
        return self.client().dbsize()


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def _concurrent_wrong_passwords(site, count: int, address: str) -> list[int]:
    barrier = threading.Barrier(count)
    statuses = []

    def attempt():
        browser = Browser(site, address)
        browser._csrf()
        barrier.wait()
        statuses.append(browser.login("owner", WRONG).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


# 1. Redis is an accelerator, not a single point of failure


def test_redis_stopped_mid_run_rate_limits_fall_back_to_the_database_and_return(tmp_path, private_redis):
    make_user("owner")
    site = LiveServer(
        tmp_path / "site",
        REDIS_URL=private_redis.url,
        TWOFACTOR_TRUSTED_PROXIES="1",
        TWOFACTOR_CACHE_RETRY_SECONDS="2",
    )
    try:
        first = Browser(site, "198.51.100.20")
        assert first.login("owner", PASSWORD).json()["two_factor"]["state"] == "setup"
        assert private_redis.keys() > 0 and not RateCounter.objects.exists()  # Redis counts while it answers

        private_redis.stop()
        owner = Browser(site, "198.51.100.21")
        answer = owner.login("owner", PASSWORD)
        assert answer.status_code == 200, answer.text[:500]
        assert answer.json()["authenticated"] is True
        statuses = _concurrent_wrong_passwords(site, 20, "203.0.113.77")
        assert len(statuses) == 20 and 500 not in statuses, statuses
        assert statuses.count(401) <= 10 and statuses.count(401) + statuses.count(429) == 20, statuses
        assert RateCounter.objects.filter(key__contains="203.0.113.77").exists()  # counted in the database

        private_redis.start()
        time.sleep(2.5)  # the retry interval: the next attempt asks Redis again
        RateCounter.objects.all().delete()
        late = Browser(site, "198.51.100.22")
        for _attempt in range(3):
            assert late.login("owner", WRONG).status_code == 401
        assert private_redis.keys() > 0, "Redis was not used again after it came back"
        assert not RateCounter.objects.filter(key__contains="198.51.100.22").exists()
    finally:
        site.stop()
    log = (tmp_path / "site" / "gunicorn.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    outage_lines = [line for line in log.splitlines() if "cannot be reached" in line]
    assert 1 <= len(outage_lines) <= WORKERS, outage_lines  # one line per outage and process, not per request


# 2. No server state for strangers; passkey ceremonies throttled per client address


def test_a_thousand_anonymous_passkey_begins_and_garbage_answers_add_no_session_row(live):
    """Strangers with a CSRF cookie of their own choosing, from 20 addresses: begins, garbage answers to the API
    and to the page. Not one session row may be stored for them."""
    before = session_rows()
    token = "a" * 32

    def send(number: int) -> int:
        headers = {"X-Forwarded-For": f"203.0.113.{number % 20 + 1}", "X-CSRFToken": token}
        cookies = {"csrftoken": token}
        if number < 1000:
            answer = requests.post(
                f"{live.url}/api/v1/2fa/passkey/sign-in/begin", json={}, headers=headers, cookies=cookies, timeout=60
            )
        elif number < 1100:
            answer = requests.post(
                f"{live.url}/api/v1/2fa/passkey/sign-in/complete",
                json={"credential": json.dumps({"rawId": "AAAA", "response": {}})},
                headers=headers,
                cookies=cookies,
                timeout=60,
            )
        else:
            answer = requests.post(
                f"{live.url}/2fa/passkey/sign-in/",
                data={"credential": "garbage", "csrfmiddlewaretoken": token},
                headers=headers,
                cookies=cookies,
                timeout=60,
            )
        return answer.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(send, range(1200)))
    assert 500 not in statuses and statuses.count(200) > 0, sorted(set(statuses))
    added = session_rows() - before
    print(f"session rows added by 1,200 anonymous passkey requests: {added}")
    assert added == 0


def test_passkey_begin_and_answers_are_throttled_per_client_address(live):
    make_user("owner")
    stranger = Browser(live, "203.0.113.50")
    begins = [stranger.api("POST", "/2fa/passkey/sign-in/begin", {}).status_code for _ in range(70)]
    assert begins.count(200) == 60 and begins[-1] == 429, begins
    answers = Browser(live, "203.0.113.51")
    junk = {"credential": json.dumps({"rawId": "AAAA", "response": {}})}
    statuses = [answers.api("POST", "/2fa/passkey/sign-in/complete", junk).status_code for _ in range(25)]
    assert statuses.count(429) == 5 and set(statuses[:20]) == {400}, statuses
    assert Browser(live, "198.51.100.9").api("POST", "/2fa/passkey/sign-in/begin", {}).status_code == 200


# 20.5 Passkey failures cannot be spent by strangers


def test_strangers_naming_the_owners_credential_neither_lock_it_nor_learn_it_is_registered(live):
    owner_user = make_user("owner")
    key = add_passkey(owner_user)
    registered, unknown = [], []
    for number in range(30):  # 30 bad signatures naming the owner's credential, from 3 addresses
        attacker = Browser(live, f"203.0.113.{60 + number % 3}")
        registered.append(passwordless(attacker, forged(key.credential_id)))
    for number in range(3):
        attacker = Browser(live, f"203.0.113.{70 + number}")
        unknown.append(passwordless(attacker, SoftAuthenticator()))

    assert {(answer.status_code, answer.text) for answer in registered[:3]} == {
        (answer.status_code, answer.text) for answer in unknown
    }, "a registered credential id is told apart from an unknown one"
    assert {answer.status_code for answer in registered} <= {401, 429}
    # The owner's real key still signs in, without a password and as the second step.
    owner = Browser(live, "198.51.100.20")
    answer = passwordless(owner, key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["verified"] is True
    device = PasskeyDevice.objects.get(user=owner_user)
    assert device.throttling_failure_count == 0


# 8. Links in mails carry the configured origin, whatever the Host header says


def test_links_in_mails_carry_the_canonical_origin_whatever_the_host(live):
    owner = make_user("owner")
    add_totp(owner)
    # A trusted proxy says https; the Host names a port of the attacker's choosing (ALLOWED_HOSTS ignores ports).
    forger = Browser(live, "203.0.113.66")
    forger.headers.update(
        {"Host": "localhost:31337", "X-Forwarded-Proto": "https", "Origin": "https://localhost:31337"}
    )
    assert forger.post("/accounts/password/reset/", {"email": "owner@example.com"}).status_code == 302
    assert forger.login("owner", PASSWORD).json()["two_factor"]["state"] == "verify"
    assert forger.api("POST", "/2fa/rescue", {"option": "help", "message": "Lost my phone"}).status_code == 200
    mails = live.mails_to("owner@example.com", at_least=2) + live.mails_to(RESCUE_DESK, at_least=1)
    links = [link for body in mails for link in re.findall(r"https?://[^\s<>\"]+", body)]
    assert len(mails) == 3 and links, mails
    assert all(link.startswith(SITE_URL + "/") for link in links), links


# 4. A password-only session learns no more than the pages show


def test_a_password_only_session_sees_the_address_masked_and_passkeys_by_kind(live):
    owner = make_user("owner")
    totp = add_totp(owner)
    add_passkey(owner)
    holder = Browser(live, "203.0.113.66")  # has the password, not the second factor
    shapes = [holder.login("owner", PASSWORD).json(), holder.state()]
    for shape in shapes:
        assert shape["two_factor"]["state"] == "verify"
        assert shape["user"]["email"] == "o••••@example.com", shape
    page = holder.get("/2fa/verify/").text
    assert "Alice Smith" not in page and "YubiKey" not in page and "Security key" in page
    assert "owner@example.com" not in page
    assert holder.api("POST", "/2fa/verify", {"code": totp.now(), "method": "totp"}).json()["verified"] is True
    assert holder.state()["user"]["email"] == "owner@example.com"  # the verified owner sees it whole


# 5. IPv6: every address of one /64 shares one budget


def test_every_address_of_one_ipv6_64_shares_one_password_budget(live):
    make_user("owner")
    statuses = [Browser(live, f"2001:db8:1:2::{number:x}").login("owner", WRONG).status_code for number in range(1, 16)]
    assert statuses == [401] * 10 + [429] * 5, statuses
    # Another /64 (another subscriber) has a budget of its own.
    assert Browser(live, "2001:db8:1:3::1").login("owner", WRONG).status_code == 401


# 3. Floods: sign-up and the rescue desk


def sign_up(browser: Browser, username: str):
    return browser.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": f"{username}@example.com",
            "password1": "spam-password-9876",
            "password2": "spam-password-9876",
        },
    )


def test_sign_up_from_one_address_is_capped(live):
    # A fresh browser each time (a new account is signed in at once), all from one address.
    statuses = [sign_up(Browser(live, "203.0.113.90"), f"throwaway{number}").status_code for number in range(8)]
    assert statuses.count(302) == 5 and statuses[5:] == [429] * 3, statuses
    assert get_user_model().objects.filter(username__startswith="throwaway").count() == 5
    assert sign_up(Browser(live, "198.51.100.90"), "someone").status_code == 302  # another address is not held up


BAIT = "Approve or deny: https://evil.example/approve?request=1\nor visit www.evil.example now"


def test_rescue_floods_are_capped_batched_and_quoted_defanged(live):
    accounts = []
    for number in range(6):
        user = make_user(f"holder{number}")
        add_totp(user)
        accounts.append(user)
    flooder_answers = []
    for user in accounts:  # six accounts from one address, each filing and adding five times
        browser = Browser(live, "203.0.113.91")
        assert browser.login(user.username, PASSWORD).json()["two_factor"]["state"] == "verify"
        for _attempt in range(5):
            flooder_answers.append(browser.api("POST", "/2fa/rescue", {"option": "help", "message": BAIT}).status_code)
    assert flooder_answers.count(200) == 3 and set(flooder_answers) == {200, 429}, flooder_answers

    # One account from five addresses: one request, follow-ups added to it, one staff mail.
    live.clear_outboxes()
    owner = make_user("owner")
    add_totp(owner)
    for number in range(5):
        browser = Browser(live, f"198.51.100.{100 + number}")
        browser.login("owner", PASSWORD)
        answer = browser.api("POST", "/2fa/rescue", {"option": "help", "message": f"Text {number}. {BAIT}"})
        assert answer.status_code == 200, answer.text
    desk = live.mails_to(RESCUE_DESK)
    assert len(desk) == 1, desk
    body = desk[0]
    assert "evil.example" not in body and "hxxps://evil[.]example/approve" in body
    assert "came from the requester" in body
    own_lines = [line for line in body.splitlines() if not line.startswith(">")]
    assert not any("evil" in line or "Text 0" in line for line in own_lines), own_lines
    assert any(line.startswith(f"{SITE_URL}/admin/") or f" {SITE_URL}/admin/" in line for line in own_lines)


# 6. Enumeration: the reset page takes as long for an unknown address as for a registered one


def test_the_reset_page_answers_registered_and_unknown_addresses_in_the_same_time(tmp_path, django_db_blocker):
    from aiosmtpd.controller import Controller

    from tests.support.delivery_fixtures import MailSink, free_port

    class SlowMailServer(MailSink):
        """A relay that takes 50 ms to accept a message, as real ones do (and more)."""

        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(0.05)
            return await super().handle_DATA(server, session, envelope)

    sink, port = SlowMailServer(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    site = LiveServer(tmp_path / "site", TWOFACTOR_TRUSTED_PROXIES="1", EMAIL_URL=f"smtp://127.0.0.1:{port}")
    rounds = 40
    try:
        for number in range(rounds):
            make_user(f"member{number}")
        timings = {"registered": [], "unknown": []}
        for number in range(rounds):  # interleaved, in turn first; each address asked once, from an address of its own
            for kind in ("registered", "unknown") if number % 2 else ("unknown", "registered"):
                address = f"member{number}@example.com" if kind == "registered" else f"nobody{number}@example.com"
                browser = Browser(site, f"198.18.{number}.{1 if kind == 'registered' else 2}")
                browser._csrf("/accounts/password/reset/")
                started = time.perf_counter()
                answer = browser.post("/accounts/password/reset/", {"email": address})
                timings[kind].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 302 and answer.headers["Location"] == "/accounts/password/reset/sent/"
                time.sleep(0.05)  # one request at a time, as a prober times them
        deadline = time.monotonic() + 20
        while len(sink.mails) < rounds and time.monotonic() < deadline:
            time.sleep(0.1)  # the mails may go out after the answer
    finally:
        site.stop()
        controller.stop()
    registered, unknown = statistics.median(timings["registered"]), statistics.median(timings["unknown"])
    print(f"reset page medians over {rounds} requests each: registered {registered:.2f} ms, unknown {unknown:.2f} ms")
    assert len(sink.mails) == rounds  # every registered address got its mail, no unknown one did
    # Sending took 50 ms more for a registered address before; now the difference is the machine's noise.
    assert abs(registered - unknown) < 15, (registered, unknown)


def test_sign_up_probes_for_taken_names_are_throttled_per_address(live):
    make_user("victim")
    prober = Browser(live, "203.0.113.120")
    answers = []
    for number in range(25):  # alternately a taken email with a fresh name, and a taken name with a fresh email
        taken_email = number % 2 == 0
        answers.append(
            prober.post(
                "/accounts/signup/",
                {
                    "username": f"probe{number}" if taken_email else "victim",
                    "email": "victim@example.com" if taken_email else f"probe{number}@example.org",
                    "password1": "spam-password-9876",
                    "password2": "spam-password-9876",
                },
            )
        )
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200] * 20 + [429] * 5, statuses
    # A taken address is not confirmed as an account's, nor pointed at signing in to it.
    email_probes = [answer.text for answer in answers[:20:2]]
    assert all("cannot be used for a new account" in text for text in email_probes)
    assert not any("Sign in or reset" in text or "exists" in text for text in email_probes)
    assert "Too many sign-ups from your network" in answers[-1].text


# 7. A username cannot squat another person's future email address


def test_a_username_cannot_squat_someone_elses_future_email_address(live):
    squatter = Browser(live, "203.0.113.130")
    refused = sign_up_as(squatter, "someone@victim.example", "squatter@example.org")
    assert refused.status_code == 200 and "cannot look like an email address" in refused.text
    assert not get_user_model().objects.filter(username__iexact="someone@victim.example").exists()
    # An account made before the rule (or by staff) with such a name does not take the address from its owner.
    get_user_model().objects.create_user("other@victim.example", "legacy@example.org", "legacy-password-1234")
    owner = Browser(live, "198.51.100.130")
    assert sign_up_as(owner, "victim", "other@victim.example").status_code == 302
    signed_in = Browser(live, "198.51.100.131").login("other@victim.example", "spam-password-9876")
    assert signed_in.status_code == 200 and signed_in.json()["user"]["username"] == "victim", signed_in.text


def sign_up_as(browser: Browser, username: str, email: str):
    return browser.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": "spam-password-9876", "password2": "spam-password-9876"},
    )
