"""The page cache is an optimisation, never a dependency: with Redis away, every read is a miss
(the page renders from the database) and every write is skipped, logged once a minute at most.
Settings select it for a redis:// CACHE_URL."""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
QUIET_SECONDS = 60


class ForgivingRedisCache(RedisCache):
    _last_warning = 0.0

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

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            self._away("set", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            self._away("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=None, version=None):
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
