"""manage.py twofactor_rotate_keys: every authenticator key re-encrypted under the newest key."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.support.devices import add_totp
from tests.support.users import make_user
from twofactor import crypto
from twofactor.methods.totp.models import TOTPDevice


def _run() -> str:
    out = io.StringIO()
    call_command("twofactor_rotate_keys", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_rotates_old_keys_and_leaves_current_ones(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["old-key"]
    old_devices = [add_totp(make_user(f"user{n}"), key=bytes([n]) * 20)[0] for n in range(3)]
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["new-key", "old-key"]
    current_device, _totp = add_totp(make_user("fresh"), key=b"\x09" * 20)
    current_token = current_device.encrypted_key

    assert "Rotated 3 " in _run()

    for device in old_devices:
        device.refresh_from_db()
        assert crypto.is_current(device.encrypted_key)
    current_device.refresh_from_db()
    assert current_device.encrypted_key == current_token
    # The old key can go now: every key still decrypts to what it was.
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["new-key"]
    for n, device in enumerate(old_devices):
        assert TOTPDevice.objects.get(pk=device.pk).key == bytes([n]) * 20
    assert "Rotated 0 " in _run()


@pytest.mark.django_db
def test_a_key_no_configured_key_decrypts_stops_with_a_clear_error(settings):
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["lost-key"]
    add_totp(make_user())
    settings.TWOFACTOR_ENCRYPTION_KEYS = ["new-key"]
    with pytest.raises(CommandError, match="cannot be decrypted"):
        _run()
