"""Passwords are hashed with Argon2id at OWASP's minimum; older PBKDF2 hashes verify and are upgraded at sign-in;
an unknown account costs the same one hash as a known one."""

import statistics
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, identify_hasher

from accounts.hashers import OWASPArgon2PasswordHasher
from tests.support.users import PASSWORD, make_user
from twofa_site import settings as site_settings

SITE_HASHERS = site_settings.PASSWORD_HASHERS


@pytest.fixture
def site_hashers(settings):
    """The project's own hasher list (the suite's fixture replaces it with MD5 for speed)."""
    settings.PASSWORD_HASHERS = SITE_HASHERS
    return settings


class CountingArgon2(OWASPArgon2PasswordHasher):
    """The site's hasher, counting the hashes it computes (encode for new hashes, verify for checks)."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        type(self).calls += 1
        return super().verify(password, encoded)


def test_argon2id_at_owasp_minimum_comes_first_and_pbkdf2_stays_to_verify_older_hashes(site_hashers):
    first = get_hasher("default")
    assert isinstance(first, OWASPArgon2PasswordHasher)
    params = first.params()
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)
    assert params.type.name == "ID"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in SITE_HASHERS[1:]


def test_the_parameters_come_from_settings(site_hashers):
    site_hashers.PASSWORD_ARGON2_MEMORY_KIB = 12 * 1024
    site_hashers.PASSWORD_ARGON2_TIME_COST = 3
    encoded = get_hasher("default").encode("some password", "saltsaltsaltsalt")
    assert "$m=12288,t=3,p=1$" in encoded


def test_an_old_pbkdf2_user_signs_in_and_is_rehashed_with_argon2id(client, site_hashers, db):
    user = make_user()
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])

    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(user.password).verify(PASSWORD, user.password)


def test_a_wrong_password_leaves_the_old_hash_as_it_was(client, site_hashers, db):
    user = make_user()
    old = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.password = old
    user.save(update_fields=["password"])

    response = client.post("/accounts/login/", {"username": "alice", "password": "not-the-password-1"})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password == old


def test_raised_parameters_rehash_at_the_next_sign_in(client, site_hashers, db):
    site_hashers.PASSWORD_ARGON2_MEMORY_KIB = 8 * 1024
    user = make_user()
    assert "$m=8192," in user.password
    site_hashers.PASSWORD_ARGON2_MEMORY_KIB = 19 * 1024

    assert client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 302

    user.refresh_from_db()
    assert "$m=19456,t=2,p=1$" in user.password


def _password_step(client, username: str, address: str) -> float:
    started = time.perf_counter()
    response = client.post(
        "/accounts/login/", {"username": username, "password": "wrong-password-42"}, REMOTE_ADDR=address
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, "a wrong password gets the form again, not a throttle answer"
    return elapsed


def test_an_unknown_account_costs_one_hash_like_a_known_one(client, site_hashers, db):
    site_hashers.PASSWORD_HASHERS = ["tests.test_password_hashing.CountingArgon2", *SITE_HASHERS[1:]]
    make_user()

    CountingArgon2.calls = 0
    _password_step(client, "alice", "198.51.100.1")
    assert CountingArgon2.calls == 1
    CountingArgon2.calls = 0
    _password_step(client, "nobody-by-this-name", "198.51.100.2")
    assert CountingArgon2.calls == 1


def test_unknown_and_known_accounts_answer_a_wrong_password_in_the_same_time(client, site_hashers, db):
    make_user()
    known, unknown = [], []
    # Interleaved, each from an address of its own (no budget runs out), so load on the machine hits both alike.
    for round_ in range(15):
        known.append(_password_step(client, "alice", f"198.51.100.{round_ + 1}"))
        unknown.append(_password_step(client, f"nobody-{round_}", f"203.0.113.{round_ + 1}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    # Without the hash an unknown account answers in about a fifth of the time (a 20 ms hash in a ~25 ms request).
    assert 0.7 < ratio < 1.4, (statistics.median(known), statistics.median(unknown))


@pytest.mark.parametrize(
    ("memory", "passes", "lanes", "expected"),
    [
        (19456, 2, 1, set()),
        (47104, 1, 1, set()),
        (7168, 5, 1, set()),
        (19456, 1, 1, {"twofa_site.W010"}),
        (12000, 3, 1, {"twofa_site.W010"}),
        (0, 2, 1, {"twofa_site.E010"}),
        (19456, 2, 0, {"twofa_site.E010"}),
    ],
)
def test_argon2_parameters_below_owasp_warn_and_impossible_ones_are_errors(settings, memory, passes, lanes, expected):
    from twofa_site.checks import check_password_hashing

    settings.PASSWORD_ARGON2_MEMORY_KIB = memory
    settings.PASSWORD_ARGON2_TIME_COST = passes
    settings.PASSWORD_ARGON2_PARALLELISM = lanes
    assert {message.id for message in check_password_hashing(None)} == expected
