"""Importing the built-in methods' models while the app registry loads twofactor.models."""

from importlib import import_module

from ..app_settings import BUILTIN_METHODS


def import_builtin_models() -> None:
    """Import each built-in method package's models module (they belong to the twofactor app)."""
    for dotted_path in BUILTIN_METHODS:
        package = dotted_path.rsplit(".", 2)[0]
        import_module(f"{package}.models")
