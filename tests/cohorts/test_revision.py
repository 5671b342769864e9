"""Every write that could change what a cohort's pages show renews the cohort's revision (the
key of their cached parts), and leaves other cohorts' alone. A write about one agent renews that
agent's revision and leaves the cohort's shared revision (the key of every agent page of the
cohort, with the agent's own) alone; a write about the cohort as a whole renews it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attendance.accountability import refresh_recommendations
from attendance.models import AttendancePolicy, CorrectiveLevel, EscalationRule, Recommendation
from attendance.services import Entry, Punch, import_timekeeping, mark_all_present, record_attendance
from certifications.models import DailyNote
from certifications.services import (
    raise_red_flag,
    record_attempt,
    review_proof,
    set_task_status,
    upload_proof,
)
from cohorts.models import Agent, Cohort, DaySignOff
from cohorts.services import RosterRow, import_roster
from tests.certifications.conftest import PNG
from tests.conftest import MONDAY, WEDNESDAY
from tests.factories import AgentFactory
from tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db


def revisions() -> dict[int, object]:
    return dict(Cohort.objects.values_list("pk", "revision"))


def renewed(before: dict) -> set[int]:
    return {pk for pk, value in revisions().items() if before.get(pk) != value}


def write_status(agent, tl, tasks):
    set_task_status(agent=agent, task=tasks["tbt"], status="in_progress", expected_version=0, by=tl)


def write_attendance(agent, tl, tasks):
    record_attendance(
        agent=agent, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9, 30)), expected_version=None, by=tl
    )


def write_note(agent, tl, tasks):
    DailyNote.objects.create(agent=agent, day=WEDNESDAY, text="ok", updated_by=tl)


def write_flag(agent, tl, tasks):
    raise_red_flag(agent=agent, category="conduct", details="x", confidential=True, by=tl)


def write_attempt(agent, tl, tasks):
    record_attempt(agent=agent, task=tasks["ahip"], taken_on=MONDAY, score=50, passed=False, by=tl)


def write_ticket(agent, tl, tasks):
    Ticket.objects.create(
        ticket_type=TicketType.objects.first(), cohort=agent.cohort, agent=agent, day=WEDNESDAY, created_by=tl
    )


def write_sign_off(agent, tl, tasks):
    DaySignOff.objects.create(cohort=agent.cohort, day=WEDNESDAY, signed_by=tl)


def write_agent(agent, tl, tasks):
    agent.phone = "555-0199"
    agent.save()


def write_mark_all_present(agent, tl, tasks):
    assert mark_all_present(cohort=agent.cohort, day=WEDNESDAY, by=tl) == 1


def write_timekeeping(agent, tl, tasks):
    punch = Punch(2, agent.pk, agent.employee_id, WEDNESDAY.isoformat(), "09:05:00", "17:30:00")
    assert import_timekeeping(cohort=agent.cohort, punches=[punch], by=tl) == (1, 0)


def write_roster(agent, tl, tasks):
    row = RosterRow(2, "New", "Hire", "NEW00001", "new@example.com", "", "company")
    import_roster(cohort=agent.cohort, rows=[row], by=tl)


@pytest.mark.parametrize(
    "write",
    [write_status, write_attendance, write_note, write_flag, write_attempt, write_ticket, write_sign_off,
     write_agent, write_mark_all_present, write_timekeeping, write_roster],
)  # fmt: skip
def test_a_write_renews_its_cohort_only(write, tl1, cohort1, cohort2, tasks, week):
    agent = AgentFactory(cohort=cohort1)
    AgentFactory(cohort=cohort2)
    before = revisions()
    write(agent, tl1, tasks)
    assert renewed(before) == {cohort1.pk}


def test_dismissing_stale_recommendations_renews(tl1, cohort1, cohort2, week):
    agent = AgentFactory(cohort=cohort1)
    rule = EscalationRule.objects.first()
    Recommendation.objects.create(
        agent=agent, rule=rule, level=CorrectiveLevel.objects.first(), fingerprint="gone"
    )
    before = revisions()
    refresh_recommendations([agent])  # the facts behind "gone" no longer hold: withdrawn
    assert Recommendation.objects.get(fingerprint="gone").status == Recommendation.Status.DISMISSED
    assert renewed(before) == {cohort1.pk}


@pytest.mark.parametrize("write", [write_attempt, write_status, write_attendance, write_mark_all_present])
def test_one_write_renews_the_revision_once(write, tl1, cohort1, tasks, week):
    """However many rows a write saves (an attempt saves the attempt, the cell, a draft...)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent = AgentFactory(cohort=cohort1)
    with CaptureQueriesContext(connection) as ctx:
        write(agent, tl1, tasks)
    renewals = [q["sql"] for q in ctx.captured_queries if 'UPDATE "cohorts_cohort"' in q["sql"]]
    assert len(renewals) == 1


def test_an_agent_moved_to_another_cohort_renews_both(cohort1, cohort2, week):
    agent = AgentFactory(cohort=cohort1)
    before = revisions()
    agent.cohort = cohort2
    agent.save()
    assert renewed(before) == {cohort1.pk, cohort2.pk}


def test_configuration_renews_every_cohort(tl1, cohort1, cohort2, tasks):
    before = revisions()
    tasks["ahip"].attempt_limit = 4
    tasks["ahip"].save()
    assert renewed(before) == {cohort1.pk, cohort2.pk}
    before = revisions()
    AttendancePolicy.objects.create(
        effective_from=datetime.date(2026, 12, 1), tardy_minutes=5, partial_day_minutes=240, created_by=tl1
    )
    assert renewed(before) == {cohort1.pk, cohort2.pk}
    before = revisions()
    tl1.first_name = "Renamed"
    tl1.save()
    assert renewed(before) == {cohort1.pk, cohort2.pk}


def test_a_login_renews_nothing(client, tl1, cohort1, cohort2):
    before = revisions()
    client.force_login(tl1)  # stamps last_login only
    assert renewed(before) == set()


def test_a_cohort_edit_renews_it_without_a_history_entry(cohort1, cohort2):
    before = revisions()
    cohort1.meeting_main_url = "https://meet.example.com/east"
    cohort1.save(update_fields=["meeting_main_url"])
    assert renewed(before) == {cohort1.pk}
    latest = cohort1.history.first()
    assert not hasattr(latest, "revision")
    assert latest.meeting_main_url == "https://meet.example.com/east"


def test_migrate_renews_every_cohort(cohort1, cohort2):
    from django.core.management import call_command

    before, shared = revisions(), shared_revisions()
    call_command("migrate", verbosity=0)  # nothing to apply: what a deploy with new templates runs
    assert renewed(before) == {cohort1.pk, cohort2.pk}
    assert changed(shared, shared_revisions()) == {cohort1.pk, cohort2.pk}  # agent pages too


def agent_revisions() -> dict[int, object]:
    return dict(Agent.objects.values_list("pk", "revision"))


def shared_revisions() -> dict[int, object]:
    return dict(Cohort.objects.values_list("pk", "shared_revision"))


def changed(before: dict, after: dict) -> set[int]:
    return {pk for pk, value in after.items() if before.get(pk) != value}


@pytest.mark.parametrize(
    "write",
    [write_status, write_attendance, write_note, write_flag, write_attempt, write_ticket, write_agent],
)
def test_a_write_about_one_agent_renews_that_agent_and_its_cohort_only(write, tl1, cohort1, tasks, week):
    agent = AgentFactory(cohort=cohort1)
    AgentFactory(cohort=cohort1)  # a colleague, whose page stays as it was
    cohorts, agents, shared = revisions(), agent_revisions(), shared_revisions()
    write(agent, tl1, tasks)
    assert changed(agents, agent_revisions()) == {agent.pk}
    assert renewed(cohorts) == {cohort1.pk}  # the cohort's pages show every agent
    assert changed(shared, shared_revisions()) == set()


@pytest.mark.parametrize("write", [write_sign_off, write_mark_all_present, write_timekeeping, write_roster])
def test_a_write_about_the_cohort_renews_every_agent_page_of_it(write, tl1, cohort1, cohort2, tasks, week):
    agent = AgentFactory(cohort=cohort1)
    AgentFactory(cohort=cohort2)
    shared = shared_revisions()
    write(agent, tl1, tasks)
    assert changed(shared, shared_revisions()) == {cohort1.pk}


def test_a_cohort_edit_and_the_configuration_renew_the_agent_pages(tl1, cohort1, cohort2, tasks):
    shared = shared_revisions()
    cohort1.name = "East, renamed"
    cohort1.save()
    assert changed(shared, shared_revisions()) == {cohort1.pk}
    shared = shared_revisions()
    tasks["ahip"].attempt_limit = 4
    tasks["ahip"].save()
    assert changed(shared, shared_revisions()) == {cohort1.pk, cohort2.pk}


def test_a_proof_renews_the_pages_of_the_agents_with_the_same_file(tl1, cohort1, cohort2, tasks, week):
    """Each agent page names the other agents' proofs of the same file, with their review."""
    first, second = AgentFactory(cohort=cohort1), AgentFactory(cohort=cohort2)
    AgentFactory(cohort=cohort1)  # no proof of that file: their page stays as it was
    upload = lambda: SimpleUploadedFile("ahip.png", PNG)  # noqa: E731
    upload_proof(agent=first, task=tasks["ahip"], upload=upload(), by=tl1)
    before = agent_revisions()
    copy = upload_proof(agent=second, task=tasks["ahip"], upload=upload(), by=tl1)
    assert changed(before, agent_revisions()) == {first.pk, second.pk}
    before = agent_revisions()
    review_proof(proof=copy, verified=False, reason="the same screenshot as another agent's", by=tl1)
    assert changed(before, agent_revisions()) == {first.pk, second.pk}


def test_a_row_of_a_cohort_about_an_agent_who_moved_on_renews_that_cohorts_pages(tl1, cohort1, cohort2, week):
    """A correction to a day the agent spent in the first cohort shows on that cohort's roll call
    and matrix: its pages are renewed with the agent's new cohort's, its agent pages are not."""
    agent = AgentFactory(cohort=cohort1)
    record = record_attendance(
        agent=agent, day=MONDAY, entry=Entry(arrival=datetime.time(9, 30)), expected_version=None, by=tl1
    )
    agent.cohort = cohort2
    agent.save()
    cohorts, shared = revisions(), shared_revisions()
    record.excused, record.excused_reason = True, "Doctor's note"
    record.save()
    assert renewed(cohorts) == {cohort1.pk, cohort2.pk}
    assert changed(shared, shared_revisions()) == set()


def kinds_renewed(agent, before: dict) -> set[str]:
    agent.refresh_from_db()
    return {kind for kind, value in agent.revisions.items() if before.get(kind) != value}


@pytest.mark.parametrize(
    ("write", "kinds"),
    [
        (write_status, {"certifications.taskstatus"}),
        (write_note, {"certifications.dailynote"}),
        (write_flag, {"certifications.redflag"}),
        (write_ticket, {"tickets.ticket"}),
        (write_attendance, {"attendance.attendancerecord"}),
        (write_agent, {"*"}),
    ],
)
def test_a_write_about_an_agent_renews_the_kind_of_row_it_wrote(write, kinds, tl1, cohort1, tasks, week):
    """Agent.revisions: a revision per kind of row about the agent, so that the agent page renders
    again only the parts that show what changed; the colleague's stay as they were."""
    agent, colleague = AgentFactory(cohort=cohort1), AgentFactory(cohort=cohort1)
    before, theirs = (dict(Agent.objects.get(pk=a.pk).revisions) for a in (agent, colleague))
    write(agent, tl1, tasks)
    assert kinds_renewed(agent, before) == kinds
    assert kinds_renewed(colleague, theirs) == set()


def test_a_proof_renews_the_proofs_of_the_agents_with_the_same_file(tl1, cohort1, cohort2, tasks, week):
    first, second = AgentFactory(cohort=cohort1), AgentFactory(cohort=cohort2)
    upload = lambda: SimpleUploadedFile("ahip.png", PNG)  # noqa: E731
    upload_proof(agent=first, task=tasks["ahip"], upload=upload(), by=tl1)
    first.refresh_from_db()
    before = dict(first.revisions)
    upload_proof(agent=second, task=tasks["ahip"], upload=upload(), by=tl1)
    assert kinds_renewed(first, before) == {"certifications.proof"}


def test_one_write_of_several_kinds_renews_each_once(tl1, cohort1, tasks, week):
    """An exam attempt writes the attempt and the task's status: both kinds, in one renewal."""
    agent = AgentFactory(cohort=cohort1)
    before = dict(Agent.objects.get(pk=agent.pk).revisions)
    write_attempt(agent, tl1, tasks)
    renewed_kinds = kinds_renewed(agent, before)
    assert {"certifications.examattempt", "certifications.taskstatus"} <= renewed_kinds
    assert len({agent.revisions[kind] for kind in renewed_kinds}) == 1  # one value: one renewal


@pytest.mark.parametrize(
    ("write", "kinds"),
    [
        (write_status, {"certifications.taskstatus"}),
        (write_attendance, {"attendance.attendancerecord"}),
        (write_agent, {"*"}),
        (write_sign_off, {"*"}),
        (write_mark_all_present, {"*"}),
    ],
)
def test_a_write_renews_its_cohorts_revision_of_the_kind_it_wrote(write, kinds, tl1, cohort1, tasks, week):
    """Cohort.revisions: what a page that shows only some kinds (the roll call) is keyed by."""
    agent = AgentFactory(cohort=cohort1)
    cohort = Cohort.objects.get(pk=cohort1.pk)
    before = dict(cohort.revisions)
    write(agent, tl1, tasks)
    cohort.refresh_from_db()
    assert {kind for kind, value in cohort.revisions.items() if before.get(kind) != value} == kinds
