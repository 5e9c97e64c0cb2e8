"""The cache as an accelerator: when it cannot be reached, callers use their fallback, and the site goes on.

    value = cache_health.call(read_from_cache, read_from_database, key)

A circuit breaker per process: the first failure opens it (one log line for the whole outage, not one
per request), every call then goes straight to the fallback, and after TWOFACTOR_CACHE_RETRY_SECONDS
the next call asks the cache again; the first answer closes it (one more line: the cache is back).
Only "cannot be reached" errors (refused or dropped connections, timeouts) open it; any other error
is a bug and is raised.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from .app_settings import app_settings

logger = logging.getLogger("twofactor.cache")

Result = TypeVar("Result")


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]  # OSError's socket errors included
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # no Redis client installed: the cache is something else
        return tuple(errors)
    return (*errors, RedisConnectionError, RedisTimeoutError)


UNREACHABLE = _unreachable_errors()


class CircuitBreaker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def call(self, primary: Callable[..., Result], fallback: Callable[..., Result], *args) -> Result:
        if self._down_since is not None and time.monotonic() < self._retry_at:
            return fallback(*args)
        try:
            result = primary(*args)
        except UNREACHABLE as error:
            self._failed(error)
            return fallback(*args)
        if self._down_since is not None:
            self._recovered()
        return result

    def _failed(self, error: BaseException) -> None:
        with self._lock:
            first = self._down_since is None
            now = time.monotonic()
            if first:
                self._down_since = now
            self._retry_at = now + app_settings.CACHE_RETRY_SECONDS
        if first:
            logger.error(
                "The cache cannot be reached (%s): rate limits are counted in the database until it answers "
                "again (asked every %d s).",
                type(error).__name__,
                app_settings.CACHE_RETRY_SECONDS,
            )

    def _recovered(self) -> None:
        with self._lock:
            if self._down_since is None:
                return
            seconds = time.monotonic() - self._down_since
            self._down_since = None
        logger.warning("The cache answers again after %.0f s: rate limits are counted in it again.", seconds)


breaker = CircuitBreaker()


def call(primary: Callable[..., Result], fallback: Callable[..., Result], *args) -> Result:
    """`primary(*args)`, or `fallback(*args)` while the cache cannot be reached."""
    return breaker.call(primary, fallback, *args)
