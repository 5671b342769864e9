import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from attendance.models import AttendanceRecord, Occurrence
from tests.conftest import MONDAY
from tests.factories import AgentFactory, CohortFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Counter:
    """Counts the clicks and key entries a test makes, as a TL would count them."""

    def __init__(self):
        self.count = 0

    def __call__(self, action, *args, **kwargs):
        self.count += 1
        return action(*args, **kwargs)


def test_a_tl_takes_a_25_agent_roll_call_with_3_exceptions_in_few_interactions(login, live_server, tmp_path):
    tl1 = UserFactory(username="tl1", roles=["TL"])
    cohort = CohortFactory(name="ESP East", tl=tl1, start_date=MONDAY, time_zone="America/New_York")
    agents = [AgentFactory(cohort=cohort, first_name=f"Agent{n:02d}", last_name="Roll") for n in range(1, 26)]
    late, absent, left = agents[2], agents[6], agents[11]

    # Wednesday 10:00 in New York.
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, 0, tzinfo=datetime.UTC), tick=True):
        page = login("tl1")
        page.goto(f"{live_server.url}/attendance/cohorts/{cohort.pk}/roll-call/")
        expect(page.get_by_role("heading", name="Roll call: day 3, Wednesday 25 November")).to_be_visible()

        act = Counter()
        act(page.get_by_role("button", name="Mark all present (25 not taken)").click)
        expect(page.locator("#roll-call tbody .badge", has_text="present")).to_have_count(25)
        # The rows show before htmx (deferred, loaded last) listens to them: a change made in
        # between is lost. Wait for the reloaded page to finish loading, as a user's next step does.
        page.wait_for_load_state("load")

        act(page.get_by_label("Arrival, Agent03 Roll").fill, "13:05")
        expect(page.locator(f"#row-{late.pk} .occurrences")).to_contain_text("Late, partial day")

        act(page.get_by_label("Absent all day, Agent07 Roll").check)
        expect(page.locator(f"#row-{absent.pk} .occurrences")).to_contain_text("Absent all day")

        act(page.get_by_label("Departure, Agent12 Roll").fill, "17:00")
        expect(page.locator(f"#row-{left.pk} .occurrences")).to_contain_text("Left early")
        page.screenshot(path=str(tmp_path / "roll-call.png"), full_page=True)

    assert act.count <= 10
    records = {r.agent_id: r for r in AttendanceRecord.objects.filter(cohort=cohort)}
    assert len(records) == 25
    assert records[late.pk].arrival_occurrence == Occurrence.LATE_PARTIAL
    assert records[absent.pk].occurrences == [Occurrence.ABSENT]
    assert records[left.pk].departure_occurrence == Occurrence.LEFT_EARLY
    assert sum(1 for r in records.values() if r.occurrences) == 3
