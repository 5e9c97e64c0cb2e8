"""Every TWOFACTOR_* setting as the code defines it: its name, its default and its description, read from the
settings object (`twofactor.app_settings.AppSettings`), never copied, so the settings page cannot drift.

Each setting is a property that reads `self._get("NAME", default)`; its docstring is its description. The default
is captured by calling the property on a recorder whose `_get` raises with what it was given, while the module's
`settings` answers every other setting the default refers to with a reference to it ("Django's LOGIN_URL").
"""

import inspect
from dataclasses import dataclass

PREFIX = "TWOFACTOR_"


@dataclass(frozen=True)
class Reference:
    """A default taken from another Django setting."""

    name: str


@dataclass(frozen=True)
class Setting:
    name: str  # TWOFACTOR_…
    default: object
    description: str
    owner: str = ""  # a method's settings: who reads them (its settings class's docstring); "" for the core's


class _Captured(Exception):
    def __init__(self, name: str, default: object):
        super().__init__(name)
        self.name, self.default = name, default


class _Recorder:
    def _get(self, name, default):
        raise _Captured(name, default)


class _ReferringSettings:
    def __getattr__(self, name):
        return Reference(name)


def settings_of(settings_class, module) -> list[Setting]:
    """The settings `settings_class` defines (in the order written), with defaults and descriptions."""
    found = []
    for attribute, value in vars(settings_class).items():
        if not isinstance(value, property):
            continue
        real_settings, module.settings = getattr(module, "settings", None), _ReferringSettings()
        try:
            value.fget(_Recorder())
        except _Captured as captured:
            if captured.name != attribute:
                raise LookupError(f"{settings_class.__name__}.{attribute} reads {PREFIX}{captured.name}") from None
            default = captured.default
        else:
            raise LookupError(f"{settings_class.__name__}.{attribute} does not read a setting through _get")
        finally:
            module.settings = real_settings
        owner = "" if settings_class.__name__ == "AppSettings" else " ".join((settings_class.__doc__ or "").split())
        found.append(Setting(PREFIX + attribute, default, " ".join((inspect.getdoc(value) or "").split()), owner))
    return found


def app_settings() -> list[Setting]:
    """Every setting of the app: the core's, then each method's (its `Method.settings_class`)."""
    import sys

    from twofactor import app_settings as module

    found = settings_of(module.AppSettings, module)
    for settings_class in method_settings_classes():
        found.extend(settings_of(settings_class, sys.modules[settings_class.__module__]))
    return found


def method_settings_classes() -> list[type]:
    """The built-in methods' settings classes (and any other method's already loaded)."""
    from twofactor.app_settings import Settings, import_builtin_method_settings

    import_builtin_method_settings()
    return list(Settings.declared)


def default_text(default: object) -> str:
    """The default as Markdown."""
    if isinstance(default, Reference):
        return f"Django's `{default.name}`"
    if isinstance(default, (list, tuple)):
        if not default:
            return "empty"
        return ", ".join(f"`{item}`" for item in default)
    if default == "":
        return "empty"
    if default is None:
        return "unset"
    if isinstance(default, str):
        return f'`"{default}"`'
    return f"`{default!r}`"


def markdown(settings: list[Setting]) -> str:
    """The settings as a Markdown definition list: the name, then its description and its default."""
    entries, owner = [], ""
    for setting in settings:
        if setting.owner != owner:
            owner = setting.owner
            entries.append(f"### {owner.rstrip('.')}\n")
        entries.append(f"`{setting.name}`\n: {setting.description}\n\n  Default: {default_text(setting.default)}.\n")
    return "\n".join(entries)
