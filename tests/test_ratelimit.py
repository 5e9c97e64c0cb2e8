"""twofactor.ratelimit: token buckets (GCRA) in the database and in a real Redis, under real threads."""

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
from twofactor.ratelimit import Decision, Limit, consume, consume_all, peek, refund, reset

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


@pytest.fixture(params=["database", "cache", "locmem"])
def store(request, settings):
    """Runs a test once on each store (the cache store on Redis and on a local-memory cache)."""
    if request.param == "database":
        request.getfixturevalue("db")
        settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    elif request.param == "locmem":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"ratelimit-{uuid.uuid4().hex}",
            }
        }
        settings.TWOFACTOR_RATE_LIMIT_STORE = "cache"
    else:
        request.getfixturevalue("redis_cache")
    return request.param


# The same behaviour from both stores


def test_allows_the_limit_at_once_then_one_per_interval(store):
    assert [consume("k", 3, HOUR, now=at(100)) for _ in range(3)] == [Decision(True, 0)] * 3
    # One attempt frees up every HOUR / 3 = 1200 seconds.
    assert consume("k", 3, HOUR, now=at(100.5)) == Decision(False, 1200)
    assert consume("k", 3, HOUR, now=at(1299)) == Decision(False, 1)
    assert consume("k", 3, HOUR, now=at(1300)) == Decision(True, 0)
    assert not consume("k", 3, HOUR, now=at(1300)).allowed


def test_a_clock_boundary_lets_nothing_extra_through(store):
    # A fixed window ending at HOUR would admit two more one second later: the boundary burst.
    assert consume("k", 2, HOUR, now=at(HOUR - 1)).allowed
    assert consume("k", 2, HOUR, now=at(HOUR - 1)).allowed
    assert consume("k", 2, HOUR, now=at(HOUR + 1)) == Decision(False, HOUR // 2 - 2)
    # In the hour after the burst, one attempt a half hour: a single one fits before 2 * HOUR - 1.
    assert sum(consume("k", 2, HOUR, now=at(t)).allowed for t in range(HOUR + 1, 2 * HOUR - 1, 60)) == 1


def test_a_full_window_later_the_whole_limit_is_back(store):
    for _ in range(2):
        consume("k", 2, HOUR, now=at(10))
    assert [consume("k", 2, HOUR, now=at(10 + HOUR)).allowed for _ in range(3)] == [True, True, False]


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
    assert peek("k", 1, HOUR, now=at(10)) == Decision(False, HOUR - 5)


def test_reset_forgets_the_key_only(store):
    consume("k", 1, HOUR, now=at(5))
    consume("other", 1, HOUR, now=at(5))
    reset("k")
    assert consume("k", 1, HOUR, now=at(6)).allowed
    assert not consume("other", 1, HOUR, now=at(6)).allowed


def test_refund_gives_one_attempt_back(store):
    consume("k", 2, HOUR, now=at(5))
    consume("k", 2, HOUR, now=at(5))
    refund("k", 2, HOUR)
    assert consume("k", 2, HOUR, now=at(5)).allowed
    assert not consume("k", 2, HOUR, now=at(5)).allowed


def test_refund_gives_the_only_attempt_of_a_limit_of_one_back(store):
    consume("k", 1, HOUR, now=at(5))
    refund("k", 1, HOUR)
    assert consume("k", 1, HOUR, now=at(5)).allowed
    assert not consume("k", 1, HOUR, now=at(5)).allowed


def test_refund_at_a_limit_of_zero_gives_nothing_back(store):
    refund("k", 0, HOUR)  # nothing was counted (a limit of zero refuses before counting), so nothing to give
    assert consume("k", 0, HOUR, now=at(5)) == Decision(False, HOUR)
    assert consume("k", 1, HOUR, now=at(5)).allowed


def test_consume_all_counts_against_every_limit_or_none(store):
    limits = [Limit("a", 5, HOUR), Limit("b", 1, HOUR)]
    assert consume_all(limits, now=at(5)) == Decision(True, 0)
    assert consume_all(limits, now=at(5)) == Decision(False, HOUR)
    # The refused attempt gave back what it had counted on "a": four of five are left.
    assert [consume("a", 5, HOUR, now=at(5)).allowed for _ in range(5)] == [True] * 4 + [False]


def test_a_key_reset_again_and_again_starts_from_zero_each_time(store):
    for _round in range(3):
        assert consume("k", 1, HOUR, now=at(5)).allowed
        assert not consume("k", 1, HOUR, now=at(5)).allowed
        reset("k")


def test_a_limit_of_zero_refuses_everything(store):
    assert consume("k", 0, HOUR, now=at(5)) == Decision(False, HOUR)


def test_defaults_to_the_current_time(store, monkeypatch):
    monkeypatch.setattr("time.time", lambda: at(HOUR + 30).timestamp())
    assert consume("k", 1, HOUR).allowed
    assert consume("k", 1, HOUR) == Decision(False, HOUR)
    assert peek("k", 1, HOUR) == Decision(False, HOUR)


@pytest.mark.parametrize(("limit", "window"), [(-1, HOUR), (1, 0), (1, 86401)])
def test_rejects_nonsense_limits_and_windows(limit, window):
    with pytest.raises(ValueError):
        consume("k", limit, window)
    with pytest.raises(ValueError):
        peek("k", limit, window)


@pytest.mark.parametrize("window", [1, 86400])
def test_windows_from_one_second_to_one_day_are_accepted(store, window):
    assert consume("k", 1, window, now=at(5)).allowed
    assert consume("k", 1, window, now=at(5)) == Decision(False, window)


def test_unknown_store_is_a_configuration_error(settings):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "memory"
    with pytest.raises(ImproperlyConfigured, match="TWOFACTOR_RATE_LIMIT_STORE"):
        consume("k", 1, HOUR)


# Database store


@pytest.mark.django_db
def test_database_store_keeps_one_row_per_key(settings):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    for _ in range(3):
        consume("k", 5, HOUR, now=at(10))
    assert list(RateCounter.objects.values_list("key", "tat")) == [("k", at(10).timestamp() + 3 * HOUR / 5)]


@pytest.mark.django_db
def test_database_store_keeps_every_key_within_its_column(settings):
    """SQLite stores a longer string anyway; PostgreSQL would refuse it (a 500 for whoever made the key)."""
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    width = RateCounter._meta.get_field("key").max_length
    keys = ["x" * (width - 1), "x" * width, "x" * (width + 1), "y" * (width + 1), "x" * 500]
    for key in keys:
        assert consume(key, 1, HOUR, now=at(5)).allowed
    assert all(not consume(key, 1, HOUR, now=at(5)).allowed for key in keys)
    stored = list(RateCounter.objects.values_list("key", flat=True))
    assert len(stored) == len(keys) and all(len(key) <= width for key in stored)


@pytest.mark.django_db
def test_database_store_sweeps_full_buckets_now_and_then(settings, monkeypatch):
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    monkeypatch.setattr(ratelimit, "CLEANUP_PROBABILITY", 1.0)
    RateCounter.objects.create(key="old", tat=at(-HOUR).timestamp())
    RateCounter.objects.create(key="busy", tat=at(HOUR).timestamp())
    RateCounter.objects.create(key="counting", tat=at(30).timestamp())  # still counts an attempt for 30 s
    RateCounter.objects.create(key="just full", tat=at(-30).timestamp())  # a concurrent attempt may be moving it
    RateCounter.objects.create(key="a while ago", tat=at(-61).timestamp())
    consume("k", 1, HOUR, now=at(0))
    assert set(RateCounter.objects.values_list("key", flat=True)) == {"k", "busy", "counting", "just full"}


@pytest.mark.django_db
def test_database_store_sweeps_only_when_it_counts_a_new_key(settings, monkeypatch):
    """The sweep is paid for by new keys (a stranger's new address), never by every attempt on a known one."""
    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    consume("k", 5, HOUR, now=at(0))
    monkeypatch.setattr(ratelimit, "CLEANUP_PROBABILITY", 1.0)
    RateCounter.objects.create(key="old", tat=at(-HOUR).timestamp())
    consume("k", 5, HOUR, now=at(0))
    assert set(RateCounter.objects.values_list("key", flat=True)) == {"k", "old"}


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
    assert RateCounter.objects.get(key="race").tat == pytest.approx(at(5).timestamp() + HOUR)


def test_cache_store_never_over_admits_under_concurrency(redis_cache):
    results = _race(4, 16, lambda: consume("race", 10, HOUR, now=at(5)).allowed)
    assert results.count(True) == 10


# Cache store


def test_cache_keys_are_hashed_and_expire(redis_cache, settings):
    consume("sms-phone:+14155550123 with spaces", 5, HOUR)
    [counter] = [key.decode() for key in redis_cache.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*")]
    assert "+14155550123" not in counter and " " not in counter
    assert len(counter) < 250  # memcached's limit
    assert 0 < redis_cache.ttl(counter) <= HOUR + 1


# The cache is an accelerator: a Redis that cannot be reached is replaced by the database


@pytest.fixture
def unreachable_redis(settings, db, monkeypatch):
    """The default cache points at a port where no Redis listens; the circuit breaker starts closed."""
    import socket

    from twofactor import cache_health

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.TWOFACTOR_RATE_LIMIT_STORE = "cache"
    monkeypatch.setattr(cache_health, "breaker", cache_health.CircuitBreaker())
    return cache_health


def test_an_unreachable_cache_counts_in_the_database_never_fails_open_and_logs_once(unreachable_redis, caplog):
    caplog.set_level("INFO", logger="twofactor.cache")
    decisions = [consume("down", 2, HOUR, now=at(100)) for _ in range(3)]
    assert decisions == [Decision(True, 0), Decision(True, 0), Decision(False, 1800)]
    assert RateCounter.objects.filter(key="down").exists()
    refund("down", 2, HOUR)
    assert consume("down", 2, HOUR, now=at(100)).allowed
    assert unreachable_redis.breaker.down
    lines = [record for record in caplog.records if record.name == "twofactor.cache"]
    assert len(lines) == 1 and "cannot be reached" in lines[0].getMessage()


def test_an_unreachable_cache_is_asked_again_after_the_retry_interval(unreachable_redis, settings, monkeypatch):
    settings.TWOFACTOR_CACHE_RETRY_SECONDS = 5
    asked = []
    real = ratelimit.CacheStore.consume

    def counted(self, *args):
        asked.append(args[0])
        return real(self, *args)

    monkeypatch.setattr(ratelimit.CacheStore, "consume", counted)
    clock = [1000.0]
    monkeypatch.setattr(unreachable_redis.time, "monotonic", lambda: clock[0])
    consume("a", 5, HOUR)
    consume("b", 5, HOUR)  # within the interval: straight to the database
    clock[0] += 6
    consume("c", 5, HOUR)  # after it: the cache is tried again (and is still down)
    assert asked == ["a", "c"]


def test_a_deploy_check_says_where_rate_limits_are_counted(settings):
    from django.core.checks import run_checks

    settings.TWOFACTOR_RATE_LIMIT_STORE = "database"
    (info,) = [message for message in run_checks(include_deployment_checks=True) if message.id == "twofactor.I001"]
    assert "database" in info.msg
    settings.TWOFACTOR_RATE_LIMIT_STORE = "cache"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    (info,) = [message for message in run_checks(include_deployment_checks=True) if message.id == "twofactor.I001"]
    assert "RedisCache" in info.msg and "while it cannot be reached they are counted in the database" in info.msg


# What the other callers read: peek (a page that only asks) and in_use (how many attempts the owner is told of)


def test_peek_at_a_limit_of_zero_refuses_for_a_whole_window(store):
    assert peek("k", 0, HOUR, now=at(5)) == Decision(False, HOUR)


def test_in_use_counts_the_attempts_still_in_the_bucket(store):
    assert ratelimit.in_use("k", 3, HOUR, now=at(5)) == 0
    consume("k", 3, HOUR, now=at(5))
    consume("k", 3, HOUR, now=at(5))
    assert ratelimit.in_use("k", 3, HOUR, now=at(5)) == 2
    assert ratelimit.in_use("k", 3, HOUR, now=at(5 + HOUR / 3)) == 1  # one has leaked out since
    assert ratelimit.in_use("k", 3, HOUR, now=at(5 + HOUR)) == 0
    assert ratelimit.in_use("one", 1, HOUR, now=at(5)) == 0
    consume("one", 1, HOUR, now=at(5))
    assert ratelimit.in_use("one", 1, HOUR, now=at(5)) == 1
    assert ratelimit.in_use("k", 0, HOUR, now=at(5)) == 0  # a limit of zero counts nothing


def test_in_use_defaults_to_the_current_time(store, monkeypatch):
    consume("k", 3, HOUR, now=at(5))
    monkeypatch.setattr("time.time", lambda: at(5 + HOUR).timestamp())
    assert ratelimit.in_use("k", 3, HOUR) == 0
    monkeypatch.setattr("time.time", lambda: at(5).timestamp())
    assert ratelimit.in_use("k", 3, HOUR) == 1


# A local-memory cache (one process: development and tests): its entries live as long as their counts


@pytest.fixture
def locmem(settings, monkeypatch):
    from django.core.cache.backends import locmem as backend

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    settings.TWOFACTOR_RATE_LIMIT_STORE = "cache"
    clock = [at(0).timestamp()]
    monkeypatch.setattr(backend.time, "time", lambda: clock[0])
    return clock


def test_a_local_memory_bucket_is_kept_while_it_counts_and_forgotten_soon_after(locmem):
    consume("k", 2, HOUR, now=at(0))  # counted until HOUR / 2
    locmem[0] = at(HOUR / 2 - 0.5).timestamp()
    assert ratelimit.in_use("k", 2, HOUR, now=at(HOUR / 2 - 0.5)) == 1
    locmem[0] = at(HOUR / 2 + 1.5).timestamp()
    assert ratelimit.CacheStore._cache_key("k") not in ratelimit.cache  # no entry outlives its count by 2 s


def test_a_refund_in_a_local_memory_cache_keeps_the_other_attempts_for_the_whole_window(locmem):
    day = 86400
    consume("k", 2, day, now=at(0))
    consume("k", 2, day, now=at(0))
    refund("k", 2, day)  # one of the two was legitimate: one is still counted, for half a day
    locmem[0] = at(HOUR).timestamp()
    assert consume("k", 2, day, now=at(HOUR)).allowed
    assert not consume("k", 2, day, now=at(HOUR)).allowed


def test_the_cache_store_counts_in_any_django_cache(settings, tmp_path):
    """Not only Redis and local memory: a file-based cache (one process's lock makes it atomic) counts alike."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    settings.TWOFACTOR_RATE_LIMIT_STORE = "cache"
    assert [consume("k", 2, HOUR, now=at(5)).allowed for _ in range(3)] == [True, True, False]
    refund("k", 2, HOUR)
    assert consume("k", 2, HOUR, now=at(5)).allowed
    assert ratelimit.in_use("k", 2, HOUR, now=at(5)) == 2


# A Redis with read replicas: Django's cache reads from a replica, which may lag behind the primary. The
# bucket is read and moved on by a script on the primary, so a stale replica never lets an attempt through.


@pytest.fixture
def redis_with_a_replica(redis_cache, settings):
    """The default cache has a primary and a "replica" that never receives the writes (another database
    of the same Redis: a replica lagging behind as far as it can)."""
    primary = settings.CACHES["default"]["LOCATION"]
    replica = redis.Redis.from_url(primary, db=13).connection_pool.connection_kwargs
    replica_url = f"redis://{replica['host']}:{replica['port']}/13"
    settings.CACHES["default"]["LOCATION"] = [primary, replica_url]
    yield redis_cache
    stale = redis.Redis.from_url(replica_url)
    keys = list(stale.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"))
    if keys:
        stale.delete(*keys)
    stale.close()


def test_a_lagging_read_replica_never_lets_an_attempt_through(redis_with_a_replica):
    assert [consume("k", 2, HOUR, now=at(5)).allowed for _ in range(3)] == [True, True, False]
    assert peek("k", 2, HOUR, now=at(5)) == Decision(False, HOUR // 2)
    assert ratelimit.in_use("k", 2, HOUR, now=at(5)) == 2
    refund("k", 2, HOUR)
    assert [consume("k", 2, HOUR, now=at(5)).allowed for _ in range(2)] == [True, False]
    reset("k")
    assert ratelimit.in_use("k", 2, HOUR, now=at(5)) == 0
