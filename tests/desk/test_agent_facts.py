"""collect() reads each kind of fact of each agent from the cache unless the agent's rows of that
kind changed (cohorts.facts): after any write about an agent, what it reports is exactly what it
reports with nothing cached, and only the changed kind is read again."""

import datetime

import pytest
from django.core.cache import cache

from attendance.models import CorrectiveLevel, EscalationRule, Recommendation
from attendance.services import Entry, record_attendance
from certifications.selectors import active_tasks, tracker_rows
from certifications.services import raise_red_flag, record_attempt, save_note, set_task_status
from cohorts.models import Cohort, DaySignOff
from desk.board import collect
from tests.conftest import MONDAY, WEDNESDAY, issue_coaching, shows_as_afresh, utc
from tests.factories import AgentFactory
from tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db
NOON = utc(WEDNESDAY, 17)

WRITES = {
    "a task status": lambda agent, tl, tasks: set_task_status(
        agent=agent, task=tasks["tbt"], status="blocked", reason="No login", expected_version=0, by=tl
    ),
    "a failed attempt": lambda agent, tl, tasks: record_attempt(
        agent=agent, task=tasks["ahip"], taken_on=MONDAY, score=50, passed=False, by=tl
    ),
    "the day's attendance": lambda agent, tl, tasks: record_attendance(
        agent=agent, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9, 40)), expected_version=None, by=tl
    ),
    "the day's note": lambda agent, tl, tasks: save_note(agent=agent, day=WEDNESDAY, text="Calls", by=tl),
    "a draft ticket": lambda agent, tl, tasks: Ticket.objects.create(
        ticket_type=TicketType.objects.first(), cohort=agent.cohort, agent=agent, day=WEDNESDAY, created_by=tl
    ),
    "a red flag": lambda agent, tl, tasks: raise_red_flag(
        agent=agent, category="conduct", details="x", confidential=False, by=tl
    ),
    "a recommendation": lambda agent, tl, tasks: Recommendation.objects.create(
        agent=agent,
        rule=EscalationRule.objects.first(),
        level=CorrectiveLevel.objects.first(),
        fingerprint="f",
    ),
    "coaching": lambda agent, tl, tasks: issue_coaching(agent, tl),
    "the day closed": lambda agent, tl, tasks: DaySignOff.objects.create(
        cohort=agent.cohort, day=WEDNESDAY, signed_by=tl
    ),
}


def report(cohort, tl) -> tuple:
    """Everything collect() says of the cohort's day, as plain values."""
    cohort = Cohort.objects.get(pk=cohort.pk)  # its revisions as a page reads them
    (day,) = collect([cohort], user=tl, sees_confidential=False, now=NOON)
    lines = [
        (
            line.agent.pk,
            [(c.task.code, c.status, c.state, c.failed, c.blocked_reason) for c in line.cells],
            line.record and (line.record.arrived_at, line.record.version),
            line.noted,
            line.updated_today,
            line.open_flags,
            line.pending_caps,
            line.cap_rank,
            line.risks,
        )
        for line in day.lines
    ]
    return lines, day.report.as_dict(), bool(day.sign_off)


@pytest.mark.parametrize("write", list(WRITES))
def test_after_a_write_collect_reports_what_it_reports_with_nothing_cached(write, cohort1, tl1, tasks, week):
    agent = AgentFactory(cohort=cohort1)
    AgentFactory(cohort=cohort1)  # a colleague, whose facts are served from the cache
    shows_as_afresh(lambda: report(cohort1, tl1), lambda: WRITES[write](agent, tl1, tasks))


def test_a_status_saved_reads_the_statuses_of_that_agent_only(cohort1, tl1, tasks, week, count_queries):
    agent, *others = AgentFactory.create_batch(5, cohort=cohort1)
    cache.clear()
    cold = count_queries(lambda: report(cohort1, tl1))
    warm = count_queries(lambda: report(cohort1, tl1))
    WRITES["a task status"](agent, tl1, tasks)
    after = count_queries(lambda: report(cohort1, tl1))
    # Warm: the cohort, its tasks, its agents, the close of the day; after the save, one more
    # query, for the statuses of the agent saved: the other kinds of facts stay cached.
    assert after == warm + 1 < cold


def grid(cohort, tl) -> list:
    """What the tracker shows of each agent, as plain values."""
    cohort = Cohort.objects.get(pk=cohort.pk)
    rows = tracker_rows(
        cohort, active_tasks(cohort), day=WEDNESDAY, now=NOON, user=tl, sees_confidential=False
    )
    return [
        (row.agent.pk, row.cells, (row.note.pk, row.note.version, row.note.text) if row.note else None)
        + (row.open_flags,)
        for row in rows
    ]


@pytest.mark.parametrize("write", ["a task status", "a failed attempt", "the day's note", "a red flag"])
def test_after_a_write_the_tracker_rows_are_what_they_are_with_nothing_cached(
    write, cohort1, tl1, tasks, week
):
    agent = AgentFactory(cohort=cohort1)
    AgentFactory(cohort=cohort1)  # a colleague, whose facts are served from the cache
    shows_as_afresh(lambda: grid(cohort1, tl1), lambda: WRITES[write](agent, tl1, tasks))
