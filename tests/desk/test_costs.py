"""What a save costs, in queries, whatever the cohort's size: a tracker cell, a roll-call row and
a note at most 12 each, an exam attempt at most 20. Counted as in production: every query of
the request (session, user, reads, writes, history, the revision), in a transactional test, so
no savepoint of the test's own is counted. The escalation rules run after the commit (a Celery
worker in production), so they cost a save nothing; that they run is tested in test_agreement."""

import pytest
from celery import Task
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certifications.services import record_attempt, set_task_status
from cohorts.models import ClosedDayEdit, DaySignOff
from notifications.models import Notice
from tests.conftest import TUESDAY, WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db(transaction=True)


# The revision renewal: one statement on PostgreSQL, two on SQLite (cohorts.revision).
RENEWAL = 1 if connection.vendor == "postgresql" else 2


@pytest.fixture(autouse=True)
def _seeded(seeded_rows):
    """The transactional flush removes what the data migrations seed; put it back."""


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """As in production, tasks queued after the commit run in a worker, not in the request: what
    would go to the broker is kept here instead (the broker is what leaves the process)."""
    sent = []
    monkeypatch.setattr(
        Task, "apply_async", lambda self, args=None, kwargs=None, **options: sent.append(self.name)
    )
    return sent


@pytest.fixture
def count_queries():
    """Statements sent to the database by a callable, without BEGIN and COMMIT (which only
    SQLite's driver reports)."""

    def count(func) -> int:
        with CaptureQueriesContext(connection) as ctx:
            func()
        return sum(1 for q in ctx.captured_queries if q["sql"] not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT"))

    return count


@pytest.fixture
def sizes(cohort1, week):
    """A small cohort (5 agents) and the same cohort grown to 50."""

    def grow(n):
        AgentFactory.create_batch(n - cohort1.agents.count(), cohort=cohort1)
        return cohort1.agents.order_by("pk").first()

    return grow


def cell(client, agent, task, status, version=0, **extra):
    key = f"c{agent.pk}-{task.pk}"
    data = {f"{key}-status": status, f"{key}-version": str(version), **extra}
    return client.post(
        reverse("certifications:cell_save", args=[agent.pk, task.pk]), data, HTTP_HX_REQUEST="true"
    )


@pytest.mark.parametrize(
    "code, status",
    [
        ("rts", "in_progress"),  # an ordinary change
        ("equipment", "verified"),  # readiness is worked out
        ("ahip", "complete"),  # past its due day: the rules look again, after the commit
        ("call-cert", "complete"),  # drafts the Call Certification Form
    ],
)
def test_a_tracker_cell_save(client_for, tl1, tasks, sizes, count_queries, queued, code, status):
    client = client_for(tl1)
    client.get(reverse("certifications:tracker", args=[tl1.led_cohorts.get().pk]))  # where a TL saves from
    counts = []
    for n in (5, 50):
        agent = sizes(n)
        agent.task_statuses.all().delete()
        agent.tickets.all().delete()
        counts.append(count_queries(lambda: cell(client, agent, tasks[code], status)))  # noqa: B023
        assert agent.task_statuses.get(task=tasks[code]).status == status
    assert counts[0] == counts[1] <= 12, counts
    rules = "attendance.tasks.refresh_recommendations_task"
    # Only a task past its due day (AHIP's is Tuesday, Equipment's Monday) is a fact of the rules.
    assert (rules in queued) == (code in ("ahip", "equipment"))


def test_a_change_of_a_cell_already_set(client_for, tl1, tasks, sizes, count_queries):
    """A cell's later changes (most of them): the tasks come from the cache (active_tasks)."""
    client, rts = client_for(tl1), tasks["rts"]
    client.get(reverse("certifications:tracker", args=[tl1.led_cohorts.get().pk]))
    counts = []
    for n in (5, 50):
        agent = sizes(n)
        agent.task_statuses.all().delete()
        cell(client, agent, rts, "in_progress")
        blocked = {f"c{agent.pk}-{rts.pk}-blocked_reason": "No login yet"}
        counts.append(count_queries(lambda: cell(client, agent, rts, "blocked", 1, **blocked)))  # noqa: B023
        assert agent.task_statuses.get(task=rts).status == "blocked"
    assert counts[0] == counts[1] <= 6 + RENEWAL, counts


ROWS = ('"certifications_taskstatus"', '"attendance_attendancerecord"', '"certifications_dailynote"')


STATUSES = ["in_progress", "complete", "not_started"]


def own_sign_off_reads(queries) -> list[str]:
    """Statements that read the day's close on their own (not with the row a write locks)."""
    return [
        q["sql"]
        for q in queries
        if '"cohorts_daysignoff"' in q["sql"] and not any(t in q["sql"] for t in ROWS)
    ]


def test_a_change_of_a_row_already_saved_reads_the_days_close_with_the_row(
    client_for, tl1, cohort1, agent1, tasks, week
):
    """Most saves change a row that exists: whether the day is closed comes with the row that
    the save locks, in the same query. A closed day still asks for the reason."""
    client, agent, rts = client_for(tl1), agent1, tasks["rts"]
    roll_call = reverse("attendance:roll_call_save", args=[cohort1.pk, WEDNESDAY, agent.pk])
    note = reverse("certifications:note_save", args=[agent.pk, WEDNESDAY])
    saves = [
        lambda version, **extra: cell(client, agent, rts, STATUSES[version], version, **extra),
        lambda version, **extra: client.post(
            roll_call,
            {f"a{agent.pk}-arrival": f"09:0{version}", f"a{agent.pk}-version": version, **extra},
            HTTP_HX_REQUEST="true",
        ),
        lambda version, **extra: client.post(
            note,
            {f"n{agent.pk}-text": f"Shadowed {version} calls", f"n{agent.pk}-version": version, **extra},
            HTTP_HX_REQUEST="true",
        ),
    ]
    for save in saves:
        assert save(0).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            assert save(1).status_code == 200
        assert own_sign_off_reads(ctx.captured_queries) == []
    DaySignOff.objects.create(cohort=cohort1, day=WEDNESDAY, signed_by=tl1)
    assert [save(2, closed_reason="").status_code for save in saves] == [400, 400, 400]
    assert [save(2, closed_reason="Fixed after the close").status_code for save in saves] == [200, 200, 200]
    assert ClosedDayEdit.objects.filter(cohort=cohort1, day=WEDNESDAY).count() == 3


def test_a_roll_call_row_save(client_for, tl1, cohort1, sizes, count_queries):
    client = client_for(tl1)
    counts = []
    for n in (5, 50):
        agent = sizes(n)
        agent.attendance_records.all().delete()
        url = reverse("attendance:roll_call_save", args=[cohort1.pk, WEDNESDAY, agent.pk])
        data = {f"a{agent.pk}-arrival": "09:25", f"a{agent.pk}-version": "0"}  # late: an occurrence
        counts.append(count_queries(lambda: client.post(url, data, HTTP_HX_REQUEST="true")))  # noqa: B023
        assert agent.attendance_records.get().arrival_occurrence == "late"
    assert counts[0] == counts[1] <= 12, counts


def test_a_note_save(client_for, tl1, sizes, count_queries):
    client = client_for(tl1)
    counts = []
    for n in (5, 50):
        agent = sizes(n)
        agent.notes.all().delete()
        url = reverse("certifications:note_save", args=[agent.pk, WEDNESDAY])
        data = {f"n{agent.pk}-text": "Shadowed two calls", f"n{agent.pk}-version": "0"}
        counts.append(count_queries(lambda: client.post(url, data, HTTP_HX_REQUEST="true")))  # noqa: B023
        assert agent.notes.get().text == "Shadowed two calls"
    assert counts[0] == counts[1] <= 12, counts


def test_an_exam_attempt(client_for, tl1, tasks, sizes, count_queries):
    client = client_for(tl1)
    counts = []
    for n in (5, 50):
        agent = sizes(n)
        client.get(reverse("desk:agent", args=[agent.pk]))  # where a TL records it from
        url = reverse("certifications:attempt_add", args=[agent.pk])
        data = {"task": tasks["aetna"].pk, "taken_on": TUESDAY.isoformat(), "score": "58", "passed": "0"}
        counts.append(count_queries(lambda: client.post(url, data)))  # noqa: B023
        assert agent.exam_attempts.filter(task=tasks["aetna"]).count() == 1
        assert agent.tickets.get().ticket_type.code == "failed-carrier-cert-exams"  # drafted with it
        agent.tickets.all().delete()
        agent.exam_attempts.all().delete()
        agent.task_statuses.all().delete()
    assert counts[0] == counts[1] <= 20, counts


def test_an_exam_attempt_reads_no_task_and_holds_its_agent_by_the_id_alone(
    client_for, tl1, agent1, tasks, week
):
    """The exam comes from the cohort's task list as the agent page cached it; one attempt at a
    time per agent: the agent's row is locked, reading nothing else of it."""
    client = client_for(tl1)
    client.get(reverse("desk:agent", args=[agent1.pk]))
    url = reverse("certifications:attempt_add", args=[agent1.pk])
    data = {"task": tasks["aetna"].pk, "taken_on": TUESDAY.isoformat(), "score": "58", "passed": "0"}
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(url, data).status_code == 302
    reads = [q["sql"].split(" FROM ", 1) for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    by_id = [
        what + " FROM " + rest
        for what, rest in reads
        if rest.startswith('"cohorts_agent"') and "," not in what
    ]
    assert len(by_id) == 1, by_id  # one column: its id
    assert by_id[0].endswith("FOR UPDATE") or connection.vendor != "postgresql"  # SQLite locks the database
    tasks_read = [q["sql"] for q in ctx.captured_queries if 'FROM "certifications_task"' in q["sql"]]
    assert tasks_read == []


def test_the_exam_attempt_that_reaches_the_limit_and_tells_the_pm_still_fits(
    client_for, tl1, tasks, sizes, count_queries
):
    """The heaviest attempt: the Failed Cert Exams form drafted and the PM's notice made too."""

    client = client_for(tl1)
    exam = tasks["aetna"]
    counts = []
    for n in (5, 50):
        agent = sizes(n)
        client.get(reverse("desk:agent", args=[agent.pk]))  # where a TL records it from
        for _ in range(exam.attempt_limit - 1):
            record_attempt(agent=agent, task=exam, taken_on=TUESDAY, score=50, passed=False, by=tl1)
        url = reverse("certifications:attempt_add", args=[agent.pk])
        data = {"task": exam.pk, "taken_on": TUESDAY.isoformat(), "score": "58", "passed": "0"}
        counts.append(count_queries(lambda: client.post(url, data)))  # noqa: B023
        assert Notice.objects.filter(agent=agent, kind=Notice.Kind.ATTEMPT_LIMIT).count() == 1
        Notice.objects.all().delete()
        agent.tickets.all().delete()
        agent.exam_attempts.all().delete()
        agent.task_statuses.all().delete()
    assert counts[0] == counts[1] <= 20, counts


def test_a_verify_that_makes_the_agent_ready_still_fits(client_for, tl1, tasks, sizes, count_queries):
    """The last verification, once per agent: readiness turns true, the agent's status and its
    history are written and the PM's notice is made, in the same transaction: a few more."""
    agent = sizes(5)
    for task in tasks.values():
        if task.code != "rts":
            set_task_status(agent=agent, task=task, status="verified", expected_version=0, by=tl1)
    for task in tasks.values():
        task.requires_proof = False
        task.save()
    agent.tickets.all().delete()  # the Call Certification Form a verified call cert drafted
    client = client_for(tl1)
    queries = count_queries(lambda: cell(client, agent, tasks["rts"], "verified"))
    agent.refresh_from_db()
    assert agent.status == "ready"
    assert queries <= 20, queries
