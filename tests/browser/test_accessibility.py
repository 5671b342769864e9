"""axe-core over the pages the week's test does not open, as the roles who use them."""

import datetime
import re

import pytest
import time_machine
from playwright.sync_api import expect

from attendance.accountability import issue_action
from attendance.models import CorrectiveLevel
from tests.browser.test_week import check
from tests.factories import AgentFactory, CohortFactory, UserFactory
from tickets.services import draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_other_main_pages_have_no_serious_violations(seeded_rows, login, live_server, page):
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        tl1 = UserFactory(username="tl1", roles=["TL"])
        UserFactory(username="pm1", roles=["PM"])
        UserFactory(username="wfm1", roles=["WFM"])
        cohort = CohortFactory(name="ESP East", tl=tl1, start_date=datetime.date(2026, 11, 23))
        agent = AgentFactory(cohort=cohort, first_name="Ana", last_name="Archer")
        cap = issue_action(
            agent=agent, level=CorrectiveLevel.objects.get(rank=1), date=datetime.date(2026, 11, 24),
            reasons="Late twice", expectations="On time", consequences="A Written CAP", by=tl1,
        )  # fmt: skip
        ticket = draft(type_code="carrier-ticket", agent=agent, values={}, source_key=None, by=tl1)

        page.goto(f"{live_server.url}/accounts/login/")
        check(page, "a11y-login")
        login("tl1")
        for name, path in [
            ("cohorts", "/cohorts/"),
            ("cohort", f"/cohorts/{cohort.pk}/"),
            ("matrix", f"/attendance/cohorts/{cohort.pk}/matrix/"),
            ("agent-attendance", f"/attendance/agents/{agent.pk}/"),
            ("cap", f"/attendance/caps/{cap.pk}/"),
            ("cap-form", f"/attendance/agents/{agent.pk}/caps/new/"),
            ("ticket", f"/tickets/{ticket.pk}/"),
            ("login-report", f"/attendance/cohorts/{cohort.pk}/timekeeping/"),
            ("roster-import", f"/cohorts/{cohort.pk}/roster/import/"),
            ("agent-form", f"/cohorts/agents/{agent.pk}/edit/"),
        ]:
            page.goto(f"{live_server.url}{path}")
            expect(page.locator("main")).to_be_visible()
            check(page, f"a11y-{name}")
        page.get_by_role("button", name=re.compile("First")).click()
        page.get_by_role("button", name="Log out").click()
        login("wfm1")
        page.goto(f"{live_server.url}/attendance/wfm/")
        check(page, "a11y-wfm")
