"""Device policy: who must use two-factor, the user's methods and the one offered first."""

from ..app_settings import app_settings
from ..core import registry
from ..models import TwoFactorDevice


def required_for(user) -> bool:
    """Whether the site's policy (TWOFACTOR_REQUIRED) makes this user set up a method."""
    policy = app_settings.REQUIRED
    return policy == "all" or (policy == "staff" and (user.is_staff or user.is_superuser))


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
