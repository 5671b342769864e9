"""The Google Meet report in Chromium, as a TL brings it in: from the roll call to the upload,
the preview (an unknown address matched, a time away confirmed, an entered time kept), the
import, and the roll call showing what was recorded. axe checks the upload and the preview."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from attendance.models import AttendanceGap, AttendanceRecord, MeetAlias
from attendance.services import Entry, record_attendance
from tests.browser.test_week import check
from tests.conftest import TUESDAY
from tests.factories import AgentFactory, CohortFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = """First name,Last name,Email,Duration,Time joined,Time exited
Ana,Alves,ana.home@mail.example,3 hr 29 min,9:01 AM,12:30 PM
Ana,Alves,ana.home@mail.example,4 hr 21 min,1:10 PM,5:31 PM
Ben,Brook,ben.brook@company.example,8 hr 5 min,9:25 AM,5:30 PM
Cy,Cole,cy.cole@company.example,8 hr 30 min,9:00 AM,5:30 PM
"""


@pytest.fixture
def cohort(seeded_rows):
    tl1 = UserFactory(username="tl1", first_name="Tara", last_name="Lopez", roles=["TL"])
    cohort = CohortFactory(name="ESP East", tl=tl1, start_date=datetime.date(2026, 11, 23))
    for first, last in (("Ana", "Alves"), ("Ben", "Brook"), ("Cy", "Cole")):
        AgentFactory(
            cohort=cohort,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@company.example",
        )
    return cohort


def test_a_meet_report_from_upload_to_the_roll_call(cohort, login, live_server, page):
    ana, ben, cy = (cohort.agents.get(first_name=n) for n in ("Ana", "Ben", "Cy"))
    tl1 = cohort.tl
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        # Cy taken by hand, 09:00 to 17:30: the report agrees
        entered = Entry(arrival=datetime.time(9, 0), departure=datetime.time(17, 30))
        record_attendance(agent=cy, day=TUESDAY, entry=entered, expected_version=None, by=tl1)
        login("tl1")
        page.goto(f"{live_server.url}/attendance/cohorts/{cohort.pk}/roll-call/")
        page.get_by_role("link", name="Import Google Meet report").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Import the day's Google Meet report")
        page.get_by_label("Google Meet attendance report").set_input_files(
            files=[
                {
                    "name": "2026-11-24 09:00 ESP East - Attendance Report.csv",
                    "mimeType": "text/csv",
                    "buffer": REPORT.encode(),
                }
            ]
        )
        check(page, "meet-1-upload")
        page.get_by_role("button", name="Check the report").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("The Meet report of Tuesday 24 November")
        expect(page.locator("#unmatched-heading")).to_contain_text("Nobody is known by 1 address yet")
        expect(page.locator(f"#meet-{ben.pk}")).to_contain_text("Late")
        expect(page.locator(f"#meet-{cy.pk}")).to_contain_text("already so: nothing changes")
        check(page, "meet-2-preview")
        page.get_by_label("Who is Ana Alves").select_option(label=f"Ana Alves · {ana.employee_id}")
        page.get_by_role("button", name="Match and check again").click()

        expect(page.locator(f"#meet-{ana.pk}")).to_contain_text("09:01–12:30, 13:10–17:31")
        page.get_by_label("12:30–13:10: confirm").check()
        page.get_by_role("button", name="Import").click()

        expect(page.get_by_role("alert").first).to_contain_text(
            "2 days recorded, 0 updated, 1 already as the report says"
        )
        expect(page.get_by_label("Arrival, Ben Brook")).to_have_value("09:25")
        expect(page.locator(f"#row-{ben.pk} .occurrences")).to_contain_text("Late")

    arrivals = {
        r.agent.first_name: r.arrived_at.astimezone(cohort.tzinfo).strftime("%H:%M")
        for r in AttendanceRecord.objects.select_related("agent")
    }
    assert arrivals == {"Ana": "09:01", "Ben": "09:25", "Cy": "09:00"}
    assert MeetAlias.objects.get(address="ana.home@mail.example").agent == ana
    assert AttendanceGap.objects.get().record.agent == ana
