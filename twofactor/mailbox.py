"""The mailbox never replaces both factors, at any time.

Whoever reads an account's mailbox can reset its password by email and read the codes mailed to it. So:
- a password set by a reset by email is marked as such (`MailboxPassword`, bound to that password, not to a date):
  while it is the account's password, no code by email may be the second step of an account that has another
  method or is staff, and no rescue code by email is sent at all (flows.rescue);
- staff and superusers must hold a method that is not mailbox-bound (TWOFACTOR_STAFF_METHODS) before any other,
  cannot remove their last one, and enter the admin only once they hold one;
- a session whose second step was a rescue code by email is limited for TWOFACTOR_RESCUE_WAIT_HOURS (flows.signin
  `require_full_session`), and every channel of the account is told at once.
"""

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from .app_settings import app_settings
from .core import registry
from .models import MailboxPassword, TwoFactorDevice

_SALT = "twofactor.mailbox-password"


def _fingerprint(user) -> str:
    return salted_hmac(_SALT, f"{user.pk}|{user.password}", algorithm="sha256").hexdigest()


def password_changed(user, *, by_email: bool) -> None:
    """Record where the password that was just set came from (flows.manage.password_changed)."""
    if by_email:
        MailboxPassword.objects.update_or_create(
            user=user, defaults={"password_fingerprint": _fingerprint(user), "reset_at": timezone.now()}
        )
    else:
        MailboxPassword.objects.filter(user=user).delete()


def password_from_mailbox(user) -> bool:
    """Whether the account's current password is one a reset by email set (so the mailbox knows it)."""
    record = MailboxPassword.objects.filter(user=user).values_list("password_fingerprint", flat=True).first()
    return record is not None and constant_time_compare(record, _fingerprint(user))


def is_staff(user) -> bool:
    """Staff and superusers: the accounts whose second factor must never be a mailbox."""
    return bool(user.is_staff or user.is_superuser)


def staff_methods() -> list[str]:
    """The keys of the methods that count for staff: TWOFACTOR_STAFF_METHODS, else every active method that is
    neither mailbox-bound nor recovery codes."""
    return app_settings.STAFF_METHODS or [
        method.key for method in registry.methods() if not method.mailbox_bound and not method.recovery
    ]


def staff_method(key: str) -> bool:
    return key in staff_methods()


def holds_staff_method(devices: list[TwoFactorDevice]) -> bool:
    """Whether these devices (the user's) include one of TWOFACTOR_STAFF_METHODS."""
    return any(staff_method(device.method) for device in devices)


def staff_method_names() -> str:
    """The staff methods as users read them ("Authenticator app, Passkey")."""
    return ", ".join(str(method.title) for key in staff_methods() if (method := registry.get(key)))
