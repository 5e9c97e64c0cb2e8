"""The method registry (TWOFACTOR_METHODS) and what every method's device shares."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from tests.support.users import make_user
from twofactor.app_settings import BUILTIN_METHODS
from twofactor.core import registry


def test_the_methods_are_offered_in_the_order_of_the_setting(settings):
    settings.TWOFACTOR_METHODS = [BUILTIN_METHODS[2], BUILTIN_METHODS[0]]
    assert [method.key for method in registry.methods()] == ["email", "totp"]
    assert registry.get("sms") is None  # a method left out of the setting is not offered anywhere


@pytest.mark.parametrize(
    ("paths", "named"),
    [
        (["twofactor.methods.nowhere.Method"], "cannot import"),
        (["twofactor.app_settings.AppSettings"], "not a Method subclass"),
        ([BUILTIN_METHODS[0], BUILTIN_METHODS[0]], "share a key"),
    ],
)
def test_a_wrong_setting_is_one_clear_sentence(settings, paths, named):
    settings.TWOFACTOR_METHODS = paths
    with pytest.raises(ImproperlyConfigured, match=named):
        registry.methods()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method",
    [method for method in registry.methods() if method.model.startswith("twofactor.")],
    ids=lambda method: method.key,
)
def test_a_user_holds_one_device_of_a_kind(method):
    user = make_user()
    model = method.get_model()
    fields = {"user": user, "name": "one", "confirmed": True}
    model.objects.bulk_create([model(**fields)])
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.bulk_create([model(**fields)])


def test_unset_the_methods_are_the_built_in_ones_whose_libraries_are_installed(settings, monkeypatch):
    from twofactor import app_settings as module

    del settings.TWOFACTOR_METHODS
    assert list(BUILTIN_METHODS) == module.app_settings.METHODS  # this environment has every extra
    real = module.find_spec
    monkeypatch.setattr(module, "find_spec", lambda name: None if name in ("webauthn", "phonenumbers") else real(name))
    assert [path.rsplit(".", 1)[1] for path in module.app_settings.METHODS] == [
        "TOTPMethod",
        "EmailMethod",
        "BackupCodesMethod",
    ]


def test_a_built_in_method_without_its_libraries_names_the_extra(settings, monkeypatch):
    """As if webauthn were not installed: the passkey method cannot be imported, and the error says how to get it."""
    import sys

    path = "twofactor.methods.passkey.method.PasskeyMethod"
    kept = {"twofactor.methods.passkey", "twofactor.methods.passkey.models", "twofactor.methods.passkey.aaguids"}
    for name in [name for name in sys.modules if name.startswith("twofactor.methods.passkey.") and name not in kept]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "webauthn", None)  # importing it now fails
    registry._load.cache_clear()
    settings.TWOFACTOR_METHODS = [path]
    try:
        with pytest.raises(ImproperlyConfigured, match=r"django-twofactor-registry\[passkeys\]"):
            registry.methods()
    finally:
        registry._load.cache_clear()
