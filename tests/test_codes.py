"""twofactor.codes: making, normalising and hashing one-time codes; comparisons in constant time."""

import hashlib
import hmac
import re

import pytest

from twofactor import codes, remember
from twofactor.codes import (
    BACKUP_ALPHABET,
    format_backup_code,
    generate_backup_code,
    generate_numeric_code,
    hash_code,
    looks_like_backup_code,
    matches_hash,
    normalize_backup_code,
    normalize_numeric_code,
)


def test_numeric_codes_have_exactly_the_digits_asked_for_and_use_the_whole_range():
    made = [generate_numeric_code() for _ in range(300)]
    assert all(re.fullmatch(r"\d{6}", code) for code in made)
    assert len(set(made)) > 250 and max(made) > "500000"
    assert all(re.fullmatch(r"\d{8}", generate_numeric_code(8)) for _ in range(50))


def test_backup_codes_are_16_symbols_of_the_alphabet_in_groups_of_four():
    made = [generate_backup_code() for _ in range(100)]
    assert all(re.fullmatch(rf"[{BACKUP_ALPHABET}]{{4}}(-[{BACKUP_ALPHABET}]{{4}}){{3}}", code) for code in made)
    assert len(set(made)) == 100
    assert set("".join(made)) - {"-"} == set(BACKUP_ALPHABET)  # every symbol in use: 5 bits each
    assert format_backup_code("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("123456", "123456"),
        (" 123 456 ", "123456"),
        ("12\t34\n56", "123456"),
        ("12345", None),
        ("1234567", None),
        ("12345a", None),
        ("١٢٣٤٥٦", None),
        ("", None),
        (123456, None),
        (" " * 58 + "123456", "123456"),
        (" " * 59 + "123456", None),  # at most 64 characters typed
    ],
)
def test_numeric_codes_are_normalised_or_refused(typed, expected):
    assert normalize_numeric_code(typed, 6) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABCD-EFGH-JKMN-PQRS", "ABCDEFGHJKMNPQRS"),
        ("abcd efgh jkmn pqrs", "ABCDEFGHJKMNPQRS"),
        ("ABCD--EFGH - JKMN\tPQRS", "ABCDEFGHJKMNPQRS"),
        ("O0IL-0000-0000-0000", "0011000000000000"),
        ("ABCD-EFGH-JKMN-PQR", None),
        ("ABCD-EFGH-JKMN-PQRST", None),
        ("ABCD-EFGH-JKMN-PQRU", None),
        ("ABCD-EFGH-JKMN-PQR!", None),
        (None, None),
        ("A" * 16 + " " * 48, "A" * 16),
        ("A" * 16 + " " * 49, None),
    ],
)
def test_backup_codes_are_normalised_or_refused(typed, expected):
    assert normalize_backup_code(typed) == expected
    assert looks_like_backup_code(typed) is (expected is not None)


def test_a_hash_is_salted_and_matches_only_its_code():
    first, second = hash_code("123456"), hash_code("123456")
    scheme, salt, digest = first.split("$")
    assert scheme == "hmac-sha256p" and re.fullmatch(r"[0-9a-f]{32}", salt) and re.fullmatch(r"[0-9a-f]{64}", digest)
    assert first != second and "123456" not in first
    assert matches_hash("123456", first) and matches_hash("123456", second)
    assert not matches_hash("123457", first)


def test_sent_codes_are_peppered_with_the_secret_key_and_backup_codes_are_not(settings):
    peppered, plain = hash_code("123456"), hash_code("ABCDEFGHJKMNPQRS", peppered=False)
    scheme, salt, digest = plain.split("$")
    assert scheme == "sha256s"
    assert digest == hmac.new(salt.encode(), b"ABCDEFGHJKMNPQRS", hashlib.sha256).hexdigest()
    _scheme, salt, digest = peppered.split("$")
    assert digest == hmac.new((settings.SECRET_KEY + salt).encode(), b"123456", hashlib.sha256).hexdigest()
    settings.SECRET_KEY = "another-secret-key-0123456789abcdefghijklmnop"
    assert not matches_hash("123456", peppered)  # a database dump alone does not let one test guesses
    assert matches_hash("ABCDEFGHJKMNPQRS", plain)


@pytest.mark.parametrize("stored", ["", "no-separators", "md5$salt$" + "0" * 64, "sha256s$only-two"])
def test_a_malformed_or_unknown_stored_hash_matches_nothing(stored):
    assert matches_hash("123456", stored) is False


# Timing: no functional test can tell a constant-time comparison from `==`, so these check the tool used.


def test_stored_codes_are_compared_in_constant_time(monkeypatch):
    calls, real = [], hmac.compare_digest

    def compare_digest(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", compare_digest)
    stored = hash_code("123456")
    assert matches_hash("123456", stored) and not matches_hash("654321", stored)
    assert [expected for _actual, expected in calls] == [stored.split("$")[2]] * 2


def test_the_trusted_browsers_password_fingerprint_is_compared_in_constant_time(monkeypatch, totp_user, rf):
    from django.contrib.sessions.backends.db import SessionStore

    calls = []

    def constant_time_compare(a, b):
        calls.append((a, b))
        return hmac.compare_digest(a.encode(), b.encode())

    monkeypatch.setattr(remember, "constant_time_compare", constant_time_compare)
    user, device, _totp = totp_user
    request = rf.get("/")
    request.session = SessionStore()
    request.session.save()
    request.COOKIES[remember.COOKIE_NAME] = remember.trust_browser(request, user, device)
    assert remember.trusted_browser(request, user).device_id == device.persistent_id
    assert len(calls) == 1
