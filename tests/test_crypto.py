"""Secrets at rest: encryption under the newest key, decryption with any configured key."""

import pytest

from twofactor import crypto


def test_round_trip_with_the_default_key_derived_from_secret_key(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = []
    token = crypto.encrypt(b"\x00secret\xff")
    assert b"secret" not in token.encode()
    assert crypto.decrypt(token) == b"\x00secret\xff"
    assert crypto.is_current(token)


def test_each_encryption_is_different(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["key-one"]
    assert crypto.encrypt(b"same") != crypto.encrypt(b"same")


def test_another_secret_key_cannot_decrypt(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = []
    token = crypto.encrypt(b"secret")
    settings.SECRET_KEY = "a-completely-different-secret-key-0123456789"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(token)


def test_secret_key_fallbacks_still_decrypt(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = []
    old_secret = settings.SECRET_KEY
    token = crypto.encrypt(b"secret")
    settings.SECRET_KEY = "the-new-secret-key-0123456789-abcdefghijklmnop"
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert crypto.decrypt(token) == b"secret"
    assert not crypto.is_current(token)


def test_older_keys_decrypt_and_the_newest_encrypts(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["old-key"]
    old_token = crypto.encrypt(b"secret")
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["new-key", "old-key"]
    assert crypto.decrypt(old_token) == b"secret"
    assert not crypto.is_current(old_token)
    new_token = crypto.encrypt(b"secret")
    assert crypto.is_current(new_token)
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["new-key"]
    assert crypto.decrypt(new_token) == b"secret"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(old_token)


def test_rotate_re_encrypts_under_the_newest_key(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["old-key"]
    old_token = crypto.encrypt(b"secret")
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["new-key", "old-key"]
    rotated = crypto.rotate(old_token)
    assert crypto.is_current(rotated)
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["new-key"]
    assert crypto.decrypt(rotated) == b"secret"


def test_tampered_tokens_are_refused(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["key-one"]
    token = crypto.encrypt(b"secret")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(tampered)
    assert not crypto.is_current(tampered)
