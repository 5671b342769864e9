import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.services import Entry, record_attendance
from certifications.models import DailyNote
from certifications.services import raise_red_flag, record_attempt, set_task_status
from cohorts.models import Agent, ClosedDayEdit, Cohort, DaySignOff
from tests.conftest import MONDAY, WEDNESDAY
from tests.factories import AgentFactory, CohortFactory

pytestmark = pytest.mark.django_db


def fill(cohort, n, tl, tasks):
    """n agents with statuses, attendance, notes and an attempt each."""
    for agent in AgentFactory.create_batch(n, cohort=cohort):
        set_task_status(agent=agent, task=tasks["equipment"], status="verified", expected_version=0, by=tl)
        set_task_status(agent=agent, task=tasks["tbt"], status="in_progress", expected_version=0, by=tl)
        record_attempt(agent=agent, task=tasks["ahip"], taken_on=MONDAY, score=50, passed=False, by=tl)
        record_attendance(
            agent=agent,
            day=WEDNESDAY,
            entry=Entry(arrival=datetime.time(9, 20)),
            expected_version=None,
            by=tl,
        )
        DailyNote.objects.create(agent=agent, day=WEDNESDAY, text="ok", updated_by=tl)


class TestHome:
    @pytest.mark.parametrize(
        "who, target",
        [("tl1", "desk:board"), ("pm1", "desk:dashboard"), ("mgr1", "desk:dashboard"),
         ("staff", "desk:dashboard"), ("wfm1", "attendance:wfm")],
    )  # fmt: skip
    def test_each_role_lands_on_its_page(self, request, client_for, who, target):
        response = client_for(request.getfixturevalue(who)).get(reverse("home"))
        assert response.status_code == 302 and response.url == reverse(target)


class TestBoard:
    def test_it_shows_the_tls_day_in_the_cohorts_zone(self, client_for, tl1, cohort1, cohort2, tasks, week):
        fill(cohort1, 2, tl1, tasks)
        html = client_for(tl1).get(reverse("desk:board")).content.decode()
        assert "day 3 of 5 · Wednesday 25 November · America/New_York" in html and "West" not in html
        assert "2 of 2 recorded." in html
        assert html.count(": Late</li>") == 2  # 09:20 against a 09:00 shift
        # AHIP, Aetna and TBT for both agents, linked to the rows that keep the day from closing
        assert f'not done: <a href="/tracker/cohorts/{cohort1.pk}/?show=close">6</a>' in html

    def test_its_cohorts_are_read_without_their_people(self, client_for, tl1, cohort1, tasks, week):
        """The board names neither the TL nor the PM: its cohorts come without them."""
        fill(cohort1, 2, tl1, tasks)
        client = client_for(tl1)
        for url in (reverse("desk:board"), reverse("desk:board_card", args=[cohort1.pk])):
            with CaptureQueriesContext(connection) as read:
                assert client.get(url).status_code == 200
            cohorts = [q["sql"] for q in read.captured_queries if 'FROM "cohorts_cohort"' in q["sql"]]
            assert cohorts and not [sql for sql in cohorts if '"auth_user"' in sql]

    def test_it_lists_the_cohorts_starting_soon_read_with_todays_in_one_query(
        self, client_for, tl1, cohort1, tasks, week
    ):
        later = [
            CohortFactory(tl=tl1, status=Cohort.Status.PLANNED, name=f"Next {n}", start_date=MONDAY + delta)
            for n, delta in enumerate(datetime.timedelta(weeks=w) for w in (3, 1, 2, 4, 5, 6))
        ]
        CohortFactory(status=Cohort.Status.PLANNED, name="Someone else's")
        with CaptureQueriesContext(connection) as read:
            html = client_for(tl1).get(reverse("desk:board")).content.decode()
        soon = html.split("Starting soon")[1]
        names = [c.name for c in sorted(later, key=lambda c: c.start_date)[:5]]
        assert [name for name in names if name in soon] == names and "Next 5" not in soon
        assert soon.index(names[0]) < soon.index(names[1]) and "Someone else" not in soon
        assert f"{cohort1.name}</a>" in html.split("Starting soon")[0]  # today's, on its card
        cohorts = [q["sql"] for q in read.captured_queries if q["sql"].startswith('SELECT "cohorts_cohort"')]
        assert len(cohorts) == 1, cohorts

    def test_a_weekend_asks_for_no_roll_call_notes_or_close(self, client_for, tl1, cohort1, tasks, week):
        """Saturday is no ESP day: the board, like the cohort page and the cohort bar, asks for
        nothing to be recorded or closed; the tasks still open stay beside each agent."""
        agent = AgentFactory(cohort=cohort1, first_name="Wendy")
        week.move_to(datetime.datetime(2026, 11, 28, 17, 0, tzinfo=datetime.UTC))  # Saturday noon, New York
        client = client_for(tl1)
        html = client.get(reverse("desk:board")).content.decode()
        assert "no ESP day today · Saturday 28 November" in html
        assert "Nothing to record or close: today is no ESP day." in html
        assert "not recorded" not in html and "missing" not in html and "Close the day" not in html
        row = html[html.index(f'href="/cohorts/agents/{agent.pk}/"') :].split("</tr>")[0]
        assert all(name in row for name in ("AHIP", "Aetna", "TBT", "Equipment"))  # overdue since Friday
        assert "Before you log off today" not in client.get(cohort1.get_absolute_url()).content.decode()
        bar = client.get(reverse("desk:cohort_bar", args=[cohort1.pk, "today"])).content.decode()
        assert "not recorded" not in bar

    def test_queries_are_few_and_do_not_grow_with_agents(
        self, client_for, tl1, cohort1, tasks, week, count_queries
    ):
        client = client_for(tl1)

        def cold_read():  # nothing cached: what the first read after a deploy costs
            cache.clear()
            return client.get(reverse("desk:board"))

        fill(cohort1, 5, tl1, tasks)
        few = count_queries(cold_read)
        fill(cohort1, 45, tl1, tasks)
        many = count_queries(cold_read)
        assert few == many <= 20

    def test_close_the_day_only_when_green(self, client_for, tl1, cohort1, tasks, week):
        agent = AgentFactory(cohort=cohort1)
        client = client_for(tl1)
        client.post(reverse("desk:close_day", args=[cohort1.pk]))
        assert not DaySignOff.objects.exists()
        for task in tasks.values():
            set_task_status(agent=agent, task=task, status="complete", expected_version=0, by=tl1)
        record_attendance(
            agent=agent, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9)), expected_version=None, by=tl1
        )
        DailyNote.objects.create(agent=agent, day=WEDNESDAY, text="ok", updated_by=tl1)
        for ticket in agent.tickets.all():
            ticket.status = "submitted"
            ticket.save()
        client.post(reverse("desk:close_day", args=[cohort1.pk]))
        assert DaySignOff.objects.get().signed_by == tl1

    def test_a_change_to_a_closed_day_asks_for_a_reason_and_is_logged(self, client_for, tl1, agent1, week):
        DaySignOff.objects.create(cohort=agent1.cohort, day=WEDNESDAY, signed_by=tl1)
        client = client_for(tl1)
        url = reverse("attendance:roll_call_save", args=[agent1.cohort.pk, WEDNESDAY, agent1.pk])
        data = {f"a{agent1.pk}-arrival": "09:30", f"a{agent1.pk}-version": "0"}
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 400 and "give a reason for changing it" in response.content.decode()
        response = client.post(
            url, {**data, "closed_reason": "Timekeeping report arrived late"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        edit = ClosedDayEdit.objects.get()
        assert (edit.reason, edit.by, edit.what) == (
            "Timekeeping report arrived late",
            tl1,
            "Attendance of Alice Archer",
        )
        note_url = reverse("certifications:note_save", args=[agent1.pk, WEDNESDAY])
        assert (
            client.post(
                note_url, {f"n{agent1.pk}-text": "late", f"n{agent1.pk}-version": 0}, HTTP_HX_REQUEST="true"
            ).status_code
            == 400
        )

    @pytest.mark.parametrize("who, status", [("pm1", 403), ("wfm1", 404), ("tl2", 404), ("mgr1", 404)])
    def test_only_the_tl_closes_their_cohorts_day(self, request, client_for, who, status, cohort1, week):
        response = client_for(request.getfixturevalue(who)).post(reverse("desk:close_day", args=[cohort1.pk]))
        assert response.status_code == status
        assert not DaySignOff.objects.exists()

    def test_close_day_refuses_get(self, client_for, tl1, cohort1):
        assert client_for(tl1).get(reverse("desk:close_day", args=[cohort1.pk])).status_code == 405


class TestDashboard:
    def test_completion_risk_and_ready(self, client_for, pm1, tl1, cohort1, cohort2, tasks, week):
        fill(cohort1, 2, tl1, tasks)
        ready = AgentFactory(cohort=cohort1, first_name="Ready", status=Agent.Status.READY)
        flagged = AgentFactory(cohort=cohort2, first_name="Flagged")
        raise_red_flag(agent=flagged, category="conduct", details="x", confidential=False, by=tl1)
        response = client_for(pm1).get(reverse("desk:dashboard"))
        content = response.context["content"]()
        days = {d.cohort.name: d for d in content["cohort_days"]}
        completion = {t.code: p for t, p in days["East"].completion}
        assert completion["equipment"] == 67  # 2 of 3 agents
        # At-risk agents come grouped by cohort, with their reasons.
        assert [(d.cohort.name, len(lines)) for d, lines in content["at_risk"]] == [("East", 3), ("West", 1)]
        at_risk = {line.agent.first_name: line.risks for _, lines in content["at_risk"] for line in lines}
        assert "1 open red flag" in at_risk["Flagged"]
        # Wednesday noon: AHIP overdue, Aetna and TBT due today, and the task plan fits 2 a day.
        filled = next(v for k, v in at_risk.items() if k.startswith("Agent"))
        assert filled == [
            "3 tasks due by Wed 25 Nov (AHIP, Aetna, TBT), with 1 ESP day left for them at 2 a day"
        ]
        assert [line.agent for _, line in content["ready"]] == [ready]
        assert days["East"].occurrences == 2
        html = response.content.decode()
        assert "<svg" in html and f'href="{cohort1.get_absolute_url()}">East</a>' in html

    def test_a_pm_sees_only_the_cohorts_they_manage_and_the_manager_all(
        self, client_for, pm2, mgr1, cohort1, cohort2, week
    ):
        other = CohortFactory(name="North", pm=pm2, start_date=MONDAY)
        names = lambda r: sorted(d.cohort.name for d in r.context["content"]()["cohort_days"])  # noqa: E731
        assert names(client_for(pm2).get(reverse("desk:dashboard"))) == ["North"]
        assert names(client_for(mgr1).get(reverse("desk:dashboard"))) == ["East", "North", "West"]
        assert other.pk

    @pytest.mark.parametrize("who", ["tl1", "wfm1"])
    def test_others_are_refused(self, request, client_for, who):
        assert client_for(request.getfixturevalue(who)).get(reverse("desk:dashboard")).status_code == 403

    def test_past_outcomes_by_week(self, client_for, pm1, tl1):
        past = CohortFactory(
            name="Past", pm=pm1, tl=tl1, start_date=datetime.date(2026, 10, 5), status="completed"
        )
        on_time = datetime.datetime(2026, 10, 8, 18, tzinfo=datetime.UTC)
        AgentFactory(cohort=past, status="in_production", ready_at=on_time)
        AgentFactory(
            cohort=past,
            status="in_production",
            ready_at=datetime.datetime(2026, 10, 14, 18, tzinfo=datetime.UTC),
        )
        AgentFactory(cohort=past, status="terminated")
        AgentFactory(cohort=past, status="withdrawn")
        response = client_for(pm1).get(reverse("desk:dashboard"))
        (outcome,) = response.context["outcomes"]()["weeks"]
        assert (outcome.agents, outcome.on_time, outcome.attrition, outcome.days_to_ready) == (4, 1, 2, 6.0)
        html = response.content.decode()
        assert "Finished on time · latest week: 25%" in html
        assert "<title>Week of 5 Oct: 6 days</title>" in html

    def test_past_outcomes_are_the_twelve_weeks_up_to_the_latest_finished_cohort(self, client_for, pm1, tl1):
        for start in (datetime.date(2026, 7, 13), datetime.date(2026, 7, 20), datetime.date(2026, 10, 5)):
            cohort = CohortFactory(pm=pm1, tl=tl1, start_date=start, status="completed")
            AgentFactory(cohort=cohort, status="in_production")
        CohortFactory(pm=pm1, tl=tl1, start_date=datetime.date(2026, 11, 30), status="active")
        weeks = client_for(pm1).get(reverse("desk:dashboard")).context["outcomes"]()["weeks"]
        # 12 weeks before 5 Oct is 13 Jul: the cohort that started then is out, the next one in.
        assert [w.week for w in weeks] == [datetime.date(2026, 7, 20), datetime.date(2026, 10, 5)]

    def test_queries_are_few_and_do_not_grow_with_agents(
        self, client_for, pm1, tl1, cohort1, tasks, week, count_queries
    ):
        client = client_for(pm1)

        def cold_read():  # nothing cached: what the first read after a deploy costs
            cache.clear()
            return client.get(reverse("desk:dashboard"))

        fill(cohort1, 5, tl1, tasks)
        few = count_queries(cold_read)
        fill(cohort1, 45, tl1, tasks)
        many = count_queries(cold_read)
        assert few == many <= 20

    def test_a_cached_read_costs_the_same_for_one_cohort_or_many(
        self, client_for, pm1, tl1, cohort1, tasks, week, count_queries
    ):
        """The cache key reads each cohort's revision and phase in one query: no field of theirs
        is read one cohort at a time."""
        client, url = client_for(pm1), reverse("desk:dashboard")
        fill(cohort1, 3, tl1, tasks)
        client.get(url)
        one = count_queries(lambda: client.get(url))
        for name, zone in (("North", "America/Chicago"), ("South", "America/Denver"), ("Central", "UTC")):
            fill(CohortFactory(name=name, tl=tl1, pm=pm1, time_zone=zone, status="active"), 3, tl1, tasks)
        html = client.get(url).content.decode()
        assert count_queries(lambda: client.get(url)) == one <= 6
        assert all(name in html for name in ("East", "North", "South", "Central"))


class TestWfm:
    def test_occurrences_across_active_cohorts_with_export(
        self, client_for, wfm1, tl1, tl2, agent1, agent2, week
    ):
        record_attendance(
            agent=agent1,
            day=WEDNESDAY,
            entry=Entry(arrival=datetime.time(9, 40)),
            expected_version=None,
            by=tl1,
        )
        record_attendance(
            agent=agent2, day=WEDNESDAY, entry=Entry(absent=True), expected_version=None, by=tl2
        )
        on_time = AgentFactory(cohort=agent1.cohort)
        record_attendance(
            agent=on_time, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9)), expected_version=None, by=tl1
        )
        client = client_for(wfm1)
        response = client.get(reverse("attendance:wfm"))
        assert sorted(r.record.agent.first_name for r in response.context["table"].rows) == ["Alice", "Bob"]
        csv_text = client.get(reverse("attendance:wfm"), {"_export": "csv"}).content.decode()
        assert "Alice Archer" in csv_text and "09:40" in csv_text and "Absent all day" in csv_text
        only_west = client.get(reverse("attendance:wfm"), {"cohort": agent2.cohort.pk})
        assert [r.record.agent for r in only_west.context["table"].rows] == [agent2]

    @pytest.mark.parametrize("who, status", [("wfm1", 200), ("mgr1", 200), ("tl1", 200), ("staff", 200)])
    def test_access(self, request, client_for, who, status):
        assert client_for(request.getfixturevalue(who)).get(reverse("attendance:wfm")).status_code == status

    def test_a_tl_sees_only_their_cohorts_rows(self, client_for, tl1, tl2, agent1, agent2, week):
        record_attendance(
            agent=agent2, day=WEDNESDAY, entry=Entry(absent=True), expected_version=None, by=tl2
        )
        assert list(client_for(tl1).get(reverse("attendance:wfm")).context["table"].rows) == []

    def test_queries_do_not_grow_with_rows(self, client_for, wfm1, tl1, cohort1, week, count_queries):
        client = client_for(wfm1)
        for agent in AgentFactory.create_batch(3, cohort=cohort1):
            record_attendance(
                agent=agent, day=WEDNESDAY, entry=Entry(absent=True), expected_version=None, by=tl1
            )
        few = count_queries(lambda: client.get(reverse("attendance:wfm")))
        for agent in AgentFactory.create_batch(30, cohort=cohort1):
            record_attendance(
                agent=agent, day=WEDNESDAY, entry=Entry(absent=True), expected_version=None, by=tl1
            )
        assert count_queries(lambda: client.get(reverse("attendance:wfm"))) == few

    def test_any_range_across_every_cohort_finished_or_not(self, client_for, wfm1, tl1, agent1, week):
        """A finished cohort's days stay within reach: WFM asks about last month too."""
        past = CohortFactory(
            name="October", tl=tl1, start_date=datetime.date(2026, 10, 5), status="completed"
        )
        old = AgentFactory(cohort=past, first_name="Olga")
        week.move_to(datetime.datetime(2026, 10, 6, 17, tzinfo=datetime.UTC))
        record_attendance(
            agent=old, day=datetime.date(2026, 10, 6), entry=Entry(absent=True), expected_version=None, by=tl1
        )
        week.move_to(datetime.datetime(2026, 11, 25, 17, tzinfo=datetime.UTC))
        record_attendance(
            agent=agent1, day=WEDNESDAY, entry=Entry(absent=True), expected_version=None, by=tl1
        )
        client, url = client_for(wfm1), reverse("attendance:wfm")

        def names(**query):
            response = client.get(url, query)
            assert response.status_code == 200
            return sorted(r.record.agent.first_name for r in response.context["table"].rows)

        assert names() == ["Alice"]  # the last two weeks unless a range is chosen
        assert names(start="2026-10-01", end="2026-11-30") == ["Alice", "Olga"]
        assert names(start="2026-10-01", end="2026-11-30", cohort=past.pk) == ["Olga"]
        assert names(day="2026-10-06") == ["Olga"]  # the digest's one-day link
        page = client.get(url, {"start": "2026-10-01", "end": "2026-11-30"}).content.decode()
        assert "Thu 1 Oct – Mon 30 Nov 2026 · all cohorts" in page and "October (completed)" in page
        export = client.get(url, {"start": "2026-10-01", "end": "2026-11-30", "_export": "csv"})
        assert "attendance-occurrences-2026-10-01-to-2026-11-30.csv" in export["Content-Disposition"]
        assert "Olga" in export.content.decode()

    @pytest.mark.parametrize(
        "query, field, message",
        [
            ({"start": "2026-13-01"}, "start", "Enter a valid date."),
            ({"start": "2026-11-25", "end": "2026-11-01"}, "end", "The range ends before it starts."),
            ({"start": "2024-01-01", "end": "2026-11-25"}, "end", "Choose at most 366 days."),
        ],
    )
    def test_a_bad_range_is_refused_beside_its_field(self, client_for, wfm1, week, query, field, message):
        response = client_for(wfm1).get(reverse("attendance:wfm"), query)
        assert response.status_code == 400
        html = response.content.decode()
        assert f'<div class="invalid-feedback d-block" id="id_{field}-error">{message}</div>' in html
        assert f'aria-describedby="id_{field}-error"' in html and "<table" not in html
