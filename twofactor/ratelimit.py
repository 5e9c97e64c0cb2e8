"""Rate limits shared by every app server: a token bucket (GCRA), kept in the database or in Redis.

    decision = consume(f"sms-phone:{number}", limit=5, window_seconds=3600)
    if not decision.allowed:
        ...  # tell the user to wait decision.retry_after seconds

`limit` attempts may come at once; after that one more is allowed every window/limit seconds
(the generic cell rate algorithm: one stored number per key, the "theoretical arrival time").
There is no window aligned to the clock, so no boundary lets twice the limit through. Each
consume() checks and counts in one atomic step (a conditional UPDATE, or a Redis script), so
concurrent callers never over-admit. The store is TWOFACTOR_RATE_LIMIT_STORE: "database"
(RateCounter rows) or "cache" (Django's default cache; atomic when it is Redis).

The cache is an accelerator, not a single point of failure: while it cannot be reached, the cache
store counts in the database instead (as atomic, as shared, never failing open), says so once in
the log, and asks the cache again every TWOFACTOR_CACHE_RETRY_SECONDS (twofactor.cache_health).
"""

import hashlib
import math
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, FloatField, Value
from django.db.models.functions import Greatest

from twofactor import cache_health
from twofactor.app_settings import app_settings
from twofactor.models import RateCounter

MAX_WINDOW_SECONDS = 86400
CLEANUP_PROBABILITY = 0.01  # share of new keys that also sweep every key whose bucket is full again
STALE_SECONDS = 60  # a row this long past its arrival time is an untouched bucket: safe to delete


@dataclass(frozen=True)
class Decision:
    """Whether an attempt may go ahead, and if not, how many whole seconds until one may."""

    allowed: bool
    retry_after: int  # 0 when allowed


@dataclass(frozen=True)
class Limit:
    """`limit` attempts at once, then one every `window_seconds / limit` seconds."""

    key: str
    limit: int
    window_seconds: int


def consume(key: str, limit: int, window_seconds: int, *, now: datetime | None = None) -> Decision:
    """Count one attempt for `key` if the bucket allows it; never counts a refused attempt."""
    moment = _moment(now, limit, window_seconds)
    if limit == 0:
        return Decision(False, window_seconds)
    interval = window_seconds / limit
    allowed, tat = _store().consume(key, moment, interval, window_seconds)
    return Decision(True, 0) if allowed else _refused(tat, moment, interval, window_seconds)


def consume_all(limits: list[Limit], *, now: datetime | None = None) -> Decision:
    """Count one attempt against every limit, or against none: a refusal gives back what was counted."""
    counted = []
    for item in limits:
        decision = consume(item.key, item.limit, item.window_seconds, now=now)
        if not decision.allowed:
            for earlier in counted:
                refund(earlier.key, earlier.limit, earlier.window_seconds)
            return decision
        counted.append(item)
    return Decision(True, 0)


def refund(key: str, limit: int, window_seconds: int) -> None:
    """Give back one attempt counted by consume() (an attempt that turned out to be legitimate)."""
    if limit > 0:
        _store().refund(key, window_seconds / limit)


def peek(key: str, limit: int, window_seconds: int, *, now: datetime | None = None) -> Decision:
    """What consume() would decide, without counting an attempt."""
    moment = _moment(now, limit, window_seconds)
    if limit == 0:
        return Decision(False, window_seconds)
    interval = window_seconds / limit
    tat = _store().arrival_time(key)
    if max(tat, moment) + interval - moment <= window_seconds:
        return Decision(True, 0)
    return _refused(tat, moment, interval, window_seconds)


def in_use(key: str, limit: int, window_seconds: int, *, now: datetime | None = None) -> int:
    """How many attempts the bucket still counts: those of the last window, less what has leaked out since (so at
    most the attempts made within the window), and less what was given back."""
    moment = _moment(now, limit, window_seconds)
    if limit == 0:
        return 0
    interval = window_seconds / limit
    return min(limit, max(0, math.ceil((_store().arrival_time(key) - moment) / interval)))


def reset(key: str) -> None:
    """Forget every attempt counted for `key` (for tests and administrators)."""
    _store().reset(key)


def _moment(now: datetime | None, limit: int, window_seconds: int) -> float:
    if limit < 0:
        raise ValueError("A rate limit cannot be negative.")
    if not 1 <= window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(f"A rate-limit window must last from 1 to {MAX_WINDOW_SECONDS} seconds.")
    return now.timestamp() if now is not None else time.time()


def _refused(tat: float, moment: float, interval: float, window_seconds: int) -> Decision:
    # The next attempt fits once the arrival time, plus one interval, is within a window of now.
    return Decision(False, max(1, math.ceil(max(tat, moment) + interval - window_seconds - moment)))


class DatabaseStore:
    """One RateCounter row per key holding its arrival time, moved on by a conditional UPDATE."""

    max_key_length = RateCounter._meta.get_field("key").max_length

    def consume(self, key: str, moment: float, interval: float, window_seconds: int) -> tuple[bool, float]:
        key = self._key(key)
        with transaction.atomic():
            # get_or_create inserts in a savepoint and, when a concurrent insert wins, reads that row.
            _counter, created = RateCounter.objects.get_or_create(key=key, defaults={"tat": 0.0})
            # The database checks and counts in one statement, so concurrent callers never over-admit.
            counted = RateCounter.objects.filter(key=key, tat__lte=moment + window_seconds - interval).update(
                tat=Greatest(F("tat"), Value(moment, output_field=FloatField())) + interval
            )
            tat = 0.0 if counted else self.arrival_time(key)
        if created and random.random() < CLEANUP_PROBABILITY:
            RateCounter.objects.filter(tat__lt=moment - STALE_SECONDS).delete()
        return counted == 1, tat

    def refund(self, key: str, interval: float) -> None:
        RateCounter.objects.filter(key=self._key(key)).update(tat=F("tat") - interval)

    def arrival_time(self, key: str) -> float:
        return RateCounter.objects.filter(key=self._key(key)).values_list("tat", flat=True).first() or 0.0

    def reset(self, key: str) -> None:
        RateCounter.objects.filter(key=self._key(key)).delete()

    def _key(self, key: str) -> str:
        if len(key) <= self.max_key_length:
            return key
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


# Runs inside Redis, so reading and moving the arrival time is one atomic step across app servers.
GCRA_SCRIPT = """
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now, interval, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local base = math.max(tat, now)
if base + interval - now <= window then
  redis.call('SET', KEYS[1], string.format('%.6f', base + interval), 'EX', math.ceil(base + interval - now) + 1)
  return {1, string.format('%.6f', base + interval)}
end
return {0, string.format('%.6f', tat)}
"""


class CacheStore:
    """Arrival times in Django's default cache: a Lua script on Redis, a process lock on other caches."""

    _lock = threading.Lock()

    def consume(self, key: str, moment: float, interval: float, window_seconds: int) -> tuple[bool, float]:
        cache_key = self._cache_key(key)
        client = self._redis(cache_key)
        if client is not None:
            allowed, tat = client.eval(GCRA_SCRIPT, 1, cache_key, repr(moment), repr(interval), window_seconds)
            return bool(allowed), float(tat)
        with self._lock:  # local-memory caches live in one process, so a process lock makes this atomic
            tat = float(cache.get(cache_key, 0.0))
            base = max(tat, moment)
            if base + interval - moment > window_seconds:
                return False, tat
            cache.set(cache_key, base + interval, timeout=math.ceil(base + interval - moment) + 1)
            return True, base + interval

    def refund(self, key: str, interval: float) -> None:
        cache_key = self._cache_key(key)
        client = self._redis(cache_key)
        if client is not None:
            client.eval(
                "local t = redis.call('GET', KEYS[1]) if t then redis.call('SET', KEYS[1], "
                "string.format('%.6f', tonumber(t) - tonumber(ARGV[1])), 'KEEPTTL') end",
                1,
                cache_key,
                repr(interval),
            )
            return
        with self._lock:
            tat = cache.get(cache_key)
            if tat is not None:
                cache.set(cache_key, float(tat) - interval, timeout=MAX_WINDOW_SECONDS)

    def arrival_time(self, key: str) -> float:
        cache_key = self._cache_key(key)
        client = self._redis(cache_key)
        if client is not None:  # the script stores plain text, which Django's serializer would not read
            return float(client.client.get(client.stored_key) or 0.0)
        return float(cache.get(cache_key, 0.0) or 0.0)

    def reset(self, key: str) -> None:
        cache.delete(self._cache_key(key))

    @staticmethod
    def _cache_key(key: str) -> str:
        # Hashed: any caller's key becomes short and free of spaces, as memcached and Redis want.
        return "twofactor.gcra:" + hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def _redis(cache_key: str):
        """The raw Redis client behind Django's RedisCache, with the key as Django stores it; else None."""
        backend = getattr(cache, "_cache", None)
        if backend is None or not hasattr(backend, "get_client"):
            return None
        return _PrefixedClient(backend.get_client(cache_key, write=True), cache.make_and_validate_key(cache_key))


class _PrefixedClient:
    """Runs scripts on the key Django's cache would use (its prefix and version), so get() sees the value."""

    def __init__(self, client, stored_key: str):
        self.client = client
        self.stored_key = stored_key

    def eval(self, script: str, numkeys: int, _key: str, *args):
        result = self.client.eval(script, numkeys, self.stored_key, *args)
        return [item.decode() if isinstance(item, bytes) else item for item in result] if result else result


class FallbackStore:
    """The cache store while the cache answers; the database store while it cannot be reached."""

    def __init__(self, primary: CacheStore, fallback: DatabaseStore):
        self.primary = primary
        self.fallback = fallback

    def consume(self, key: str, moment: float, interval: float, window_seconds: int) -> tuple[bool, float]:
        return self._call("consume", key, moment, interval, window_seconds)

    def refund(self, key: str, interval: float) -> None:
        return self._call("refund", key, interval)

    def arrival_time(self, key: str) -> float:
        return self._call("arrival_time", key)

    def reset(self, key: str) -> None:
        return self._call("reset", key)

    def _call(self, name: str, *args):
        # Never fail open: a cache that is down means the database counts, not that nobody does.
        return cache_health.call(getattr(self.primary, name), getattr(self.fallback, name), *args)


STORES = {"database": DatabaseStore(), "cache": FallbackStore(CacheStore(), DatabaseStore())}


def _store() -> DatabaseStore | FallbackStore:
    try:
        return STORES[app_settings.RATE_LIMIT_STORE]
    except KeyError:
        raise ImproperlyConfigured(
            f'TWOFACTOR_RATE_LIMIT_STORE must be "database" or "cache", not {app_settings.RATE_LIMIT_STORE!r}.'
        ) from None
