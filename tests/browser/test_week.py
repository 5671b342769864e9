"""A small cohort's ESP day end to end in Chromium, as its users work it: the TL takes the roll
call with exceptions, writes notes, records a failed then a passed exam, uploads and verifies the
proof, submits the drafted tickets and closes the day; the PM sees the agent ready and moves them
to production; the new TL acknowledges the handoff; the end-of-day email and the WFM digest say
what they should. axe-core checks each main page; a screenshot of each is saved."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from certifications.models import Handoff
from certifications.services import review_proof, set_task_status, upload_proof
from cohorts.models import Agent, DaySignOff, Schedule
from desk.endofday import run_end_of_day_checks
from notifications.digest import send_attendance_digest
from tests.certifications.conftest import PNG
from tests.conftest import MONDAY, WEDNESDAY
from tests.factories import AgentFactory, CohortFactory, UserFactory
from tickets.models import Ticket
from tickets.services import submit_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"


def check(page, name: str) -> None:
    """No serious or critical accessibility violation, and a screenshot of the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    report = "; ".join(f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in bad)
    assert not bad, f"{name}: {report}"


@pytest.fixture
def cohort(seeded_rows):
    tl1 = UserFactory(
        username="tl1", first_name="Tara", last_name="Lopez", email="tl1@example.com", roles=["TL"]
    )
    UserFactory(username="tl3", first_name="Nina", last_name="Ortiz", email="tl3@example.com", roles=["TL"])
    pm1 = UserFactory(
        username="pm1", first_name="Priya", last_name="Mehta", email="pm1@example.com", roles=["PM"]
    )
    Schedule.objects.update(wfm_emails="wfm@example.com")
    cohort = CohortFactory(name="ESP East", tl=tl1, pm=pm1, start_date=MONDAY, time_zone="America/New_York")
    ana = AgentFactory(cohort=cohort, first_name="Ana", last_name="Ready")
    AgentFactory(cohort=cohort, first_name="Ben", last_name="Late")
    AgentFactory(cohort=cohort, first_name="Cy", last_name="Absent")
    from certifications.models import Task

    with time_machine.travel(datetime.datetime(2026, 11, 24, 15, tzinfo=datetime.UTC), tick=False):
        for agent in cohort.agents.all():  # the first two days' work, done before today
            for task in Task.objects.all():
                if task.code == "aetna" and agent == ana:
                    continue  # Ana's Aetna is today's work in the browser
                if task.code in ("call-cert", "rts") and agent != ana:
                    continue
                if task.requires_proof:
                    proof = upload_proof(
                        agent=agent,
                        task=task,
                        upload=SimpleUploadedFile(
                            "p.png", PNG + agent.employee_id.encode() + task.code.encode()
                        ),
                        by=tl1,
                    )
                    review_proof(proof=proof, verified=True, by=tl1)
                set_task_status(agent=agent, task=task, status="verified", expected_version=0, by=tl1)
        for ticket in Ticket.objects.filter(status="draft"):
            submit_ticket(ticket=ticket, data={"certifier": "Casey"}, by=tl1)
    return cohort


def test_an_esp_day_end_to_end(cohort, login, live_server, page):
    ana = cohort.agents.get(first_name="Ana")
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        # The TL's day board.
        login("tl1")
        expect(page).to_have_url(re.compile(r"/cohorts/board/$"))
        expect(page.get_by_text("day 3 of 5")).to_be_visible()
        check(page, "1-day-board")

        # Roll call: everyone present, then Ben late and Cy absent.
        page.get_by_role("link", name="Roll call").click()
        page.get_by_role("button", name=re.compile("Mark all present")).click()
        expect(page.locator("#roll-call .badge", has_text="present")).to_have_count(3)
        # The rows show before htmx, loaded last, listens to them: a change typed in between would
        # be lost. Wait for the reloaded page to finish loading (as after every full reload here).
        page.wait_for_load_state("load")
        # Wait for each row's own answer (its occurrence badge and "Saved"), not for text the page
        # already holds (the names and labels contain "Late" and "Absent all day").
        ben, cy = (cohort.agents.get(first_name=n) for n in ("Ben", "Cy"))
        page.get_by_label("Arrival, Ben Late").fill("09:45")
        page.get_by_label("Arrival, Ben Late").press("Tab")  # a change saves the row
        expect(page.locator(f"#row-{ben.pk} .occurrences")).to_contain_text("Late")
        expect(page.locator(f"#row-{ben.pk} [role=status]")).to_contain_text("Saved")
        page.get_by_label("Absent all day, Cy Absent").check()
        expect(page.locator(f"#row-{cy.pk} .occurrences")).to_contain_text("Absent")
        expect(page.locator(f"#row-{cy.pk} [role=status]")).to_contain_text("Saved")
        check(page, "2-roll-call")

        # Today's notes in the tracker.
        page.goto(f"{live_server.url}/tracker/cohorts/{cohort.pk}/")
        for name, text in (
            ("Ana Ready", "Finished Aetna."),
            ("Ben Late", "Late: traffic."),
            ("Cy Absent", "Called in sick."),
        ):
            box = page.get_by_label(f"Note for Wed 25 Nov, {name}")
            box.fill(text)
            box.press("Tab")
            first, last = name.split()
            agent = cohort.agents.get(first_name=first, last_name=last)
            expect(page.locator(f"#note-{agent.pk} [role=status]")).to_contain_text("Saved")
        check(page, "3-tracker")

        # Ana: a failed then a passed Aetna exam, the proof, and the cell verified.
        page.goto(f"{live_server.url}{ana.get_absolute_url()}")
        attempt = page.locator("form[action$='/attempts/']")
        for score, result in (("62", "Failed"), ("88", "Passed")):
            attempt.get_by_label("Exam").select_option(label="Aetna")
            attempt.get_by_label("Score").fill(score)
            attempt.get_by_label("Result").select_option(label=result)
            attempt.get_by_role("button", name="Record attempt").click()
            expect(page.get_by_role("alert").first).to_contain_text(
                f"Aetna attempt recorded: {result.lower()}"
            )
            attempt = page.locator("form[action$='/attempts/']")
        upload = page.locator("form[action$='/proofs/']")
        upload.get_by_label("Certification").select_option(label="Aetna")
        upload.get_by_label("Screenshot or PDF").set_input_files(
            files=[{"name": "aetna.png", "mimeType": "image/png", "buffer": PNG + b"aetna-ana"}]
        )
        upload.get_by_role("button", name="Upload proof").click()
        page.get_by_role("button", name="Verify").click()
        # Verify reloads the page: wait for what it then says before touching the tracker cell.
        expect(page.get_by_role("alert").first).to_contain_text("Aetna proof verified")
        page.wait_for_load_state("load")
        page.get_by_label("Aetna, Ana Ready").select_option("verified")
        expect(page.locator("td[id^='cell-']").filter(has_text="Saved")).to_have_count(1)
        check(page, "4-agent")

        # Submit every drafted ticket (the failed exam, the completion, the proof form).
        page.goto(f"{live_server.url}/tickets/cohorts/{cohort.pk}/?day=")
        check(page, "5-tickets")
        for _ in range(3):
            page.get_by_role("cell", name="Draft").first.locator("xpath=..").get_by_role("link").first.click()
            page.get_by_role("button", name="Submit").click()
            expect(page.get_by_role("alert").first).to_contain_text("Submitted")
            page.goto(f"{live_server.url}/tickets/cohorts/{cohort.pk}/?day=")
        expect(page.locator("#unsubmitted")).to_contain_text("Every ticket is submitted")

        # The checklist is green: close the day.
        page.goto(f"{live_server.url}/cohorts/board/")
        page.get_by_role("button", name="Close the day").click()
        expect(page.get_by_text("Day closed by Tara Lopez")).to_be_visible()
        assert DaySignOff.objects.filter(cohort=cohort, day=WEDNESDAY).exists()

        # The PM sees Ana ready, moves her to production and hands her to Nina.
        page.get_by_role("button", name=re.compile("Tara Lopez")).click()
        page.get_by_role("button", name="Log out").click()
        login("pm1")
        expect(page.locator("#ready-list")).to_contain_text("Ana Ready")
        check(page, "6-dashboard")
        page.locator("#ready-list").get_by_role("link", name="Ana Ready").click()
        page.get_by_label("Production team lead").select_option(label="Nina Ortiz")
        page.get_by_role("button", name="Move to production").click()
        expect(page.get_by_role("heading", name=re.compile("Handoff: Ana Ready"))).to_be_visible()
        check(page, "7-handoff")

        # Nina acknowledges the handoff.
        page.get_by_role("button", name=re.compile("Priya Mehta")).click()
        page.get_by_role("button", name="Log out").click()
        login("tl3")
        page.goto(f"{live_server.url}/tracker/agents/{ana.pk}/handoff/")
        expect(page.get_by_text("Ben")).to_have_count(0)
        page.get_by_role("button", name=re.compile("I have read this")).click()
        expect(page.get_by_text("who acknowledged this handoff")).to_be_visible()

    ana.refresh_from_db()
    assert ana.status == Agent.Status.IN_PRODUCTION and Handoff.objects.get(agent=ana).acknowledged_at

    # The day's end-of-day email and the WFM digest.
    mail.outbox.clear()
    evening = datetime.datetime(2026, 11, 26, 4, 30, tzinfo=datetime.UTC)  # 23:30 in New York
    run_end_of_day_checks(now=evening)
    send_attendance_digest(now=evening)
    by_subject = {m.subject: m for m in mail.outbox}
    summary = by_subject["End of day Wed 25 Nov: ESP East, 0 items"]
    assert summary.to == ["tl1@example.com"] and "Everything is in" in summary.body
    digest = by_subject["Attendance occurrences Wed 25 Nov 2026"]
    assert digest.to == ["wfm@example.com"]
    assert "Ben Late" in digest.body and "Late" in digest.body and "Cy Absent" in digest.body
    assert "Ana Ready" not in digest.body


def test_the_roll_call_works_from_the_keyboard_alone(cohort, login, live_server, page):
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("tl1")
        page.goto(f"{live_server.url}/attendance/cohorts/{cohort.pk}/roll-call/")
        button = page.get_by_role("button", name=re.compile("Mark all present"))
        button.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#roll-call .badge", has_text="present")).to_have_count(3)
        page.wait_for_load_state("load")
        page.get_by_label("Arrival, Ben Late").focus()
        page.keyboard.type("1030A")  # Chromium's time field: hours, minutes, AM/PM
        page.keyboard.press("Tab")
        ben = cohort.agents.get(first_name="Ben")
        expect(page.locator(f"#row-{ben.pk} .occurrences")).to_contain_text("Late")
        expect(page.locator(f"#row-{ben.pk} [role=status]")).to_contain_text("Saved")
        # On to Ben's "Absent all day" box by Tab alone (Chromium's time fields take a Tab for each
        # of their parts): a few presses, then Space.
        page.get_by_label("Arrival, Ben Late").focus()  # the saved row was swapped in: back to it
        absent_box = page.get_by_label("Absent all day, Ben Late")
        presses = 0
        while presses < 12 and not absent_box.evaluate("box => box === document.activeElement"):
            page.keyboard.press("Tab")
            presses += 1
        assert absent_box.evaluate("box => box === document.activeElement"), "Tab never reached the box"
        assert presses <= 8, presses  # today: two for the rest of Arrival, the rest for Departure
        page.keyboard.press("Space")
        expect(page.locator(f"#row-{ben.pk} .occurrences")).to_contain_text("Absent")
