"""Device policy: who must use two-factor, the user's methods and the one offered first.

TWOFACTOR_REQUIRED is "all", "staff" (staff and superusers), "optional", or the dotted path of a callable
`(user) -> bool` (a site decides by permission, plan, anything). Members of a group named in
TWOFACTOR_REQUIRED_GROUPS are required whatever TWOFACTOR_REQUIRED says. The policy is asked afresh each
time (at sign-in, and on each request of a session without a method), so a user who joins a group is
required from that moment; a user who stops being required keeps their methods.
"""

from collections.abc import Callable

from django.utils.module_loading import import_string

from ..app_settings import REQUIRED_CHOICES, app_settings
from ..core import registry
from ..models import TwoFactorDevice


def is_dotted_path(value) -> bool:
    return isinstance(value, str) and value not in REQUIRED_CHOICES and "." in value


def policy_callable() -> Callable | None:
    """The callable TWOFACTOR_REQUIRED names, or None when it is one of all, staff, optional."""
    policy = app_settings.REQUIRED
    if callable(policy):  # a project may also give the function itself
        return policy
    if not is_dotted_path(policy):
        return None
    return import_string(policy)


def required_for(user) -> bool:
    """Whether the site's policy makes this user set up a method (no query unless groups or a callable ask)."""
    policy = app_settings.REQUIRED
    if policy == "all":
        return True
    if policy == "staff" and (user.is_staff or user.is_superuser):
        return True
    decide = policy_callable()
    if decide is not None and decide(user):
        return True
    return in_required_group(user)


def in_required_group(user) -> bool:
    groups = app_settings.REQUIRED_GROUPS
    return bool(groups) and user.groups.filter(name__in=groups).exists()


def devices_of(user, *, for_update: bool = False) -> list[TwoFactorDevice]:
    """The user's confirmed methods, in the order they are offered (one query per method type)."""
    devices = []
    for method in registry.methods():
        queryset = method.devices(user)
        if for_update:
            queryset = queryset.select_for_update()
        devices.extend(queryset)
    return devices


def primary_device(devices: list[TwoFactorDevice]) -> TwoFactorDevice | None:
    """The method offered first: the one used last, else the first added (never recovery codes)."""
    candidates = [device for device in devices if not getattr(registry.for_device(device), "recovery", True)]
    if not candidates:
        return None
    used = [device for device in candidates if device.last_used_at]
    if used:
        return max(used, key=lambda device: device.last_used_at)
    return candidates[0]
