"""Urgent notices (red flags, terms, "tell the PM now") go ahead of routine mail on the broker and
are retried at least once a minute while the mail server is away; routine mail keeps its
back-off (issue: PMs, WFM and production, point 2)."""

import uuid

import pytest
import redis
from celery import Celery
from celery.signals import task_prerun
from django.conf import settings
from django.urls import reverse

from notifications.models import Notice
from notifications.tasks import URGENT, URGENT_PRIORITY, deliver_notice_task, deliver_urgent_notice_task

pytestmark = pytest.mark.django_db

BROKER = "redis://127.0.0.1:6379/10"


@pytest.fixture
def ran():
    names = []

    def note(sender=None, **kwargs):
        names.append(sender.name)

    task_prerun.connect(note, weak=False)
    yield names
    task_prerun.disconnect(note)


def test_a_red_flag_goes_by_the_urgent_delivery_and_a_ticket_by_the_routine_one(
    client_for, tl1, pm1, agent1, ran, django_capture_on_commit_callbacks
):
    pm1.email = "pm1@example.com"
    pm1.save()
    url = reverse("certifications:red_flag_raise", args=[agent1.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client_for(tl1).post(url, {"category": "conduct", "details": "Rude to a customer"})
    assert Notice.objects.get().kind in URGENT
    assert ran[-1] == deliver_urgent_notice_task.name
    assert Notice.Kind.TICKET not in URGENT and Notice.Kind.WFM_DIGEST not in URGENT


def test_urgent_delivery_is_retried_within_a_minute_and_routine_keeps_its_back_off():
    assert deliver_urgent_notice_task.retry_backoff_max <= 60
    assert deliver_notice_task.retry_backoff_max == 300


@pytest.fixture
def broker():
    """The app's own tasks published for real (not eagerly) to a Redis database of their own,
    with the app's transport options."""
    try:
        redis.Redis.from_url(BROKER).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    side = Celery("priority-check", broker=BROKER, set_as_current=False)
    side.conf.broker_transport_options = settings.REDIS_PRIORITIES
    app = deliver_notice_task.app
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with side.connection_for_write() as connection:
            yield connection
    finally:
        app.conf.task_always_eager = eager
        redis.Redis.from_url(BROKER).flushdb()


def test_on_redis_an_urgent_notice_queued_last_is_taken_first(broker):
    queue = f"priority-check-{uuid.uuid4().hex}"
    for n in range(5):
        deliver_notice_task.apply_async([n], connection=broker, queue=queue)
    deliver_urgent_notice_task.apply_async([99], connection=broker, queue=queue, priority=URGENT_PRIORITY)
    simple = broker.SimpleQueue(queue)
    first = simple.get(timeout=5)
    first.ack()
    simple.close()
    assert first.headers["task"] == deliver_urgent_notice_task.name
    assert deliver_notice_task.priority == settings.CELERY_TASK_DEFAULT_PRIORITY > URGENT_PRIORITY
