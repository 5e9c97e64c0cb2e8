"""The active methods: TWOFACTOR_METHODS (dotted paths of `Method` subclasses), in the order offered."""

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..app_settings import app_settings, method_package
from .method import Method


@cache
def _load(paths: tuple[str, ...]) -> tuple[Method, ...]:
    methods = []
    for path in paths:
        try:
            method_class = import_string(path)
        except ImportError as error:
            raise ImproperlyConfigured(f"TWOFACTOR_METHODS: cannot import {path!r} ({error}).{_extra(path)}") from None
        if not (isinstance(method_class, type) and issubclass(method_class, Method) and method_class.key):
            raise ImproperlyConfigured(f"TWOFACTOR_METHODS: {path!r} is not a Method subclass with a key.")
        methods.append(method_class())
    keys = [method.key for method in methods]
    if len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"TWOFACTOR_METHODS: two methods share a key ({', '.join(keys)}).")
    return tuple(methods)


def _extra(path: str) -> str:
    """How to get a built-in method's libraries: the wheel's extra its package names (`EXTRA`)."""
    try:
        name = getattr(method_package(path), "EXTRA", "")
    except ImportError:
        return ""
    return (
        f' Install the wheel\'s [{name}] extra (pip install "django-twofactor-registry[{name}]"), or leave it out.'
        if name
        else ""
    )


def methods() -> tuple[Method, ...]:
    """Every active method, in the order they are offered."""
    return _load(tuple(app_settings.METHODS))


def get(key: str | None) -> Method | None:
    """The active method called `key`, or None."""
    return next((method for method in methods() if method.key == key), None)


def for_device(device) -> Method | None:
    """The method a device belongs to."""
    return get(device.method)


def enrollable() -> list[Method]:
    """The methods users choose and set up (recovery codes are made, not chosen)."""
    return [method for method in methods() if not method.recovery]


def recovery() -> list[Method]:
    return [method for method in methods() if method.recovery]


def sending() -> list[Method]:
    """The methods that send a code on demand."""
    return [method for method in methods() if method.sends_code]


def choices() -> list[tuple[str, str]]:
    """(key, label) of every active method, for form fields."""
    return [(method.key, method.label) for method in methods()]
