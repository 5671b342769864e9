"""Rows of the tracker are cached under their agent's revision, rows of the roll call and lines of
the board under a digest of what they show: after a write only the rows whose facts changed are
read and render again, and no row is ever served stale."""

import datetime
import re
from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import certifications.selectors
import desk.board
import desk.templatetags.cohort_bar
from attendance.services import Entry, record_attendance
from certifications.selectors import Carried, Cell, active_tasks
from certifications.services import raise_red_flag, save_note, set_task_status
from cohorts.models import DaySignOff
from cohorts.services import save_agent, save_cohort
from core.fragments import digest
from desk.board import collect
from tests.conftest import WEDNESDAY, utc
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows_read(monkeypatch):
    """The agents (ids) of each read of tracker rows' facts, in turn."""
    reads = []
    real = certifications.selectors.tracker_rows

    def spy(*args, agents=None, **kwargs):
        rows = real(*args, agents=agents, **kwargs)
        reads.append(sorted(row.agent.pk for row in rows))
        return rows

    monkeypatch.setattr(certifications.selectors, "tracker_rows", spy)
    return reads


def test_after_a_write_the_tracker_reads_and_renders_the_agent_written_about_only(
    client_for, cohort1, tl1, tasks, week, rows_read
):
    a, b = AgentFactory.create_batch(2, cohort=cohort1)
    client = client_for(tl1)
    tracker = reverse("certifications:tracker", args=[cohort1.pk])
    client.get(tracker)
    assert rows_read == [sorted([a.pk, b.pk])]  # every row, once: nothing was cached
    set_task_status(agent=a, task=tasks["rts"], status="in_progress", expected_version=0, by=tl1)
    save_note(agent=b, day=WEDNESDAY, text="Shadowed two calls", by=tl1)
    set_task_status(agent=a, task=tasks["tbt"], status="in_progress", expected_version=0, by=tl1)
    rows_read.clear()
    page = client.get(tracker).content.decode()
    assert rows_read == [sorted([a.pk, b.pk])] and "Shadowed two calls" in page
    set_task_status(
        agent=b, task=tasks["rts"], status="blocked", reason="No headset", expected_version=0, by=tl1
    )
    rows_read.clear()
    assert "No headset" in client.get(tracker).content.decode()
    assert rows_read == [[b.pk]]  # a's row is served as it was rendered
    rows_read.clear()
    client.get(tracker)
    assert rows_read == []  # nothing changed: the page is served whole
    # The filters show what the rows show: they read every row.
    assert "No headset" in client.get(tracker, {"show": "blocked"}).content.decode()
    assert rows_read == [sorted([a.pk, b.pk])]


def test_a_tracker_row_renders_again_at_the_end_of_the_day_and_after_a_change_of_the_tasks(
    client_for, cohort1, tl1, tasks, week, rows_read
):
    (a,) = AgentFactory.create_batch(1, cohort=cohort1)
    client = client_for(tl1)
    tracker = reverse("certifications:tracker", args=[cohort1.pk])
    page = client.get(tracker).content.decode()
    row = lambda html: html.split(f'id="row-{a.pk}"')[1].split("</tr>")[0]  # noqa: E731
    aetna = lambda html: html.split(f'id="cell-{a.pk}-{tasks["aetna"].pk}"')[1].split("</td>")[0]  # noqa: E731
    assert "due today" in aetna(page) and "overdue" not in aetna(page)  # due on Wednesday, its noon
    week.shift(datetime.timedelta(hours=5, minutes=31))  # 17:31 in New York, past its end of day
    rows_read.clear()
    page = client.get(tracker).content.decode()
    assert rows_read == [[a.pk]] and "due today" not in aetna(page) and "overdue" in aetna(page)
    task = tasks["rts"]
    task.name = "Ready to sell"
    task.save()
    rows_read.clear()
    assert "Ready to sell" in row(client.get(tracker).content.decode()) and rows_read == [[a.pk]]


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


def test_a_cell_is_cached_under_what_it_shows(tasks):
    cell = Cell(task=tasks["ahip"], status="in_progress", state="due_today", version=3)
    shows_otherwise = [
        replace(cell, status="blocked"),
        replace(cell, state="overdue"),
        replace(cell, version=4),
        replace(cell, blocked_reason="No headset"),
        replace(cell, failed=1),
        replace(cell, carried=Carried(WEDNESDAY, "Absent")),
        replace(cell, task=tasks["aetna"]),
    ]
    assert len({cell.key} | {other.key for other in shows_otherwise}) == 1 + len(shows_otherwise)
    assert replace(cell, updated_at=utc(WEDNESDAY, 15)).key == cell.key  # not shown
    before = cell.key
    tasks["ahip"].name = "AHIP 2027"
    assert cell.key != before


def test_a_renamed_agent_is_named_in_every_cell_of_the_row(client_for, cohort1, tl1, tasks, week):
    agent = AgentFactory(cohort=cohort1, first_name="Old", last_name="Name")
    client = client_for(tl1)
    tracker = reverse("certifications:tracker", args=[cohort1.pk])
    assert client.get(tracker).content.decode().count("Old Name</label><select") == len(active_tasks(cohort1))
    agent.first_name = "New"
    save_agent(agent=agent, by=tl1)
    page = client.get(tracker).content.decode()
    assert "Old Name" not in page and page.count("New Name</label><select") == len(active_tasks(cohort1))


def test_the_agent_page_shows_each_viewer_the_task_rows_their_rights_allow(
    client_for, cohort1, tl1, mgr1, tasks, week
):
    agent = AgentFactory(cohort=cohort1)
    page = reverse("desk:agent", args=[agent.pk])
    select = f'id="c{agent.pk}-{tasks["rts"].pk}-status"'
    assert select in client_for(tl1).get(page).content.decode()  # the TL sets statuses here
    set_task_status(
        agent=agent, task=tasks["rts"], status="blocked", reason="No headset", expected_version=0, by=tl1
    )
    shown = client_for(mgr1).get(page).content.decode()
    assert select not in shown and "No headset" in shown  # the ESP manager reads them
    assert select in client_for(tl1).get(page).content.decode()


@pytest.fixture
def lines_read(monkeypatch):
    """The agents (ids) whose board lines are worked out from their facts, each time."""
    reads = []
    real = desk.board._lines_of

    def spy(agents, *args, **kwargs):
        reads.append(sorted(a.pk for a in agents))
        return real(agents, *args, **kwargs)

    monkeypatch.setattr(desk.board, "_lines_of", spy)
    return reads


def test_after_a_write_the_board_works_out_the_line_of_the_agent_written_about_only(
    client_for, cohort1, tl1, tasks, week, lines_read
):
    a, b = AgentFactory.create_batch(2, cohort=cohort1)
    client, board = client_for(tl1), reverse("desk:board")
    assert "0 of 2 recorded." in client.get(board).content.decode()
    assert lines_read == [sorted([a.pk, b.pk])]  # nothing was cached
    lines_read.clear()
    record_attendance(agent=b, day=WEDNESDAY, entry=Entry(absent=True), expected_version=None, by=tl1)
    page = client.get(board).content.decode()
    assert lines_read == [[b.pk]]
    assert "1 of 2 recorded." in page and f"{b.full_name}: Absent" in page
    lines_read.clear()
    set_task_status(agent=a, task=tasks["rts"], status="complete", expected_version=0, by=tl1)
    with CaptureQueriesContext(connection) as read:
        page = client.get(board).content.decode()
    assert lines_read == [[a.pk]]
    # What a write about an agent leaves is not read again: the tasks, the close, the edits after it.
    tables = ('"certifications_task"', '"cohorts_daysignoff"', '"cohorts_closeddayedit"')
    assert [q["sql"] for q in read.captured_queries if any(f"FROM {t}" in q["sql"] for t in tables)] == []
    done = re.search(rf"{a.full_name}</a>(?:(?!</tr>).)*?</td><td>(\d+)/\d+</td>", page, re.S)
    assert done and done.group(1) == "1"


def test_a_board_line_is_worked_out_again_at_the_end_of_the_day(
    client_for, cohort1, tl1, tasks, week, lines_read
):
    (a,) = AgentFactory.create_batch(1, cohort=cohort1)
    client, board = client_for(tl1), reverse("desk:board")
    assert "Aetna today" in client.get(board).content.decode()  # due Wednesday: it is noon
    week.shift(datetime.timedelta(hours=5, minutes=31))  # 17:31 in New York, past its end of day
    lines_read.clear()
    page = client.get(board).content.decode()
    assert lines_read == [[a.pk]] and "Aetna today" not in page
    assert '<span class="badge text-bg-danger">Aetna</span>' in page


def test_each_viewer_has_the_lines_their_rights_allow(cohort1, tl1, mgr1, tasks, week, lines_read):
    a, _ = AgentFactory.create_batch(2, cohort=cohort1)
    raise_red_flag(agent=a, category="conduct", details="HR matter", confidential=True, by=mgr1)

    def flags(user, sees_confidential):
        (day,) = collect([cohort1], user=user, sees_confidential=sees_confidential)
        return {line.agent.pk: line.open_flags for line in day.lines}[a.pk]

    assert [flags(tl1, False), flags(mgr1, True), flags(tl1, False), flags(mgr1, True)] == [0, 1, 0, 1]
    assert len(lines_read) == 2  # once per viewer: then from the cache


def test_the_trackers_frame_renders_once_and_again_when_what_it_shows_changes(
    client_for, cohort1, tl1, tasks, week, monkeypatch
):
    """The page around the grid (breadcrumb, cohort bar, filters, the day's close) renders once
    for a view of the cohort's day, not after every write; a close or a new name shows at once."""
    (a,) = AgentFactory.create_batch(1, cohort=cohort1)
    bars = []
    real = desk.templatetags.cohort_bar.capabilities
    monkeypatch.setattr(
        desk.templatetags.cohort_bar, "capabilities", lambda *args: bars.append(1) or real(*args)
    )
    client, tracker = client_for(tl1), reverse("certifications:tracker", args=[cohort1.pk])
    client.get(tracker)
    set_task_status(agent=a, task=tasks["rts"], status="in_progress", expected_version=0, by=tl1)
    assert '<option value="in_progress" selected>' in client.get(tracker).content.decode()
    assert len(bars) == 1  # the frame was served as it was rendered
    assert client.get(tracker, {"show": "overdue"}).status_code == 200
    assert len(bars) == 2  # another filter: another frame
    DaySignOff.objects.create(cohort=cohort1, day=WEDNESDAY, signed_by=tl1)
    assert "closed today at" in client.get(tracker).content.decode()
    cohort1.name = "East Sales"
    save_cohort(cohort=cohort1, by=tl1)
    assert "Tracker: East Sales" in client.get(tracker).content.decode()
