"""The health check (issue: a deployment that starts healthy): it answers a probe made by address
with real ALLOWED_HOSTS, reports the database, cache, broker and the heartbeats of beat and the
worker, and the compose healthcheck of beat reads beat's last tick."""

import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import Heartbeat
from desk.jobs import run_scheduled_jobs
from desk.tasks import SCHEDULED_JOBS, beat_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.ALLOWED_HOSTS = ["esp.example.com"]
    settings.SECURE_SSL_REDIRECT = True


def test_a_probe_by_address_is_answered_with_real_allowed_hosts(client, production):
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert client.get(reverse("login"), HTTP_HOST="127.0.0.1:8000").status_code == 400  # others refused
    assert client.get(reverse("login"), HTTP_HOST="esp.example.com").status_code == 301  # to HTTPS


def test_beat_and_the_worker_are_reported_by_their_heartbeats(client, settings):
    report = client.get("/healthz").json()
    assert report["beat"] == {"last_seen_seconds_ago": None, "ok": False}
    assert report["status"] == "degraded"
    beat_heartbeat(sender=SCHEDULED_JOBS)  # what beat does as it sends the minute job
    run_scheduled_jobs()  # what the worker does with it
    report = client.get("/healthz").json()
    assert report["beat"]["ok"] and report["worker"]["ok"]
    assert report["status"] == "ok"
    with time_machine.travel(datetime.timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5)):
        stale = client.get("/healthz").json()
    assert not stale["beat"]["ok"] and stale["status"] == "degraded"


def test_a_cache_or_broker_away_is_degraded_not_down(client, settings):
    settings.CACHE_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    Heartbeat.record("beat")
    Heartbeat.record("worker")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["cache"] == "down" and response.json()["status"] == "degraded"


def test_the_healthcheck_command_fails_for_a_stale_part(settings, capsys):
    with pytest.raises(CommandError, match="beat last seen never"):
        call_command("healthcheck", "beat")
    Heartbeat.record("beat")
    call_command("healthcheck", "beat")
    assert '"database": "ok"' in capsys.readouterr().out
    later = datetime.timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5)
    with time_machine.travel(later), pytest.raises(CommandError, match=r"beat last seen \d+ s ago"):
        call_command("healthcheck", "beat")
