"""Sign-ins from a browser and network not seen before for an account.

A location is the browser family and operating system (from the User-Agent) plus the
network (the /24 of an IPv4 address, the /48 of an IPv6 one), kept only as a keyed hash
in KnownLocation. On every two-factor sign-in (signal `signed_in`) an unseen location
emits Kind.NEW_LOCATION, whose receiver mails the user; an account's very first sign-in
only records its location.
"""

import ipaddress

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .browsers import browser_family, describe_browser
from .client_info import client_ip, user_agent
from .models import KnownLocation
from .signals import Kind, emit

_SALT = "twofactor.locations"


def network_of(ip: str | None) -> str:
    """The network an address belongs to for this purpose: its /24 (IPv4) or /48 (IPv6)."""
    if not ip:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def fingerprint(user, request) -> str:
    """The keyed hash naming this request's browser family and network for `user`."""
    browser, system = browser_family(user_agent(request))
    raw = f"{user.pk}|{browser}|{system}|{network_of(client_ip(request))}"
    return salted_hmac(_SALT, raw, algorithm="sha256").hexdigest()


def record_sign_in(user, request) -> bool:
    """Remember where `user` signed in; True when that location is new and not the account's first."""
    location = fingerprint(user, request)
    known = KnownLocation.objects.filter(user=user)
    # One query answers both questions: is this location known, and is it the account's first?
    seen = known.aggregate(any=Count("pk"), this=Count("pk", filter=Q(fingerprint=location)))
    if seen["this"]:
        known.filter(fingerprint=location).update(last_seen=timezone.now())
        return False
    first = not seen["any"]
    try:
        with transaction.atomic():
            KnownLocation.objects.create(user=user, fingerprint=location)
    except IntegrityError:  # the same location signing in twice at once
        return False
    return not first


def on_signed_in(sender, user, request, data, **kwargs) -> None:
    if request is None or not getattr(user, "pk", None):
        return
    if record_sign_in(user, request):
        emit(
            Kind.NEW_LOCATION,
            user=user,
            request=request,
            browser=describe_browser(user_agent(request)),
            method=data.get("method", ""),
        )
