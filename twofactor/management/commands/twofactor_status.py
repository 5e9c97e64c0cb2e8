"""manage.py twofactor_status USER: a user's methods, sessions, rescue requests and recent security events."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.text import capfirst

from twofactor import state
from twofactor.app_settings import app_settings
from twofactor.core import registry
from twofactor.management.users import find_user
from twofactor.models import RescueRequest, SecurityEvent
from twofactor.users import account_address


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z") if moment else "never"


class Command(BaseCommand):
    help = "Show a user's two-factor methods, sessions, open rescue request and recent security events."

    def add_arguments(self, parser):
        parser.add_argument("user", help="username or email address")
        parser.add_argument("--events", type=int, default=10, help="how many recent security events (default 10)")

    def handle(self, *args, user: str, events: int, **options):
        account = find_user(user)
        devices = state.devices_of(account)
        methods = [device for device in devices if not registry.for_device(device).recovery]
        by_method = {device.method: device for device in devices}
        write = self.stdout.write
        email = account_address(account)
        write(
            f"User: {account.get_username()} <{email}> (id {account.pk})"
            f"{'' if account.is_active else ', inactive'}{', staff' if account.is_staff else ''}"
        )
        required = state.required_for(account)
        write(
            f"Two-factor: {'required' if required else 'optional'} (TWOFACTOR_REQUIRED={app_settings.REQUIRED}), "
            f"{'on' if methods else 'off'}"
        )
        write("Methods:" if methods else "Methods: none")
        for device in methods:
            write(
                f"  - {device.method}: {device.name}; added {_when(device.created_at)}, "
                f"last used {_when(device.last_used_at)}"
            )
        for method in registry.recovery():
            device = by_method.get(method.key)
            kind = capfirst(method.get_model()._meta.verbose_name_plural)
            write(f"{kind}: {method.summary(device)}" if device else f"{kind}: none")
        sessions = state.live_sessions(account)
        verified = sessions.filter(verified_at__isnull=False).count()
        write(f"Signed-in sessions: {sessions.count()} ({verified} verified)")
        rescue = RescueRequest.objects.filter(user=account, status=RescueRequest.Status.OPEN).first()
        write(
            f"Open rescue request: #{rescue.pk}, filed {_when(rescue.created_at)}"
            if rescue
            else "Open rescue request: none"
        )
        recent = list(SecurityEvent.objects.filter(user=account)[: max(0, events)])
        write("Recent security events:" if recent else "Recent security events: none")
        for event in recent:
            where = f" from {event.ip}" if event.ip else ""
            write(f"  {_when(event.created_at)}  {event.get_kind_display()}{where}")
