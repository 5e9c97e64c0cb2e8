"""twofactor.ratelimit: fixed windows in the database and in a real Redis, under real threads."""

import os
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from twofactor import ratelimit
from twofactor.models import RateCounter
from twofactor.ratelimit import Decision, consume, peek, reset

HOUR = 3600
# A window boundary: 2024-01-01 00:00:00 UTC is a whole number of hours (and days) after the epoch.
WINDOW_START = datetime(2024, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """The moment `seconds` after WINDOW_START."""
    return WINDOW_START + timedelta(seconds=seconds)


@pytest.fixture
def redis_cache(settings):
    """Points the default cache at a real Redis, under a prefix of its own, and empties it afterwards."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis is not reachable at {url} (start one, or set REDIS_URL)")
    prefix = f"test-ratelimit-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    settings.TWOFACTOR_RATE_LIMIT_STORE = "cache"
    yield client
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["database", "cache"])
def store(request, settings):
    """Runs a test once on each store."""
    if request.param == "database":
        request.getfixturevalue("db")
        settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    else:
        request.getfixturevalue("redis_cache")
    return request.param


# The same behaviour from both stores


def test_allows_up_to_the_limit_then_refuses_until_the_window_ends(store):
    assert [consume("k", 3, HOUR, now=at(100)) for _ in range(3)] == [Decision(True, 0)] * 3
    assert consume("k", 3, HOUR, now=at(100.5)) == Decision(False, HOUR - 100)
    assert consume("k", 3, HOUR, now=at(HOUR - 0.2)) == Decision(False, 1)


def test_window_rolls_over(store):
    for _ in range(2):
        consume("k", 2, HOUR, now=at(HOUR - 1))
    assert not consume("k", 2, HOUR, now=at(HOUR - 1)).allowed
    assert consume("k", 2, HOUR, now=at(HOUR)) == Decision(True, 0)


def test_windows_are_aligned_to_the_epoch(store):
    # 90 s does not divide an hour, so the edge comes from the epoch, not from the clock's hours.
    start = int(WINDOW_START.timestamp()) // 90 * 90
    moment = datetime.fromtimestamp(start + 89, tz=UTC)
    assert consume("k", 1, 90, now=moment).allowed
    assert consume("k", 1, 90, now=moment) == Decision(False, 1)
    assert consume("k", 1, 90, now=moment + timedelta(seconds=1)).allowed


def test_keys_are_independent(store):
    assert consume("sms-phone:+14155550123", 1, HOUR, now=at(5)).allowed
    assert not consume("sms-phone:+14155550123", 1, HOUR, now=at(5)).allowed
    assert consume("sms-phone:+14155550124", 1, HOUR, now=at(5)).allowed


def test_long_keys_are_counted_separately(store):
    long_key = "x" * 500
    assert consume(long_key, 1, HOUR, now=at(5)).allowed
    assert not consume(long_key, 1, HOUR, now=at(5)).allowed
    assert consume(long_key + "y", 1, HOUR, now=at(5)).allowed
    assert consume("x" * 200, 1, HOUR, now=at(5)).allowed


def test_keys_with_spaces_and_symbols_work(store):
    key = "rescue account:42 ✓ <a@example.com>"
    assert consume(key, 1, HOUR, now=at(5)).allowed
    assert not consume(key, 1, HOUR, now=at(5)).allowed


def test_peek_does_not_count(store):
    assert peek("k", 1, HOUR, now=at(5)) == Decision(True, 0)
    assert peek("k", 1, HOUR, now=at(5)) == Decision(True, 0)
    assert consume("k", 1, HOUR, now=at(5)).allowed
    assert peek("k", 1, HOUR, now=at(10)) == Decision(False, HOUR - 10)


def test_reset_forgets_the_key_only(store):
    consume("k", 1, HOUR, now=at(5))
    consume("other", 1, HOUR, now=at(5))
    reset("k")
    assert consume("k", 1, HOUR, now=at(6)).allowed
    assert not consume("other", 1, HOUR, now=at(6)).allowed


def test_a_limit_of_zero_refuses_everything(store):
    assert consume("k", 0, HOUR, now=at(5)) == Decision(False, HOUR - 5)


def test_defaults_to_the_current_time(store, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(HOUR + 30))
    assert consume("k", 1, HOUR).allowed
    assert consume("k", 1, HOUR) == Decision(False, HOUR - 30)
    assert peek("k", 1, HOUR) == Decision(False, HOUR - 30)


@pytest.mark.parametrize(("limit", "window"), [(-1, HOUR), (1, 0), (1, 86401)])
def test_rejects_nonsense_limits_and_windows(limit, window):
    with pytest.raises(ValueError):
        consume("k", limit, window)


def test_unknown_store_is_a_configuration_error(settings):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "memory"
    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_RATE_LIMIT_STORE"):
        consume("k", 1, HOUR)


# Database store


@pytest.mark.django_db
def test_database_store_keeps_one_row_per_key_and_window(settings):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    for _ in range(3):
        consume("k", 2, HOUR, now=at(5))
    consume("k", 2, HOUR, now=at(HOUR + 5))
    rows = RateCounter.objects.filter(key="k").order_by("window_start").values_list("window_start", "count")
    assert list(rows) == [(at(0), 2), (at(HOUR), 1)]


@pytest.mark.django_db
def test_a_new_window_deletes_the_keys_expired_rows(settings, monkeypatch):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    monkeypatch.setattr(ratelimit, "CLEANUP_PROBABILITY", 0)
    RateCounter.objects.create(key="k", window_start=at(-2 * 86400), count=3)
    RateCounter.objects.create(key="k", window_start=at(-HOUR), count=3)  # less than a day old: kept
    RateCounter.objects.create(key="other", window_start=at(-2 * 86400), count=3)
    consume("k", 5, HOUR, now=at(5))
    remaining = RateCounter.objects.order_by("key", "window_start").values_list("key", "window_start")
    assert list(remaining) == [("k", at(-HOUR)), ("k", at(0)), ("other", at(-2 * 86400))]


@pytest.mark.django_db
def test_now_and_then_a_new_window_sweeps_every_key(settings, monkeypatch):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    monkeypatch.setattr(ratelimit, "CLEANUP_PROBABILITY", 1)
    RateCounter.objects.create(key="other", window_start=at(-2 * 86400), count=3)
    RateCounter.objects.create(key="recent", window_start=at(-HOUR), count=3)
    consume("k", 5, HOUR, now=at(5))
    assert set(RateCounter.objects.values_list("key", flat=True)) == {"k", "recent"}


def _race(attempts_per_thread: int, threads: int, call) -> list[bool]:
    """Runs `call` from many threads released at once; returns every result."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            for _ in range(attempts_per_thread):
                results.append(call())
        except Exception as error:  # reported below, so a failing thread fails the test
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert errors == []
    assert len(results) == attempts_per_thread * threads
    return results


@pytest.mark.django_db(transaction=True)
def test_database_store_never_over_admits_under_concurrency(settings):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    # Every thread starts on a missing row, so they also race to create it.
    results = _race(4, 16, lambda: consume("race", 10, HOUR, now=at(5)).allowed)
    assert results.count(True) == 10
    assert RateCounter.objects.get(key="race").count == 10


def test_cache_store_never_over_admits_under_concurrency(redis_cache):
    results = _race(4, 16, lambda: consume("race", 10, HOUR, now=at(5)).allowed)
    assert results.count(True) == 10


# Cache store


def test_cache_keys_are_hashed_and_expire(redis_cache, settings):
    consume("sms-phone:+14155550123 with spaces", 5, HOUR, now=at(5))
    [counter] = [key.decode() for key in redis_cache.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*")]
    assert "+14155550123" not in counter and " " not in counter
    assert len(counter) < 250  # memcached's limit
    assert 0 < redis_cache.ttl(counter) <= HOUR + 1
