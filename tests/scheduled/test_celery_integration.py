"""A real Celery worker process on Redis runs the scheduled jobs, and a real SMTP server started
here receives the mail: first down, then up, and each message arrives exactly once."""

import datetime
import os
import socket
import subprocess
import sys
import time
from email import message_from_bytes

import pytest
from django.conf import settings
from django.db import connection

from attendance.models import AttendancePolicy
from attendance.services import new_record
from cohorts.models import Schedule
from desk.models import EndOfDayCheck
from notifications.models import Notice
from tests.conftest import MONDAY, TUESDAY
from tests.factories import AgentFactory, CohortFactory, UserFactory

REDIS_URL = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not REDIS_URL.startswith("redis://"),
        reason="needs PostgreSQL (shared with the worker) and Redis (CELERY_BROKER_URL)",
    ),
]

NOW = "2026-11-25T06:00:00+00:00"  # Tuesday is over in New York (01:00) and Los Angeles (22:00)


class Sink:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((sorted(envelope.rcpt_tos), message_from_bytes(envelope.content)["Subject"]))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=60.0, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def broker_url():
    """A Redis database of its own, emptied, so no other run's messages reach this worker."""
    import redis

    url = REDIS_URL.rsplit("/", 1)[0] + "/14"
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def worker(broker_url):
    port = free_port()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "esp.settings",
        "DJANGO_SECRET_KEY": "integration-test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "5",
        "SITE_URL": "https://esp.example.com",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "esp", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    yield port
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output[-5000:])  # shown when the test fails


def test_a_real_worker_sends_the_checks_and_the_digest_once_after_smtp_comes_back(
    seeded_rows, worker, broker_url, monkeypatch
):
    from aiosmtpd.controller import Controller
    from celery import Celery

    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)  # Celery lets the variable override broker=
    tl1 = UserFactory(username="tl1", email="tl1@example.com", roles=["TL"])
    tl2 = UserFactory(username="tl2", email="tl2@example.com", roles=["TL"])
    pm1 = UserFactory(username="pm1", email="pm1@example.com", roles=["PM"])
    east = CohortFactory(name="East", tl=tl1, pm=pm1, start_date=MONDAY, time_zone="America/New_York")
    west = CohortFactory(name="West", tl=tl2, pm=pm1, start_date=MONDAY, time_zone="America/Los_Angeles")
    for cohort in (east, west):
        EndOfDayCheck.objects.create(cohort=cohort, day=MONDAY)  # Monday was done on Monday
    Schedule.objects.update(wfm_emails="wfm@example.com", pm_grace_minutes=600)
    late = AgentFactory(cohort=east, first_name="Late")
    AgentFactory(cohort=west)
    record = new_record(late, TUESDAY, AttendancePolicy.in_force(TUESDAY))
    record.arrived_at = record.scheduled_start_at + datetime.timedelta(minutes=25)
    record.touch(tl1)
    record.save()

    sender = Celery(broker=broker_url, set_as_current=False)  # the tests keep the eager app
    sender.send_task("desk.tasks.run_scheduled_jobs_task", args=[NOW])

    # The SMTP server is down: the notices are made and their first delivery fails.
    assert wait_for(lambda: Notice.objects.filter(attempts__gte=1).count() == 3, timeout=60), list(
        Notice.objects.values_list("key", "attempts", "last_error")
    )
    assert not Notice.objects.filter(sent_at__isnull=False).exists()

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=worker)
    controller.start()
    try:
        assert wait_for(lambda: len(sink.messages) >= 3, timeout=90), sink.messages
        sender.send_task("desk.tasks.run_scheduled_jobs_task", args=[NOW])  # a second run does nothing new
        time.sleep(4)
    finally:
        controller.stop()

    assert sorted(sink.messages) == [
        (["tl1@example.com"], "End of day Tue 24 Nov: East, 3 items"),
        (["tl2@example.com"], "End of day Tue 24 Nov: West, 4 items"),
        (["wfm@example.com"], "Attendance occurrences Tue 24 Nov 2026"),
    ]
    assert Notice.objects.filter(sent_at__isnull=False).count() == 3
