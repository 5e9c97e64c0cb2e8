"""Two app servers (gunicorn, the Procfile's web command) on one PostgreSQL database, and one Redis when the
rate limits use it: a user may sign in on one and verify on the other, a code sent to both at once is accepted
once, and throttles and SMS caps reached on one hold on the other.

Each scenario runs with the rate limits in the database (the default) and in Redis (REDIS_URL; skipped when
no Redis answers on 127.0.0.1:6379; database 15 of it, this suite's own).
"""

import base64
import secrets
import threading
from pathlib import Path

import pyotp
import pytest
import redis
from django.db import connection

from tests.support.app_servers import api, app_servers, browser_session, server_env
from tests.support.users import make_user
from twofactor.methods.sms.models import SMSDevice
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import SecurityEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/15"
PASSWORD = "several-servers-password-42"
PHONE = "+14155550123"


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


def _database_url() -> str:
    params = connection.settings_dict
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    return f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


@pytest.fixture(scope="module", params=["database", "redis"])
def servers(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """(store, [url A, url B], SMS folder): two servers, each with its own process, on the test database."""
    extra = {"SMS_BACKEND": "file", "SMS_FILE_PATH": str(tmp_path_factory.mktemp("sms"))}
    if request.param == "redis":
        _redis_or_skip().flushdb()
        extra["REDIS_URL"] = REDIS_URL
    with django_db_blocker.unblock():
        database_url = _database_url()
    logs = tmp_path_factory.mktemp("server-logs")
    with app_servers(2, server_env(database_url, **extra), logs) as urls:
        yield request.param, urls, Path(extra["SMS_FILE_PATH"])


@pytest.fixture(autouse=True)
def _fresh_counters(request):
    if "servers" in request.fixturenames and request.getfixturevalue("servers")[0] == "redis":
        _redis_or_skip().flushdb()


_password_hash = {}


def _user(username: str):
    """A user whose password the servers check with the production hasher (hashed once for all users)."""
    if "hash" not in _password_hash:
        _password_hash["hash"] = _production_hash()
    user = make_user(username)
    user.password = _password_hash["hash"]
    user.save(update_fields=["password"])
    return user


def _production_hash() -> str:
    from django.contrib.auth.hashers import get_hasher
    from django.test import override_settings

    from twofa_site.settings import PASSWORD_HASHERS

    with override_settings(PASSWORD_HASHERS=PASSWORD_HASHERS):  # the servers' own hasher: no rehash at sign-in
        hasher = get_hasher("default")
        return hasher.encode(PASSWORD, hasher.salt())


def _totp_user(username: str) -> tuple:
    user = _user(username)
    key = secrets.token_bytes(20)
    device = TOTPDevice(user=user, name="Authenticator app", confirmed=True)
    device.set_key(key)
    device.save()
    return user, pyotp.TOTP(base64.b32encode(key).decode())


def _signed_in(base: str, username: str):
    session = browser_session()
    response = api(session, base, "POST", "/login", {"username": username, "password": PASSWORD}, timeout=30)
    assert response.status_code == 200, response.text
    return session


def test_sign_in_on_one_server_and_verify_on_the_other(servers):
    _store, (a, b), _sms = servers
    user, totp = _totp_user("alice")
    session = _signed_in(a, "alice")
    assert api(session, b, "GET", "/session").json()["two_factor"]["state"] == "verify"
    response = api(session, b, "POST", "/2fa/verify", {"code": totp.now()})
    assert response.status_code == 200, response.text
    assert api(session, a, "GET", "/session").json()["verified"] is True
    page = session.get(f"{a}/", allow_redirects=False)
    assert page.status_code == 200 and "alice" in page.text
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SIGNED_IN).count() == 1


def _submitted_at_once(sessions: list, bases: list[str], code: str) -> list[int | None]:
    """The statuses of `code` posted by each session to its server, the posts released together."""
    barrier = threading.Barrier(len(sessions))
    statuses: list[int | None] = [None] * len(sessions)

    def submit(index: int) -> None:
        barrier.wait()
        statuses[index] = api(
            sessions[index], bases[index], "POST", "/2fa/verify", {"code": code}, timeout=30
        ).status_code

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def test_one_code_sent_to_both_servers_at_once_is_accepted_once(servers):
    _store, (a, b), _sms = servers
    for round_ in range(2):
        user, totp = _totp_user(f"twice{round_}")
        sessions = [_signed_in(a, user.username), _signed_in(b, user.username)]  # two browsers, one stolen code
        statuses = _submitted_at_once(sessions, [a, b], totp.now())
        assert sorted(statuses) == [200, 400], statuses
        assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SIGNED_IN).count() == 1
        assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.CODE_FAILED).count() == 1


def test_a_code_throttle_reached_on_one_server_holds_on_the_other(servers):
    _store, (a, b), _sms = servers
    _user, totp = _totp_user("bob")
    session = _signed_in(a, "bob")
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    assert api(session, a, "POST", "/2fa/verify", {"code": wrong}).status_code == 400
    throttled = api(session, b, "POST", "/2fa/verify", {"code": totp.now()})  # right code, still too soon
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1


def test_password_failures_counted_on_both_servers_throttle_on_both(servers, settings):
    _store, (a, b), _sms = servers
    _user("carol")
    limit = 10  # TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT's default, which the servers use
    session = browser_session()
    for attempt in range(limit):
        response = api(session, (a, b)[attempt % 2], "POST", "/login", {"username": "carol", "password": "wrong"})
        assert response.status_code == 401, (attempt, response.text)
    for base in (a, b):
        response = api(session, base, "POST", "/login", {"username": "carol", "password": PASSWORD})
        assert response.status_code == 429, response.text


def test_the_sms_cap_of_one_phone_reached_across_both_servers(servers):
    _store, (a, b), sms_folder = servers
    limit = 5  # TWOFACTOR_SEND_LIMIT_PER_PHONE_HOUR's default: texts to one number per hour, across accounts
    statuses = []
    for index in range(limit + 1):
        user = _user(f"phone{index}")
        SMSDevice.objects.create(user=user, name="Phone", phone_number=PHONE, confirmed=True)
        base = (a, b)[index % 2]
        session = _signed_in(base, user.username)
        statuses.append(api(session, base, "POST", "/2fa/challenge", {"method": "sms"}).status_code)
    assert statuses == [200] * limit + [429], statuses
    assert len(list(sms_folder.iterdir())) == limit
