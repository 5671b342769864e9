"""Side effects follow the write they belong to: made in its transaction, sent after its commit,
and never able to turn a committed write into an error."""

import datetime
import logging

import pytest
from celery import Task
from django.core import mail
from django.urls import reverse

from attendance.tasks import refresh_recommendations_later
from certifications.services import record_attempt
from core.events import hold_until_answered, run_after_answer
from notifications.models import Notice
from notifications.tasks import resend_stuck_notices
from tests.conftest import TUESDAY

pytestmark = pytest.mark.django_db


def test_reaching_an_exam_attempt_limit_tells_the_pm(
    agent1, tl1, pm1, tasks, week, django_capture_on_commit_callbacks
):
    pm1.email = "pm1@example.com"
    pm1.save()
    aetna = tasks["aetna"]
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(aetna.attempt_limit - 1):
            record_attempt(agent=agent1, task=aetna, taken_on=TUESDAY, score=60, passed=False, by=tl1)
    assert not [m for m in mail.outbox if "attempt limit" in m.subject]
    with django_capture_on_commit_callbacks(execute=True):
        record_attempt(agent=agent1, task=aetna, taken_on=TUESDAY, score=61, passed=False, by=tl1)
    (message,) = [m for m in mail.outbox if m.subject.startswith("Exam attempt limit reached")]
    assert message.to == ["pm1@example.com"]
    assert message.subject == "Exam attempt limit reached: Alice Archer, Aetna"
    assert "failed Aetna 3 times" in message.body


def test_a_broker_that_is_away_never_fails_the_write_and_the_notice_waits(
    client_for, tl1, pm1, agent1, week, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    """The red flag is saved with its notice; queueing the delivery fails after the commit, is
    logged, and the minute job's resend sends it once the broker is back."""
    pm1.email = "pm1@example.com"
    pm1.save()

    def broker_away(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", broker_away)
    caplog.set_level(logging.WARNING)
    url = reverse("certifications:red_flag_raise", args=[agent1.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(tl1).post(url, {"category": "conduct", "details": "Rude to a customer"})
    assert response.status_code == 302
    assert agent1.red_flags.count() == 1
    notice = Notice.objects.get(kind=Notice.Kind.RED_FLAG)
    assert notice.sent_at is None and not mail.outbox
    assert "the resend job will send it" in caplog.text

    assert notice.last_error.startswith("Not queued: ConnectionError")

    monkeypatch.undo()  # the broker is back: the minute job's next run sends it, whatever its age
    later = notice.created_at + datetime.timedelta(seconds=1)
    assert resend_stuck_notices(now=later) == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and [m.to for m in mail.outbox] == [["pm1@example.com"]]


def test_times_are_shown_in_the_cohorts_zone_with_the_zone_named(client_for, tl1, cohort1, agent1, week):
    """Wednesday 17:00 UTC is 12:00 in New York: the closed-day line and ticket times say so."""
    from desk.endofday import close_day
    from tickets.models import Ticket
    from tickets.services import draft, submit_ticket

    ticket = draft(type_code="carrier-ticket", agent=agent1, values={}, source_key=None, by=tl1)
    ticket.ticket_type.fields.update(required=False)
    submit_ticket(ticket=ticket, data={}, by=tl1)
    client = client_for(tl1)
    detail = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Wed 25 Nov 12:00 EST" in detail
    listing = client.get(reverse("tickets:list", args=[cohort1.pk]), {"day": ""}).content.decode()
    assert "Wed 25 Nov 12:00 EST" in listing
    Ticket.objects.all().delete()
    agent1.delete()
    close_day(cohort=cohort1, by=tl1)
    roll_call = client.get(reverse("attendance:roll_call", args=[cohort1.pk])).content.decode()
    assert "closed this day at 12:00 EST" in roll_call
    board = client.get(reverse("desk:board")).content.decode()
    assert "at 12:00 EST." in board and "UTC" not in board


def test_a_request_hands_its_tasks_to_workers_once_its_answer_is_sent(
    agent1, monkeypatch, django_capture_on_commit_callbacks
):
    """The TL's browser has its answer before the broker is asked; a job's tasks go at once."""
    sent = []
    monkeypatch.setattr(
        Task, "apply_async", lambda self, args=None, kwargs=None, **options: sent.append((self.name, args))
    )
    rules = "attendance.tasks.refresh_recommendations_task"
    hold_until_answered()  # as request_started does
    try:
        with django_capture_on_commit_callbacks(execute=True):
            refresh_recommendations_later({agent1.pk})
        assert sent == []  # committed: the answer is on its way
    finally:
        run_after_answer()  # as request_finished does, once the answer has been sent
    assert sent == [(rules, ([agent1.pk],))]
    with django_capture_on_commit_callbacks(execute=True):
        refresh_recommendations_later({agent1.pk})
    assert sent == [(rules, ([agent1.pk],))] * 2  # no request: at the commit
