"""Fixed-window rate limits shared by every app server, kept in the database or the cache.

    decision = consume(f"sms-phone:{number}", limit=5, window_seconds=3600)
    if not decision.allowed:
        ...  # tell the user to wait decision.retry_after seconds

Windows are aligned to the epoch, so every server agrees on where one ends. The store is
TWOFACTOR_RATE_LIMIT_STORE: "database" (RateCounter rows) or "cache" (Django's default cache).
Use one window length per key.
"""

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from twofactor.app_settings import app_settings
from twofactor.models import RateCounter

MAX_WINDOW_SECONDS = 86400  # expired rows are swept a day after their window began, so none may be longer
CLEANUP_PROBABILITY = 0.01  # share of new windows that also sweep every key's expired rows


@dataclass(frozen=True)
class Decision:
    """Whether an attempt may go ahead, and if not, how many whole seconds until the window ends."""

    allowed: bool
    retry_after: int  # 0 when allowed


def consume(key: str, limit: int, window_seconds: int, *, now: datetime | None = None) -> Decision:
    """Count one attempt for `key`; allowed while fewer than `limit` were counted in this window."""
    now, start, retry_after = _window(now, limit, window_seconds)
    allowed = _store().consume(key, limit, start, window_seconds, now)
    return Decision(True, 0) if allowed else Decision(False, retry_after)


def peek(key: str, limit: int, window_seconds: int, *, now: datetime | None = None) -> Decision:
    """What consume() would decide, without counting an attempt."""
    now, start, retry_after = _window(now, limit, window_seconds)
    allowed = _store().count(key, start, window_seconds) < limit
    return Decision(True, 0) if allowed else Decision(False, retry_after)


def reset(key: str) -> None:
    """Forget every attempt counted for `key` (for tests and administrators)."""
    _store().reset(key)


def _window(now: datetime | None, limit: int, window_seconds: int) -> tuple[datetime, int, int]:
    """(now, start of its window as epoch seconds, whole seconds until that window ends)."""
    if limit < 0:
        raise ValueError("A rate limit cannot be negative.")
    if not 1 <= window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(f"A rate-limit window must last from 1 to {MAX_WINDOW_SECONDS} seconds.")
    now = now or timezone.now()
    timestamp = now.timestamp()
    start = int(timestamp // window_seconds) * window_seconds
    return now, start, max(1, math.ceil(start + window_seconds - timestamp))


class DatabaseStore:
    """RateCounter rows: one per key and window, counted up by a conditional UPDATE."""

    max_key_length = RateCounter._meta.get_field("key").max_length

    def consume(self, key: str, limit: int, start: int, window_seconds: int, now: datetime) -> bool:
        key = self._key(key)
        with transaction.atomic():
            # get_or_create inserts in a savepoint and, when a concurrent insert wins, reads that row.
            counter, created = RateCounter.objects.get_or_create(key=key, window_start=self._datetime(start))
            # The database checks and counts in one statement, so concurrent callers never over-admit.
            counted = RateCounter.objects.filter(pk=counter.pk, count__lt=limit).update(count=F("count") + 1)
        if created:
            self._delete_expired(now, key)
        return counted == 1

    def count(self, key: str, start: int, window_seconds: int) -> int:
        rows = RateCounter.objects.filter(key=self._key(key), window_start=self._datetime(start))
        return rows.values_list("count", flat=True).first() or 0

    def reset(self, key: str) -> None:
        RateCounter.objects.filter(key=self._key(key)).delete()

    def _key(self, key: str) -> str:
        if len(key) <= self.max_key_length:
            return key
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def _datetime(start: int) -> datetime:
        moment = datetime.fromtimestamp(start, tz=UTC)
        return moment if settings.USE_TZ else timezone.make_naive(moment)

    @staticmethod
    def _delete_expired(now: datetime, key: str) -> None:
        """Drop this key's finished windows and, now and then, every key's."""
        expired = RateCounter.objects.filter(window_start__lt=now - timedelta(seconds=MAX_WINDOW_SECONDS))
        if random.random() >= CLEANUP_PROBABILITY:
            expired = expired.filter(key=key)
        expired.delete()


class CacheStore:
    """Counters in Django's default cache (Redis in production): add() then an atomic incr()."""

    def consume(self, key: str, limit: int, start: int, window_seconds: int, now: datetime) -> bool:
        counter = self._counter_key(key, start, window_seconds)
        # Outlives the window whenever the counter was created inside it.
        timeout = window_seconds + 1
        cache.add(counter, 0, timeout)
        try:
            count = cache.incr(counter)
        except ValueError:  # evicted between add() and incr()
            cache.add(counter, 0, timeout)
            count = cache.incr(counter)
        return count <= limit

    def count(self, key: str, start: int, window_seconds: int) -> int:
        return cache.get(self._counter_key(key, start, window_seconds), 0)

    def reset(self, key: str) -> None:
        # Counters are spread over unknown windows, so reset moves the key to a new generation.
        generation_key = self._generation_key(key)
        cache.set(generation_key, cache.get(generation_key, 0) + 1, timeout=None)

    def _counter_key(self, key: str, start: int, window_seconds: int) -> str:
        generation = cache.get(self._generation_key(key), 0)
        return f"{self._generation_key(key)}:{generation}:{window_seconds}:{start}"

    @staticmethod
    def _generation_key(key: str) -> str:
        # Hashed: any caller's key becomes short and free of spaces, as memcached and Redis want.
        return "twofactor.ratelimit:" + hashlib.sha256(key.encode()).hexdigest()


STORES = {"database": DatabaseStore(), "cache": CacheStore()}


def _store() -> DatabaseStore | CacheStore:
    try:
        return STORES[app_settings.RATE_LIMIT_STORE]
    except KeyError:
        raise ImproperlyConfigured(
            f'TWOFACTOR_RATE_LIMIT_STORE must be "database" or "cache", not {app_settings.RATE_LIMIT_STORE!r}.'
        ) from None
