"""The "Not you?" link of the new-browser mail: made, read and spent here; what it does is flows.not_you.

The link names one sign-in (the UserSession row of the session that signed in, and the trusted browser that
vouched for it, if any) and carries a random nonce, signed with SECRET_KEY. It is good for 24 hours and once:
spending it consumes a rate-limit bucket named by the nonce (shared by every app server, atomic), which stays
spent longer than the link lives. It only takes access away; it signs nobody in.

Mail scanners and link previews open links on their own, so opening the link (GET) only shows what it would
do; a button (POST, CSRF-protected) does it.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from . import ratelimit, remember
from .browsers import browser_family
from .client_info import client_ip, user_agent
from .links import absolute_url
from .locations import network_of
from .models import UserSession

LINK_SECONDS = 24 * 60 * 60
_SALT = "twofactor.not-you"


@dataclass(frozen=True)
class NotYouLink:
    """What a valid link names."""

    user_id: int
    session_id: int
    trusted_browser_id: int | None
    nonce: str
    signed_in_at: float
    browser: str
    system: str
    network: str


def link_for(request, user) -> str:
    """The absolute "Not you?" link for the sign-in `request` just completed, or "" when there is none to name."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    session_id = UserSession.objects.filter(session_key=key, user=user).values_list("pk", flat=True).first()
    if key is None or session_id is None:
        return ""
    browser, system = browser_family(user_agent(request))
    address = client_ip(request)
    payload = {
        "u": user.pk,
        "s": session_id,
        "b": getattr(request, remember.USED_ATTRIBUTE, None),  # the trusted browser that vouched, if it was one
        "n": secrets.token_urlsafe(16),
        "t": int(time.time()),
        "f": [browser, system, network_of(address) if address else ""],
    }
    token = signing.dumps(payload, salt=_SALT, compress=True)
    return absolute_url(reverse("twofactor:not_you", args=[token]), request)


def read(token: str) -> NotYouLink | None:
    """The sign-in a link names while it is valid (signed by this site, younger than 24 hours, not spent), else None."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=LINK_SECONDS)
        link = NotYouLink(
            user_id=int(payload["u"]),
            session_id=int(payload["s"]),
            trusted_browser_id=int(payload["b"]) if payload.get("b") is not None else None,
            nonce=str(payload["n"]),
            signed_in_at=float(payload["t"]),
            browser=str(payload["f"][0]),
            system=str(payload["f"][1]),
            network=str(payload["f"][2]),
        )
    except (signing.BadSignature, KeyError, IndexError, TypeError, ValueError):
        return None
    if not ratelimit.peek(_spent_key(link.nonce), 1, LINK_SECONDS).allowed:
        return None
    return link


def spend(link: NotYouLink) -> bool:
    """Use the link up; False when another request spent it first."""
    return ratelimit.consume(_spent_key(link.nonce), 1, LINK_SECONDS).allowed


def _spent_key(nonce: str) -> str:
    return "not-you-link:" + hashlib.sha256(nonce.encode()).hexdigest()[:32]
