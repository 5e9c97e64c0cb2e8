"""Links in mails: always on the site's configured origin (TWOFACTOR_SITE_URL), never on the request's Host.

The Host header is the client's to write: Django checks it against ALLOWED_HOSTS but ignores its port,
so a link built from it can point anywhere the sender likes (`Host: example.com:31337`). Development
without the setting falls back to the request (a system check demands the setting when DEBUG is off).
"""

from urllib.parse import urlsplit

from django.core.exceptions import DisallowedHost
from django.http.request import split_domain_port

from .app_settings import app_settings


def site_url(request=None) -> str:
    """The origin links point to ("https://example.com"), or "" when there is none to give."""
    configured = app_settings.SITE_URL.strip().rstrip("/")
    if configured:
        return configured
    if request is None:
        return ""
    try:
        host = request.get_host()
    except DisallowedHost:  # a mail without a link is still useful
        return ""
    if app_settings.TRUST_HOST_HEADER:
        # The router forwards only this site's own hosts (Heroku): keep the host, never a port or plain http.
        return f"https://{split_domain_port(host)[0]}"
    return f"{request.scheme}://{host}"


def absolute_url(path: str, request=None) -> str:
    """`path` on the site's origin; "" when there is no path or no origin."""
    origin = site_url(request)
    return f"{origin}{path}" if path and origin else ""


def site_host(request=None) -> str:
    """The host name (no port) of the site's origin: what a WebOTP line in a text message binds the code to."""
    return urlsplit(site_url(request)).hostname or ""


def problem_with(url: str) -> str | None:
    """Why `url` cannot be the site's origin, or None when it can."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "it is not an http(s) URL with a host"
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        return "it has more than a scheme, a host and a port"
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return "plain http is only for localhost"
    return None
