"""The page cache is an optimisation, never a dependency: with Redis away, every read is a miss
(the page renders from the database) and every write is skipped, logged once a minute at most.
Settings select NearRedisCache for a redis:// CACHE_URL."""

import contextvars
import functools
import logging
import pickle
import time
from collections import defaultdict

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

from core import events

logger = logging.getLogger(__name__)
QUIET_SECONDS = 60
_MISSING = object()


_held: dict[str, list[int]] = {}  # bytes held by each named memory (shared by its instances)


class BoundedMemory(LocMemCache):
    """Django's memory cache (the least recently used entry forgotten first), bounded by the bytes
    its entries take (pickled, OPTIONS["MAX_BYTES"]) as well as by their number: the parts of
    pages cached whole (a dashboard of 50 cohorts is 300 KB, rendered again after each write)
    would otherwise fill a process's memory long before their count reaches the limit."""

    def __init__(self, name, params):
        super().__init__(name, params)
        self._max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 64 * 2**20))
        self._held = _held.setdefault(name, [0])

    @property
    def held_bytes(self) -> int:
        return self._held[0]

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        self._delete(key)
        super()._set(key, value, timeout)
        self._held[0] += len(value)
        while self._held[0] > self._max_bytes and len(self._cache) > 1:
            self._forget_oldest()

    def _forget_oldest(self):
        key, value = self._cache.popitem()  # the least recently used (Django keeps it last)
        del self._expire_info[key]
        self._held[0] -= len(value)

    def _cull(self):
        if self._cull_frequency == 0:
            self._cache.clear()
            self._expire_info.clear()
            self._held[0] = 0
            return
        for _ in range(len(self._cache) // self._cull_frequency):
            self._forget_oldest()

    def _delete(self, key):
        value = self._cache.get(key)
        if not super()._delete(key):
            return False
        self._held[0] -= len(value)
        return True

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._held[0] = 0

    incr = BaseCache.incr  # through get and set, which count the bytes

    def get_many(self, keys, version=None):
        """Django's asks for each key in turn, taking the lock each time; this takes it once
        for all the keys (a page asks for a few hundred at once) and unpickles outside it."""
        made = [(key, self.make_and_validate_key(key, version=version)) for key in keys]
        pickled = {}
        with self._lock:
            for key, name in made:
                if self._has_expired(name):
                    self._delete(name)
                    continue
                pickled[key] = self._cache[name]
                self._cache.move_to_end(name, last=False)
        # What this process pickled itself (as Django's memory cache does): never outside data.
        return {key: pickle.loads(value) for key, value in pickled.items()}  # noqa: S301


class NearMemory(BoundedMemory):
    """A process's memory in front of Redis (NearRedisCache): it does not check its keys, as
    every key it holds was checked on its way to Redis (a write) or came from there (a read).
    Django's check looks at every character of every key, and a page reads a few hundred."""

    def validate_key(self, key):
        pass


class KeptClient(RedisCacheClient):
    """Django's client makes a new redis.Redis, with its table of a few hundred reply callbacks,
    for every operation (a page's few reads and writes of the cache cost about a millisecond
    that way); this one keeps one per connection pool (a redis.Redis is safe to share)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._kept.get(id(pool))
        if client is None:
            client = self._kept[id(pool)] = self._client(connection_pool=pool)
        return client


class ForgivingRedisCache(RedisCache):
    _last_warning = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClient

    def _away(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - ForgivingRedisCache._last_warning > QUIET_SECONDS:
            ForgivingRedisCache._last_warning = now
            logger.warning("Cache unavailable (%s: %s); rendering from the database", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            self._away("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            self._away("get_many", exc)
            return {}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            self._away("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            self._away("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            self._away("add", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            self._away("delete", exc)
            return False


# What a request writes to Redis waits until its answer has been sent (core.events.after_answer),
# then goes in one round trip per cache and timeout: a page that renders parts again after a
# write, and caches each, costs its reader no round trip per part. The process's own memory has
# them at once. Outside a request (jobs, commands) writes go at once.
_writes: contextvars.ContextVar[tuple[object, dict] | None] = contextvars.ContextVar(
    "esp_cache_held", default=None
)


def _hold(cache, data: dict, timeout, version) -> bool:
    answer = events.answering()
    if answer is None:
        return False
    held = _writes.get()
    if held is None or held[0] is not answer:  # the request's first write: sent after its answer
        held = (answer, defaultdict(dict))
        _writes.set(held)
        events.after_answer(functools.partial(_send_held, held[1]))
    held[1][cache, timeout, version].update(data)
    return True


def _send_held(batches: dict) -> None:
    """Send what a request wrote, one set_many per cache and timeout."""
    for (cache, timeout, version), data in batches.items():
        try:
            ForgivingRedisCache.set_many(cache, data, timeout, version)
        except Exception:  # the answer has been sent: a part not shared is only rendered again
            logger.exception("Could not write %d cached parts to Redis", len(data))


class NearRedisCache(ForgivingRedisCache):
    """Redis shared by every process, with each process's own memory in front of it.

    Every entry the app caches is named by what it holds (the revisions or the digest of the
    facts it shows, core.fragments): a key never comes to mean another value, so a copy kept in
    a process's memory is never out of date. A read asks the memory first and Redis only for
    what the memory misses (one round trip for a get_many); what Redis has is kept in memory
    too. So a page a process has served costs no round trip, and right after a write a process
    renders only what nobody has rendered yet, not what the other processes did meanwhile.

    The memory (BoundedMemory) keeps at most OPTIONS["NEAR_MAX_ENTRIES"] entries and
    OPTIONS["NEAR_MAX_BYTES"] bytes, the least recently used going first. Within a request, what
    is written goes to Redis once the answer has been sent (core.events.after_answer)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        near = {"MAX_ENTRIES": options.pop("NEAR_MAX_ENTRIES", 20_000)}
        near["MAX_BYTES"] = options.pop("NEAR_MAX_BYTES", 64 * 2**20)
        super().__init__(server, {**params, "OPTIONS": options})
        self.near = NearMemory(f"near-{server}", {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": near})

    def get(self, key, default=None, version=None):
        found = self.near.get(key, _MISSING, version)
        if found is not _MISSING:
            return found
        found = super().get(key, _MISSING, version)
        if found is _MISSING:
            return default
        self.near.set(key, found, version=version)
        return found

    def get_many(self, keys, version=None):
        keys = list(keys)
        found = self.near.get_many(keys, version)
        missing = [key for key in keys if key not in found]
        if missing:
            shared = super().get_many(missing, version)
            if shared:
                self.near.set_many(shared, version=version)
            found |= shared
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.near.set(key, value, timeout, version)
        if not _hold(self, {key: value}, timeout, version):
            super().set(key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        self.near.set_many(data, timeout, version)
        if _hold(self, data, timeout, version):
            return []
        return super().set_many(data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        added = super().add(key, value, timeout, version)
        if added:
            self.near.set(key, value, timeout, version)
        return added

    def delete(self, key, version=None):
        self.near.delete(key, version)
        return super().delete(key, version)

    def incr(self, key, delta=1, version=None):
        self.near.delete(key, version)
        return super().incr(key, delta, version)

    def clear(self):
        self.near.clear()
        return super().clear()
