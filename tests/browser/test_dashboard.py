"""The PM dashboard's charts in Chromium: drawn, readable (text at 12 px or more as rendered),
each with its text alternative as assistive technology reads it, and no serious axe finding."""

import datetime
import re

import pytest
import time_machine
from playwright.sync_api import expect

from attendance.services import Entry, record_attendance
from certifications.models import Task
from certifications.services import set_task_status
from tests.browser.test_week import check
from tests.conftest import MONDAY, TUESDAY
from tests.factories import AgentFactory, CohortFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_charts_render_with_their_text_alternatives(seeded_rows, login, live_server, page):
    tl1 = UserFactory(username="tl1", first_name="Tara", last_name="Lopez", roles=["TL"])
    pm1 = UserFactory(username="pm1", first_name="Priya", last_name="Mehta", roles=["PM"])
    cohort = CohortFactory(name="ESP East", tl=tl1, pm=pm1, start_date=MONDAY, time_zone="America/New_York")
    agents = AgentFactory.create_batch(4, cohort=cohort)
    equipment = Task.objects.get(code="equipment")
    with time_machine.travel(datetime.datetime.combine(MONDAY, datetime.time(19), datetime.UTC), tick=False):
        for agent in agents[:3]:
            set_task_status(agent=agent, task=equipment, status="verified", expected_version=0, by=tl1)
    with time_machine.travel(datetime.datetime.combine(TUESDAY, datetime.time(19), datetime.UTC), tick=False):
        record_attendance(
            agent=agents[0], day=TUESDAY, entry=Entry(absent=True), expected_version=None, by=tl1
        )

    with time_machine.travel(datetime.datetime(2026, 11, 25, 17, tzinfo=datetime.UTC), tick=True):
        login("pm1")
        expect(page).to_have_url(re.compile(r"/cohorts/dashboard/$"))
        done_by_day = page.get_by_role(
            "img", name=re.compile("ESP East: task cells done by day against the pace")
        )
        expect(done_by_day).to_be_visible()
        # Its description says every figure: 3 of 24 cells done on Monday (12.5%, half to even).
        expect(done_by_day).to_have_accessible_description(
            re.compile(r"^Day 1 · Mon 23 Nov: 12% done, pace 17%;")
        )
        expect(
            page.get_by_role("img", name=re.compile("ESP East: tasks done against today's pace"))
        ).to_have_accessible_description(re.compile("Equipment 75% done, due day 1, should be done by today"))
        expect(
            page.get_by_role("img", name=re.compile("ESP East: occurrences per day"))
        ).to_have_accessible_description(re.compile("Day 2 · Tue 24 Nov: 1 absent"))
        charts = page.locator("svg.chart")
        expect(charts).to_have_count(3)
        # Every label as drawn on the screen: at least 12 px tall, and drawn (not zero-sized).
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('svg.chart text')].map(t => {
                const box = t.getBoundingClientRect();
                return [t.textContent, parseFloat(getComputedStyle(t).fontSize), box.width > 0];
            })"""
        )
        assert sizes and all(size >= 12 and shown for _, size, shown in sizes), sizes
        check(page, "dashboard-charts")
        page.get_by_role("link", name="ESP East").first.click()
        expect(page).to_have_url(re.compile(rf"/cohorts/{cohort.pk}/$"))
