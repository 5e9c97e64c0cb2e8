"""Receivers of the security signals: the audit log here; notification mails in twofactor.notifications."""
from django.dispatch import receiver

from .client_info import client_ip, user_agent
from .models import SecurityEvent
from .signals import security_event


@receiver(security_event, dispatch_uid="twofactor.audit")
def record_security_event(sender, kind, user, request, data, **kwargs) -> None:
    SecurityEvent.objects.create(
        user=user if getattr(user, "pk", None) else None,
        kind=kind,
        ip=client_ip(request),
        user_agent=user_agent(request),
        data={key: value for key, value in data.items() if isinstance(value, (str, int, float, bool, type(None)))},
    )
