"""Sign-ins from a browser and network not seen before for an account.

A location is the browser family and operating system (from the User-Agent) plus the
network (the /24 of an IPv4 address, the /48 of an IPv6 one), kept only as a keyed hash
in KnownLocation. On every two-factor sign-in (signal `signed_in`) an unseen location
emits Kind.NEW_LOCATION, whose receiver mails the user; an account's very first sign-in
only records its location.
"""

import ipaddress

from django.db import IntegrityError, connections, router, transaction
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
    upserted = _upsert(user.pk, location)
    if upserted is not None:
        inserted, others = upserted
        return inserted and others > 0
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


def _upsert(user_id: int, location: str) -> tuple[bool, int] | None:
    """On PostgreSQL and SQLite, one statement: insert the location or move its `last_seen`, and say whether it
    was inserted and how many other locations the account has (None elsewhere: the portable path then).

    The count leaves this location's row out, so it is the same whether or not the database shows the
    statement its own insert; two sign-ins from one new place at once insert it once (ON CONFLICT).
    """
    connection = connections[router.db_for_write(KnownLocation)]
    if connection.vendor not in ("postgresql", "sqlite") or not connection.features.can_return_columns_from_insert:
        return None
    meta = KnownLocation._meta
    table, quote = connection.ops.quote_name(meta.db_table), connection.ops.quote_name
    user, print_, first, last = (
        quote(meta.get_field(name).column) for name in ("user", "fingerprint", "first_seen", "last_seen")
    )
    now = meta.get_field("last_seen").get_db_prep_value(timezone.now(), connection)
    sql = (
        f"INSERT INTO {table} ({user}, {print_}, {first}, {last}) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT ({user}, {print_}) DO UPDATE SET {last} = excluded.{last} "
        f"RETURNING {first} = {last}, "
        f"(SELECT COUNT(*) FROM {table} AS other WHERE other.{user} = %s AND other.{print_} <> %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, location, now, now, user_id, location])
        inserted, others = cursor.fetchone()
    return bool(inserted), others


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
