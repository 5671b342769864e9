"""Rows of the tracker and the roll call are cached under a digest of what they show: after a
write only the rows whose facts changed render again, and no row is ever served stale."""

import pytest
from django.urls import reverse

from attendance.services import Entry, record_attendance
from certifications.selectors import active_tasks, tracker_rows
from certifications.services import save_note, set_task_status
from cohorts.services import save_agent
from core.fragments import digest
from tests.conftest import WEDNESDAY, utc
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def signatures(cohort, user, now):
    rows = tracker_rows(
        cohort, active_tasks(cohort), day=WEDNESDAY, now=now, user=user, sees_confidential=False
    )
    return {row.agent.pk: row.signature for row in rows}


def test_a_row_digest_changes_with_its_own_facts_only(cohort1, tl1, tasks, week):
    a, b = AgentFactory.create_batch(2, cohort=cohort1)
    noon = utc(WEDNESDAY, 17)
    before = signatures(cohort1, tl1, noon)
    assert before == signatures(cohort1, tl1, noon)  # the same facts, the same key
    set_task_status(agent=a, task=tasks["rts"], status="in_progress", expected_version=0, by=tl1)
    after_status = signatures(cohort1, tl1, noon)
    assert after_status[a.pk] != before[a.pk] and after_status[b.pk] == before[b.pk]
    save_note(agent=b, day=WEDNESDAY, text="Shadowed two calls", by=tl1)
    after_note = signatures(cohort1, tl1, noon)
    assert after_note[b.pk] != after_status[b.pk] and after_note[a.pk] == after_status[a.pk]
    # A task turning overdue at the end of the day is a fact of the row too.
    assert signatures(cohort1, tl1, utc(WEDNESDAY, 23, 59)) != after_note


def test_the_digest_covers_the_code_that_renders(monkeypatch):
    import core.fragments

    key = digest(1, "a")
    monkeypatch.setattr(core.fragments, "render_stamp", lambda: "another deploy")
    assert digest(1, "a") != key


def test_pages_show_each_change_at_once(client_for, cohort1, tl1, tasks, week):
    a, b = AgentFactory.create_batch(2, cohort=cohort1, first_name="Same")
    client = client_for(tl1)
    tracker = reverse("certifications:tracker", args=[cohort1.pk])
    roll_call = reverse("attendance:roll_call", args=[cohort1.pk]) + f"?day={WEDNESDAY.isoformat()}"
    assert client.get(tracker).status_code == client.get(roll_call).status_code == 200  # cached now
    set_task_status(
        agent=a, task=tasks["rts"], status="blocked", reason="No headset", expected_version=0, by=tl1
    )
    record_attendance(agent=b, day=WEDNESDAY, entry=Entry(absent=True), expected_version=None, by=tl1)
    b.last_name = "Renamed"
    save_agent(agent=b, by=tl1)
    page = client.get(tracker).content.decode()
    assert "No headset" in page and "Same Renamed" in page
    page = client.get(roll_call).content.decode()
    assert "Same Renamed" in page and "absent" in page.split(f'id="row-{b.pk}"')[1].split("</tr>")[0]


def test_a_board_line_digest_changes_with_its_own_facts_only(cohort1, tl1, tasks, week):
    from desk.board import collect

    a, b = AgentFactory.create_batch(2, cohort=cohort1)

    def lines():
        (day,) = collect([cohort1], user=tl1, sees_confidential=False, now=utc(WEDNESDAY, 17))
        return {line.agent.pk: line.signature for line in day.lines}

    before = lines()
    set_task_status(agent=a, task=tasks["rts"], status="in_progress", expected_version=0, by=tl1)
    after = lines()
    assert after[a.pk] != before[a.pk] and after[b.pk] == before[b.pk]
    record_attendance(agent=b, day=WEDNESDAY, entry=Entry(absent=True), expected_version=None, by=tl1)
    assert lines()[b.pk] != after[b.pk]
