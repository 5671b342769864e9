"""Every page, email and export says the same thing about the same facts, because each reads
the one rule that owns them (certifications.models.Task.state through task_cells, the board's
end-of-day report, the at-risk rule). One scenario, read at several moments and in two zones.

East (New York) and West (Los Angeles) both start on Monday 23 November and end their day at
17:30 local; each has Ana, who has done everything but AHIP (not started; due on ESP day 2,
Tuesday 24th), and Ben, who has done everything.
"""

import csv
import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from attendance.models import EscalationRule, Recommendation
from attendance.services import Entry, Punch, import_timekeeping, record_attendance
from certifications.services import set_task_status
from desk.endofday import close_day, run_end_of_day_checks
from tests.conftest import MONDAY, TUESDAY, WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def local(day, hour, minute=0, zone=NEW_YORK):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


@pytest.fixture
def scenario(cohort1, cohort2, tl1, tl2, pm1, tasks):
    for user in (tl1, tl2, pm1):
        user.email = f"{user.username}@example.com"
        user.save()
    people = {}
    for cohort in (cohort1, cohort2):
        cohort.start_date = MONDAY
        cohort.save()
        ana = AgentFactory(cohort=cohort, first_name="Ana", last_name=f"Open {cohort.name}")
        ben = AgentFactory(cohort=cohort, first_name="Ben", last_name=f"Done {cohort.name}")
        for task in tasks.values():
            for agent in (ana, ben):
                if not (agent == ana and task.code == "ahip"):
                    set_task_status(
                        agent=agent, task=task, status="complete", expected_version=0, by=cohort.tl
                    )
        people[cohort.name] = ana
    return people


def read_everything(client_for, tl1, pm1, cohort, ana, tasks) -> dict:
    """What each place says about Ana's AHIP: 'upcoming', 'due today' or 'overdue'."""
    tl, pm = client_for(tl1), None
    said = {}

    ahip_cell = f'id="cell-{ana.pk}-{tasks["ahip"].pk}" class="cell'
    grid = tl.get(reverse("certifications:tracker", args=[cohort.pk])).content.decode()
    cell = re.search(re.escape(ahip_cell) + r'([^"]*)"', grid).group(1)
    said["tracker cell"] = (
        "overdue" if "table-danger" in cell else "due today" if "cell-due" in cell else "upcoming"
    )

    def rows(show):
        response = tl.get(reverse("certifications:tracker", args=[cohort.pk]), {"show": show})
        return response.context["grid"]()["rows"]

    def filtered(show):
        return [row.agent for row in rows(show)]

    said["tracker filter"] = (
        "overdue"
        if ana in filtered("overdue")
        else "due today"
        if ana in filtered("due_today")
        else "upcoming"
    )

    board = tl.get(reverse("desk:board")).content.decode()
    name = re.escape(ana.full_name)
    row = re.search(rf'<tr><td><a href="[^"]+">{name}</a>.*?</tr>', board, re.S).group(0)
    said["board"] = (
        "overdue" if 'text-bg-danger">AHIP<' in row else "due today" if "AHIP today" in row else "upcoming"
    )

    page = tl.get(cohort.get_absolute_url()).content.decode()
    overdue_link = re.search(r'id="overdue-link">(\d+) agent', page)
    due_link = re.search(r'id="due-today-link">(\d+) task', page)
    said["cohort page"] = "overdue" if overdue_link else "due today" if due_link else "upcoming"
    # Each count opens exactly the rows it counts.
    assert (int(overdue_link.group(1)) if overdue_link else 0) == len(filtered("overdue"))
    assert (int(due_link.group(1)) if due_link else 0) == sum(r.due_today for r in rows("due_today"))

    pm = client_for(pm1)
    dashboard = pm.get(reverse("desk:dashboard"))
    (summary,) = [d for d in dashboard.context["content"]()["cohort_days"] if d.cohort == cohort]
    html = dashboard.content.decode()
    tracker_url = reverse("certifications:tracker", args=[cohort.pk])
    shown = re.search(rf'href="{re.escape(tracker_url)}\?show=overdue">(\d+) agent', html)
    assert (int(shown.group(1)) if shown else 0) == len(summary.overdue_agents) == len(filtered("overdue"))
    said["dashboard"] = (
        "overdue"
        if ana.pk in summary.overdue_agents
        else "due today"
        if ana.pk in summary.due_today_agents
        else "upcoming"
    )

    export = tl.get(reverse("certifications:tracker", args=[cohort.pk]), {"_export": "csv"}).content.decode()
    rows = {r[0]: r for r in csv.reader(io.StringIO(export))}
    header = rows["Agent"]
    value = rows[ana.full_name][header.index("AHIP")]
    said["export"] = (
        "overdue" if "(overdue)" in value else "due today" if "(due today)" in value else "upcoming"
    )
    return said


MOMENTS = [
    # (moment in New York, what East says, what West says: 3 hours behind)
    (local(MONDAY, 12), "upcoming", "upcoming"),
    (local(TUESDAY, 17, 0), "due today", "due today"),
    (local(TUESDAY, 17, 31), "overdue", "due today"),  # 14:31 in Los Angeles
    (local(TUESDAY, 20, 31), "overdue", "overdue"),  # 17:31 in Los Angeles
    (local(WEDNESDAY, 10), "overdue", "overdue"),
]


@pytest.mark.parametrize("moment, east, west", MOMENTS)
def test_every_page_says_the_same_at_each_moment(
    client_for, tl1, tl2, pm1, cohort1, cohort2, tasks, scenario, moment, east, west
):
    with time_machine.travel(moment, tick=False):
        for cohort, expected, tl in ((cohort1, east, tl1), (cohort2, west, tl2)):
            said = read_everything(client_for, tl, pm1, cohort, scenario[cohort.name], tasks)
            assert set(said.values()) == {expected}, (cohort.name, said)


def test_the_end_of_day_email_says_what_the_pages_said(
    client_for, tl1, pm1, cohort1, tasks, scenario, django_capture_on_commit_callbacks
):
    ana = scenario["East"]
    with time_machine.travel(local(TUESDAY, 17, 31), tick=False):
        said = read_everything(client_for, tl1, pm1, cohort1, ana, tasks)
        with django_capture_on_commit_callbacks(execute=True):
            run_end_of_day_checks()
    (summary,) = [m for m in mail.outbox if m.subject.startswith("End of day Tue 24 Nov: East")]
    assert said["tracker cell"] == "overdue"
    assert f"{ana.full_name}: AHIP (overdue)" in summary.body


def test_closing_the_day_never_needs_a_status_that_is_not_true(
    client_for, tl1, cohort1, tasks, scenario, django_capture_on_commit_callbacks
):
    """Ana is absent all day on Tuesday: one carry-over with the reason clears her open items,
    the day closes, the email and the next day's board say what was carried over and why."""
    ana = scenario["East"]
    ben = cohort1.agents.get(first_name="Ben")
    client = client_for(tl1)
    with time_machine.travel(local(TUESDAY, 16), tick=False):
        for agent, entry in ((ana, Entry(absent=True)), (ben, Entry(arrival=datetime.time(9)))):
            record_attendance(agent=agent, day=TUESDAY, entry=entry, expected_version=None, by=tl1)
        client.post(
            reverse("certifications:note_save", args=[ben.pk, TUESDAY]),
            {f"n{ben.pk}-text": "Good day", f"n{ben.pk}-version": 0},
        )
        board = client.get(reverse("desk:board")).content.decode()
        # Ana's AHIP, due today: the count links to the rows that keep the day from closing
        assert f'not done: <a href="/tracker/cohorts/{cohort1.pk}/?show=close">1</a>' in board
        response = client.post(reverse("desk:close_day", args=[cohort1.pk]))
        assert not cohort1.sign_offs.exists() and response.status_code == 302
        url = reverse("desk:carry_over", args=[cohort1.pk, ana.pk])
        assert client.post(url, {"reason": "Absent all day: flu"}).status_code == 302
        statuses = {s.task.code: s for s in ana.task_statuses.select_related("task")}
        carried = {c: (s.status, s.carried_from) for c, s in statuses.items() if s.carried_from}
        assert carried == {"ahip": ("not_started", TUESDAY)}  # its status stays what is true
        assert ana.notes.get(day=TUESDAY).text == "Carried over: AHIP. Absent all day: flu"
        close_day(cohort=cohort1, by=tl1)
        assert cohort1.sign_offs.filter(day=TUESDAY).exists()
        history = statuses["ahip"].history.first()
        assert history.history_user == tl1 and "Absent all day: flu" in history.history_change_reason
    with time_machine.travel(local(TUESDAY, 17, 31), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            run_end_of_day_checks()
        (summary,) = [m for m in mail.outbox if "End of day Tue 24 Nov" in m.subject]
        assert "Carried over to the next ESP day (1)" in summary.body
        assert f"{ana.full_name}: AHIP, because Absent all day: flu" in summary.body
    with time_machine.travel(local(WEDNESDAY, 9), tick=False):
        board = client.get(reverse("desk:board")).content.decode()
        assert "Carried over from the day before" in board
        assert "AHIP (due today) — Absent all day: flu" in board


def test_a_normal_cohort_on_day_one_has_next_to_nobody_at_risk(client_for, pm1, cohort1, tasks):
    cohort1.start_date = MONDAY
    cohort1.save()
    agents = AgentFactory.create_batch(25, cohort=cohort1)
    with time_machine.travel(local(MONDAY, 11), tick=False):
        for agent in agents[:20]:
            set_task_status(
                agent=agent, task=tasks["equipment"], status="verified", expected_version=0, by=pm1
            )
        content = client_for(pm1).get(reverse("desk:dashboard")).context["content"]()
    at_risk = [line for _, lines in content["at_risk"] for line in lines]
    assert at_risk == []  # five have Equipment open at 11:00 on day 1: due today, still fits
    with time_machine.travel(local(MONDAY, 18), tick=False):  # after the end of day 1
        content = client_for(pm1).get(reverse("desk:dashboard")).context["content"]()
    assert [len(lines) for _, lines in content["at_risk"]] == []  # one overdue task fits tomorrow


def test_the_same_lates_make_the_same_recommendation_however_they_arrive(
    tl1, cohort1, cohort2, tasks, django_capture_on_commit_callbacks
):
    """Two late arrivals entered on the roll call, or imported from a login report: the rules
    look again after each write, and make the same single recommendation at once."""
    EscalationRule.objects.exclude(kind="occurrences").update(active=False)  # lateness alone
    results = []
    for cohort, how in ((cohort1, "roll call"), (cohort2, "login report")):
        cohort.start_date = MONDAY
        cohort.save()
        agent = AgentFactory(cohort=cohort)
        with (
            time_machine.travel(local(WEDNESDAY, 12), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            if how == "roll call":
                for day in (MONDAY, TUESDAY):
                    entry = Entry(arrival=datetime.time(9, 20))
                    record_attendance(agent=agent, day=day, entry=entry, expected_version=None, by=tl1)
            else:
                punches = [
                    Punch(2, agent.pk, agent.employee_id, MONDAY.isoformat(), "09:20:00", "17:30:00"),
                    Punch(3, agent.pk, agent.employee_id, TUESDAY.isoformat(), "09:20:00", "17:30:00"),
                ]
                import_timekeeping(cohort=cohort, punches=punches, by=tl1)
        results.append(
            [
                (r.level.code, [f["text"] for f in r.facts])
                for r in Recommendation.objects.filter(agent=agent, status="pending")
            ]
        )
    assert results[0] == results[1] == [("coaching", ["Mon 23 Nov: Late", "Tue 24 Nov: Late"])]
