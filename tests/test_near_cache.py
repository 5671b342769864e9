"""With CACHE_URL set (production: Redis), each process keeps what it reads and writes in its own
memory in front of Redis (core.cache.NearRedisCache): a page it has served costs no round trip,
and what another process rendered is read from Redis once, not rendered again."""

import os
import subprocess
import sys
import warnings

import pytest
import redis
from django.core.cache import cache
from django.core.cache.backends.base import CacheKeyWarning
from django.urls import reverse

from core.cache import BoundedMemory, ForgivingRedisCache, NearRedisCache
from core.events import hold_until_answered, run_after_answer
from tests.factories import AgentFactory

REDIS_URL = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL.startswith("redis://"), reason="needs Redis (CELERY_BROKER_URL)"
)
LOCATION = REDIS_URL.rsplit("/", 1)[0] + "/9"  # a database of its own, emptied here


def process(name: str, location: str = LOCATION) -> NearRedisCache:
    """The cache as one process of the web tier holds it: its own memory (named here, as each
    process's memory is its own), the shared Redis."""
    one = NearRedisCache(location, {"OPTIONS": {"NEAR_MAX_ENTRIES": 100}, "KEY_PREFIX": "near-test"})
    one.near = BoundedMemory(f"near-test-{name}", {"OPTIONS": {"MAX_ENTRIES": 100}})
    one.near.clear()
    return one


@pytest.fixture
def shared():
    server = redis.Redis.from_url(LOCATION)
    server.flushdb()
    yield server
    server.flushdb()


def test_what_one_process_wrote_another_reads_from_redis_and_then_keeps(shared):
    first, second = process("first"), process("second")
    first.set_many({"a": "row-a", "b": "row-b"}, 60)
    assert second.get_many(["a", "b", "c"]) == {"a": "row-a", "b": "row-b"}
    shared.flushdb()  # Redis loses everything: the second process still has what it read
    assert second.get_many(["a", "b"]) == {"a": "row-a", "b": "row-b"}
    assert second.get("a") == "row-a"


def test_a_read_asks_redis_only_for_what_memory_misses(shared):
    mine, other = process("mine"), process("other")
    mine.set("kept", "in memory", 60)
    shared.flushdb()
    other.set("elsewhere", "in redis", 60)
    assert mine.get_many(["kept", "elsewhere", "nowhere"]) == {"kept": "in memory", "elsewhere": "in redis"}
    assert mine.get("nowhere", "default") == "default"


def test_redis_away_still_serves_what_the_process_holds():
    away = process("away", "redis://127.0.0.1:9/1")  # nothing listens on port 9
    away.set("row", "html", 60)  # Redis refuses: skipped, no error
    assert away.get("row") == "html"
    assert away.get_many(["row", "other"]) == {"row": "html"}
    assert away.get("other") is None


def test_the_memory_keeps_at_most_its_entries_and_bytes(shared):
    small = NearRedisCache(
        LOCATION, {"OPTIONS": {"NEAR_MAX_ENTRIES": 10, "NEAR_MAX_BYTES": 4096}, "KEY_PREFIX": "near-test"}
    )
    small.near.clear()
    small.set_many({f"k{i}": i for i in range(30)}, 60)
    assert len(small.near._cache) <= 10
    small.set_many({f"page{i}": "x" * 1024 for i in range(10)}, 60)
    assert small.near.held_bytes <= 4096
    assert small.get_many([f"k{i}" for i in range(30)]) == {f"k{i}": i for i in range(30)}  # from Redis


def test_a_memory_read_of_many_keys_skips_the_expired_and_keeps_the_read_ones_longest(monkeypatch):
    memory = BoundedMemory("near-test-many", {"OPTIONS": {"MAX_ENTRIES": 3, "CULL_FREQUENCY": 3}})
    memory.clear()
    clock = [1000.0]
    monkeypatch.setattr("time.time", lambda: clock[0])
    memory.set("short", "gone soon", 5)
    memory.set_many({"a": 1, "b": 2}, 60)
    clock[0] += 10
    assert memory.get_many(["short", "a", "nowhere"]) == {"a": 1}
    assert "short" not in [key.split(":")[-1] for key in memory._cache]  # forgotten, its bytes too
    memory.set_many({"c": 3, "d": 4}, 60)  # past three entries: the least recently used goes
    assert memory.get_many(["a", "b", "c", "d"]) == {"a": 1, "c": 3, "d": 4}


def test_near_memory_leaves_key_checks_to_the_redis_write(shared):
    one = NearRedisCache(LOCATION, {"OPTIONS": {"NEAR_MAX_ENTRIES": 100}, "KEY_PREFIX": "near-test"})
    one.near.clear()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        one.set("a key with spaces", "row", 60)
        assert one.get_many(["a key with spaces"]) == {"a key with spaces": "row"}
    assert [w.category for w in seen] == [CacheKeyWarning]  # once, by the write to Redis


@pytest.mark.django_db
def test_a_page_a_process_served_costs_no_round_trip_to_redis(
    settings, shared, client_for, count_queries, tl1, cohort1, tasks, week
):
    """The tracker served once is served again from the process's memory with Redis emptied
    in between (as good as away): no query for the grid either."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.NearRedisCache",
            "LOCATION": LOCATION,
            "OPTIONS": {"NEAR_MAX_ENTRIES": 1000},
        }
    }
    cache.clear()
    AgentFactory.create_batch(3, cohort=cohort1)
    client = client_for(tl1)
    url = reverse("certifications:tracker", args=[cohort1.pk])
    rendered = count_queries(lambda: client.get(url))
    served = count_queries(lambda: client.get(url))
    assert served < rendered
    shared.flushdb()
    assert count_queries(lambda: client.get(url)) == served
    cache.near.clear()  # a process that has not served it: reads it from Redis, renders nothing
    client.get(url)
    cache.near.clear()
    shared.flushdb()
    assert count_queries(lambda: client.get(url)) == rendered  # nothing anywhere: rendered again
    cache.clear()


def test_settings_put_memory_in_front_of_a_redis_cache_url():
    """What esp/settings.py selects for a redis:// CACHE_URL."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='esp.settings'; django.setup();"
        "from django.conf import settings as s; c = s.CACHES['default'];"
        "print(c['BACKEND'], c['OPTIONS']['NEAR_MAX_ENTRIES'], c['OPTIONS']['NEAR_MAX_BYTES'])"
    )
    env = {**os.environ, "CACHE_URL": LOCATION, "CACHE_MAX_ENTRIES": "1234", "CACHE_MAX_MB": "3"}
    env["DJANGO_SETTINGS_MODULE"] = "esp.settings"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["core.cache.NearRedisCache", "1234", str(3 * 2**20)]


@pytest.mark.parametrize("backend", [ForgivingRedisCache, NearRedisCache])
def test_an_entry_set_without_a_timeout_expires_after_the_default(shared, backend):
    """Django's default timeout (300 s here), not never: a timeout left out used to be None."""
    one = backend(LOCATION, {"KEY_PREFIX": "near-test"})
    one.set("row", "html")
    one.set_many({"other": "html"})
    one.add("added", "html")
    for key in ("row", "other", "added"):
        assert 0 < shared.ttl(f"near-test:1:{key}") <= 300


def test_one_redis_client_serves_every_operation(shared):
    """Not a new redis.Redis (and its table of reply callbacks) for each read and write."""
    one = process("client")
    one.set("row", "html", 60)
    made = one._cache.get_client(write=True)
    assert one._cache.get_client(write=True) is made
    assert one._cache.get_client() is made  # one server: reads use the same pool
    one.near.clear()
    assert one.get("row") == "html"


def test_within_a_request_writes_reach_redis_once_the_response_is_sent(shared):
    """Between request_started and request_finished (a WSGI server closes the response after its
    last byte) what is written is in the process's memory at once and in Redis only at the end,
    in one round trip per timeout; outside a request it goes to Redis at once."""
    mine, other = process("writer"), process("reader")
    hold_until_answered()  # request_started
    mine.set("part", "html", 60)
    mine.set_many({"row-a": "a", "row-b": "b"}, 60)
    mine.set_many({"later": "x"}, 120)
    assert mine.get_many(["part", "row-a"]) == {"part": "html", "row-a": "a"}  # its own memory
    assert other.get_many(["part", "row-a", "row-b", "later"]) == {}  # not in Redis yet
    sent = []
    real = ForgivingRedisCache.set_many
    ForgivingRedisCache.set_many = lambda *args, **kwargs: sent.append(args[1]) or real(*args, **kwargs)
    try:
        run_after_answer()  # request_finished
    finally:
        ForgivingRedisCache.set_many = real
    assert sent == [{"part": "html", "row-a": "a", "row-b": "b"}, {"later": "x"}]
    everything = {"part": "html", "row-a": "a", "row-b": "b", "later": "x"}
    assert other.get_many(["part", "row-a", "row-b", "later"]) == everything
    assert 60 < shared.ttl("near-test:1:later") <= 120
    mine.set("outside", "at once", 60)
    assert other.get("outside") == "at once"


def test_held_writes_that_redis_refuses_are_skipped_and_kept_in_memory():
    away = process("away-request", "redis://127.0.0.1:9/1")  # nothing listens on port 9
    hold_until_answered()  # request_started
    away.set_many({"row": "html"}, 60)
    run_after_answer()  # Redis refuses: skipped, logged, no error
    assert away.get("row") == "html"


@pytest.mark.django_db
def test_a_page_sends_what_it_cached_to_redis_in_one_round_trip_after_its_answer(
    settings, shared, client_for, tl1, cohort1, tasks, week, monkeypatch
):
    settings.CACHES = {"default": {"BACKEND": "core.cache.NearRedisCache", "LOCATION": LOCATION}}
    cache.clear()
    AgentFactory.create_batch(3, cohort=cohort1)
    sent = []
    real = ForgivingRedisCache.set_many
    monkeypatch.setattr(ForgivingRedisCache, "set_many", lambda *a, **k: sent.append(a[1]) or real(*a, **k))
    monkeypatch.setattr(ForgivingRedisCache, "set", lambda *a, **k: pytest.fail("a write of its own"))
    client_for(tl1).get(reverse("certifications:tracker", args=[cohort1.pk]))
    assert len(sent) == 1 and len(sent[0]) > 3  # the page, its rows, their cells, the facts...
    cache.near.clear()
    assert cache.get_many(list(sent[0])) == sent[0]  # in Redis, for the other processes
    cache.clear()
