"""Where a request comes from: the client address (django-ipware) and the browser.

Behind proxies the address is read from X-Forwarded-For only as far as TWOFACTOR_TRUSTED_PROXIES
allows: a number of proxy hops, or the proxies' own addresses. Each proxy appends the address it
received the request from, so the chain `X-Forwarded-For + REMOTE_ADDR` ends with the trusted hops;
the entry just before them is the client. Anything further left was written by the client itself.
With no trusted proxy (the default) the header is ignored and REMOTE_ADDR is the client.
"""

import ipaddress
from types import SimpleNamespace

from ipware import get_client_ip

from .app_settings import app_settings


def client_ip(request) -> str | None:
    """The client address, or None when there is no usable one."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    trusted = app_settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted and forwarded:
        chain = SimpleNamespace(META={"HTTP_X_FORWARDED_FOR": f"{forwarded}, {address}"})
        hops = {"proxy_count": trusted} if isinstance(trusted, int) else {"proxy_trusted_ips": trusted}
        found, _routable = get_client_ip(
            chain, request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False, algorithm="modern", **hops
        )
        # None: the request did not come through the trusted proxies (too few hops, another sender).
        address = found or address
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def budget_address(request) -> str:
    """The client address as rate limits count it: an IPv4 address, or the IPv6 network of
    TWOFACTOR_IPV6_PREFIX bits (one subscriber usually holds a whole /64); "unknown" without one."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{app_settings.IPV6_PREFIX}", strict=False))
    return address


def user_agent(request) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:300]
