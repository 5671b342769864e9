"""The health check: the database (without it the app is down: 503), the cache and the broker
(the app works without them, degraded), and the heartbeats of beat and the worker (their last
minute job). One function, used by /healthz and by `manage.py healthcheck`.

Our own rather than django-health-check: five checks, one JSON answer, and the heartbeats that
package has no notion of; it would add a dependency and an app for less."""

import logging
import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from core.models import Heartbeat

logger = logging.getLogger(__name__)

PARTS = ("beat", "worker")


def _redis_ping(url: str) -> str:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except (redis.RedisError, OSError):
        return "down"
    return "ok"


def health() -> dict:
    started = time.monotonic()
    report = {}
    ages = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except DatabaseError:
        report["database"] = "down"
    if report["database"] == "ok":
        try:
            ages = Heartbeat.ages()
        except DatabaseError:  # not migrated yet: no heartbeat can have been recorded
            logger.warning("The heartbeats cannot be read (are the migrations applied?)")
    cache_url = settings.CACHE_URL
    report["cache"] = _redis_ping(cache_url) if cache_url.startswith("redis") else "local"
    broker = settings.CELERY_BROKER_URL
    report["broker"] = _redis_ping(broker) if broker.startswith("redis") else "local"
    limit = settings.HEARTBEAT_MAX_AGE_SECONDS
    for part in PARTS:
        age = ages.get(part)
        report[part] = {
            "last_seen_seconds_ago": None if age is None else round(age),
            "ok": age is not None and age <= limit,
        }
    fine = report["cache"] != "down" and report["broker"] != "down" and all(report[p]["ok"] for p in PARTS)
    report["status"] = "down" if report["database"] == "down" else "ok" if fine else "degraded"
    report["took_ms"] = round((time.monotonic() - started) * 1000)
    return report
