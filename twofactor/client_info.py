"""Where a request comes from, as recorded in the security record."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client address: REMOTE_ADDR, or the last proxy hop Heroku/Render add when behind their proxy."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The platform's router appends the real client last; earlier entries are client-controlled.
        if forwarded:
            address = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def user_agent(request) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:300]
