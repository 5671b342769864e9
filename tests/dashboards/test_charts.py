"""The dashboard's per-cohort charts: built from the current facts and their dates, agreeing with
the table, readable (no label under 12 px) and with a text alternative for every figure."""

import datetime
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.services import Entry, record_attendance
from certifications.models import TaskStatus
from certifications.selectors import active_tasks, done_on, task_cells
from certifications.services import record_attempt, set_task_status
from desk.dashboard import WeekOutcome, outcome_charts
from tests.conftest import MONDAY, TUESDAY, WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

NY_AFTERNOON = datetime.time(19, 0)  # 14:00 in New York, in UTC


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, NY_AFTERNOON, datetime.UTC)


def set_status(agent, task, status, by):
    cell = TaskStatus.objects.filter(agent=agent, task=task).first()
    set_task_status(
        agent=agent, task=task, status=status, expected_version=cell.version if cell else 0, by=by
    )


def dashboard(client):
    response = client.get(reverse("desk:dashboard"))
    assert response.status_code == 200
    return response


class TestDoneOn:
    def test_each_done_cell_is_dated_by_its_facts(self, tl1, cohort1, tasks, week):
        agent = AgentFactory(cohort=cohort1)
        week.move_to(at(MONDAY))
        set_status(agent, tasks["equipment"], "verified", tl1)
        set_status(agent, tasks["tbt"], "complete", tl1)
        record_attempt(agent=agent, task=tasks["ahip"], taken_on=MONDAY, score=80, passed=True, by=tl1)
        week.move_to(at(TUESDAY))
        set_status(agent, tasks["tbt"], "in_progress", tl1)  # reopened: its first done run ends
        set_status(agent, tasks["call-cert"], "in_progress", tl1)
        week.move_to(at(WEDNESDAY))
        set_status(agent, tasks["tbt"], "complete", tl1)
        set_status(agent, tasks["ahip"], "complete", tl1)  # set today, passed on Monday
        # An imported status: written without history, dated when it was saved.
        TaskStatus.objects.create(agent=agent, task=tasks["aetna"], status="verified")

        cells = task_cells([agent], active_tasks(cohort1), now=timezone.now())  # as the dashboard reads them
        days = done_on({agent.pk: cohort1.tzinfo}, cells)

        assert days == {
            (agent.pk, tasks["equipment"].pk): MONDAY,
            (agent.pk, tasks["tbt"].pk): WEDNESDAY,
            (agent.pk, tasks["ahip"].pk): MONDAY,
            (agent.pk, tasks["aetna"].pk): WEDNESDAY,
        }  # Call Certification is in progress: not done, not dated

    def test_the_day_is_the_cohorts(self, tl1, cohort2, tasks, week):
        """22:00 on Monday in Los Angeles is Tuesday in UTC: the chart's day is Monday."""
        agent = AgentFactory(cohort=cohort2)
        week.move_to(datetime.datetime(2026, 11, 24, 6, 0, tzinfo=datetime.UTC))
        set_status(agent, tasks["equipment"], "verified", tl1)
        cells = task_cells([agent], active_tasks(cohort2), now=timezone.now())
        assert done_on({agent.pk: cohort2.tzinfo}, cells) == {(agent.pk, tasks["equipment"].pk): MONDAY}


class TestCohortCharts:
    def make_week(self, cohort, tl, tasks, week):
        """Two agents: Equipment done on Monday by both, AHIP on Tuesday by one; one late on
        Monday, one absent on Tuesday, one late and leaving early on Wednesday."""
        first, second = AgentFactory.create_batch(2, cohort=cohort)
        week.move_to(at(MONDAY))
        for agent in (first, second):
            set_status(agent, tasks["equipment"], "verified", tl)
        record_attendance(
            agent=first, day=MONDAY, entry=Entry(arrival=datetime.time(9, 20)), expected_version=None, by=tl
        )
        week.move_to(at(TUESDAY))
        set_status(first, tasks["ahip"], "complete", tl)
        record_attendance(agent=second, day=TUESDAY, entry=Entry(absent=True), expected_version=None, by=tl)
        week.move_to(at(WEDNESDAY))
        set_status(second, tasks["tbt"], "complete", tl)
        record_attendance(
            agent=first,
            day=WEDNESDAY,
            entry=Entry(arrival=datetime.time(9, 30), departure=datetime.time(16, 0)),
            expected_version=None,
            by=tl,
        )
        return first, second

    def test_done_by_day_and_pace_come_from_the_dated_facts(self, client_for, pm1, tl1, cohort1, tasks, week):
        self.make_week(cohort1, tl1, tasks, week)
        response = dashboard(client_for(pm1))
        summary = response.context["content"]()["cohort_days"][0]
        charts = summary.charts
        # 12 cells (2 agents, 6 tasks): 2 done on Monday, 3 by Tuesday, 4 by now.
        assert [(p.done, p.pace) for p in summary.days] == [
            (17, 17),
            (25, 33),
            (33, 67),
            (None, 83),
            (None, 100),
        ]
        assert summary.days[2].done == summary.overall  # today's column is the table's overall
        html = response.content.decode()
        assert (
            f'<desc id="days-{cohort1.pk}-desc">Day 1 · Mon 23 Nov: 17% done, pace 17%; Day 2 · Tue 24 Nov: '
            "25% done, pace 33%; Day 3 · Wed 25 Nov: 33% done, pace 67%; Day 4 · Thu 26 Nov: to come, "
            "pace 83%; Day 5 · Fri 27 Nov: to come, pace 100%.</desc>"
        ) in html
        tasks_chart = charts[0]
        assert "Equipment 100% done, due day 1, should be done by today" in tasks_chart.description
        assert "Call Certification 0% done, due day 4;" in tasks_chart.description
        assert tasks_chart.description.endswith("All tasks: 33% done, 67% should be by today.")

    def test_occurrences_per_day_add_up_to_the_tables(self, client_for, pm1, tl1, cohort1, tasks, week):
        self.make_week(cohort1, tl1, tasks, week)
        response = dashboard(client_for(pm1))
        summary = response.context["content"]()["cohort_days"][0]
        charts = summary.charts
        assert [p.occurrences for p in summary.days[:3]] == [
            {"Late": 1},
            {"Absent": 1},
            {"Late": 1, "Left early": 1},
        ]
        assert summary.occurrences == 4
        html = response.content.decode()
        row = re.search(r"<tbody>\s*<tr>.*?</tr>", html, re.S).group(0)
        assert re.findall(r"<td>(\d+)</td>", row)[-3] == "4"  # the table's Occurrences column
        assert (
            charts[2].description == "Day 1 · Mon 23 Nov: 1 late; Day 2 · Tue 24 Nov: 1 absent; "
            "Day 3 · Wed 25 Nov: 1 late, 1 left early."
        )

    def test_charts_are_readable_and_described(self, client_for, pm1, tl1, cohort1, tasks, week):
        self.make_week(cohort1, tl1, tasks, week)
        html = dashboard(client_for(pm1)).content.decode()
        charts = re.findall(
            r'<svg role="img" aria-labelledby="([^"]+)" aria-describedby="([^"]+)"[^>]*font-size="(\d+)"'
            r'[^>]*class="chart"',
            html,
        )
        assert len(charts) == 6  # East and West, three each
        for title, desc, size in charts:
            assert int(size) >= 12
            assert re.search(rf'<title id="{title}">[^<]+</title>', html)
            assert re.search(rf'<desc id="{desc}">[^<]+</desc>', html)
        assert not re.search(r'font-size="([0-9]|1[01])"', html)  # nothing drawn smaller
        assert (
            f'<a href="{cohort1.get_absolute_url()}">{cohort1.name}</a>' in html
        )  # the charts open the cohort


class TestOutcomeCharts:
    def test_each_measure_on_its_own_scale(self):
        weeks = [
            WeekOutcome(week=datetime.date(2026, 10, 5), agents=4, on_time=2, attrition=1, days_to_ready=8.0),
            WeekOutcome(
                week=datetime.date(2026, 10, 12), agents=4, on_time=4, attrition=0, days_to_ready=4.0
            ),
            WeekOutcome(
                week=datetime.date(2026, 10, 19), agents=2, on_time=0, attrition=2, days_to_ready=None
            ),
        ]
        on_time, days, attrition = outcome_charts(weeks)
        assert [m.height for m in on_time.marks] == [35.0, 70.0, 0]  # 50%, 100%, 0% of 70 px
        assert [m.height for m in days.marks] == [70.0, 35.0, 0]  # scaled to the longest, 8 days
        assert days.description.endswith("Week of 19 Oct: no agent ready.")
        assert days.legend[0][1] == "Average days to ready · latest week: —"
        bottoms = {m.y + m.height for m in attrition.marks}
        assert len(bottoms) == 1  # the columns stand on one axis
        assert attrition.legend[0][1] == "Attrition · latest week: 100%"
        xs = [m.x for m in attrition.marks]
        assert xs == sorted(xs) and len({round(b - a, 3) for a, b in itertools.pairwise(xs)}) == 1
        assert outcome_charts([]) == []
