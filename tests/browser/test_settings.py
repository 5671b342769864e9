"""The settings pages in Chromium, as an ESP admin (staff, not a superuser) uses them: from the
navigation to the schedule, a bad address refused beside its field, then saved; axe on each."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from attendance.models import AttendanceRecord, EscalationRule
from attendance.services import Entry, mark_reported, occurrences_for_wfm, record_attendance
from cohorts.models import Cohort, Schedule
from tests.browser.test_week import check
from tests.conftest import MONDAY, TUESDAY
from tests.factories import AgentFactory, CohortFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_the_wfm_addresses(login, live_server, page, seeded_rows):
    UserFactory(username="espadmin", first_name="Ada", last_name="Admin", is_staff=True)
    login("espadmin")
    page.get_by_role("link", name="Settings").click()
    check(page, "settings-index")
    page.get_by_role("link", name="Schedule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule")
    addresses = page.get_by_label("WFM addresses")
    addresses.fill("wfm@example.com\nwfm-lead@")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.locator("#id_wfm_emails")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Not an email address: “wfm-lead@”.")).to_be_visible()
    check(page, "settings-schedule-error")
    page.get_by_label("WFM addresses").fill("wfm@example.com\nwfm-lead@example.com")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_role("alert").first).to_contain_text("The schedule is saved")
    check(page, "settings-schedule")
    assert Schedule.current().wfm_addresses == ["wfm@example.com", "wfm-lead@example.com"]


def test_an_admin_invites_a_tl_and_hands_a_cohort_over(login, live_server, page, seeded_rows):
    UserFactory(username="espadmin", first_name="Ada", last_name="Admin", is_staff=True)
    east = CohortFactory(name="ESP East")
    login("espadmin")
    page.goto(f"{live_server.url}/settings/people/")
    check(page, "settings-people")
    page.get_by_role("link", name="New person").click()
    page.get_by_label("First name").fill("Tia")
    page.get_by_label("Last name").fill("Lane")
    page.get_by_label("Username").fill("tlane")
    page.get_by_label("Email address").fill("tia.lane@example.com")
    page.get_by_label("TL", exact=True).check()
    page.get_by_label("Cohorts led (TL)").select_option(label="ESP East")
    check(page, "settings-person-new")
    page.get_by_role("button", name="Create and invite").click()
    expect(page.get_by_role("alert").first).to_contain_text("Tia Lane is invited")
    expect(page.locator("#history-heading + table")).to_contain_text("Leads ESP East")
    check(page, "settings-person")
    assert Cohort.objects.get(pk=east.pk).tl.username == "tlane"


def test_an_admin_previews_publishes_and_applies_a_lower_late_threshold(
    login, live_server, page, seeded_rows
):
    """Two agents' week: Ana 8 minutes late Monday and 7 Tuesday, Ben 12 late Monday (late already),
    WFM told of all. A 5-minute threshold: the preview says 2 records change and 1 recommendation
    appears; publishing changes nothing; reclassifying the week lists exactly Ana's two days, and
    the next digest's corrections are those two and no others."""
    tl1 = UserFactory(username="tl1", roles=["TL"])
    UserFactory(username="espadmin", first_name="Ada", last_name="Admin", is_staff=True)
    cohort = CohortFactory(name="ESP East", tl=tl1, start_date=MONDAY)
    ana = AgentFactory(cohort=cohort, first_name="Ana", last_name="Alves")
    ben = AgentFactory(cohort=cohort, first_name="Ben", last_name="Brook")
    EscalationRule.objects.exclude(name="Late or left early in the ESP week").update(active=False)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        made = [
            record_attendance(
                agent=a, day=d, entry=Entry(arrival=datetime.time(9, m)), expected_version=None, by=tl1
            )
            for a, d, m in ((ana, MONDAY, 8), (ana, TUESDAY, 7), (ben, MONDAY, 12))
        ]
        mark_reported(made, at=made[-1].updated_at)
        login("espadmin")
        page.goto(f"{live_server.url}/settings/")
        page.get_by_role("link", name="Attendance policy The late").click()
        page.get_by_label("Late / early threshold (minutes)").fill("5")
        page.get_by_label("In force from").fill("2026-11-23")
        page.get_by_label("Preview from").fill("2026-11-23")
        page.get_by_label("Preview to").fill("2026-11-25")
        page.get_by_role("button", name="Preview over these days").click()
        expect(page.locator("#preview-changed")).to_have_text("2")
        expect(page.locator("#preview-appear")).to_have_text("1")
        expect(page.locator("#preview-corrections")).to_have_text("2")
        check(page, "settings-policy-preview")
        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_role("alert").first).to_contain_text("No past record changed")
        assert [r.occurrences for r in AttendanceRecord.objects.filter(agent=ana).order_by("day")] == [[], []]

        page.goto(f"{live_server.url}/attendance/reclassify/")
        page.get_by_label("First day").fill("2026-11-23")
        page.get_by_label("Last day").fill("2026-11-27")
        page.get_by_label("Reason").fill("Late from 5 minutes")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#changes tbody tr")).to_have_count(2)
        expect(page.locator("#changes")).not_to_contain_text("Ben Brook")
        page.get_by_role("button", name="Reclassify these 2 records").click()
        expect(page.locator("#changes-heading")).to_have_text("Reclassified: 2 of 3 records changed class")
        check(page, "settings-reclassified")

        (report,) = occurrences_for_wfm(datetime.date(2026, 11, 25))
    assert sorted(r.pk for r in report.corrected) == sorted(r.pk for r in made[:2])


def test_an_admin_reads_who_a_rules_next_version_would_recommend(login, live_server, page, seeded_rows):
    UserFactory(username="espadmin", first_name="Ada", last_name="Admin", is_staff=True)
    login("espadmin")
    page.goto(f"{live_server.url}/settings/rules/")
    check(page, "settings-rules")
    page.get_by_role("link", name="Late or left early in the ESP week").click()
    page.get_by_label("Threshold").fill("1")
    page.get_by_role("button", name="Who would be recommended today").click()
    expect(page.locator("#rule-appear")).to_have_text("0")  # nobody is in ESP here
    check(page, "settings-rule-preview")


def test_an_admin_adds_a_choice_to_a_ticket_form_and_sees_it_as_the_tl_will(
    login, live_server, page, seeded_rows
):
    UserFactory(username="espadmin", first_name="Ada", last_name="Admin", is_staff=True)
    login("espadmin")
    page.goto(f"{live_server.url}/settings/ticket-forms/")
    check(page, "settings-ticket-forms")
    page.locator("tbody a").first.click()
    page.get_by_label("Label, new field").fill("Carrier")
    page.get_by_label("Name, new field").fill("carrier_choice")
    page.get_by_label("Kind, new field").select_option(label="Choice from a list")
    page.get_by_role("button", name="Save the form").click()
    expect(page.get_by_text("A choice from a list needs its options: one per line.")).to_be_visible()
    page.get_by_label("Options, new field").fill("Aetna\nHumana")
    page.get_by_role("button", name="Save the form").click()
    expect(page.get_by_role("alert").first).to_contain_text("is saved")
    expect(page.locator("#preview_carrier_choice option")).to_have_count(3)  # —, Aetna, Humana
    check(page, "settings-ticket-form")


def test_the_ladder_and_a_playbook_from_the_settings(login, live_server, page, seeded_rows):
    UserFactory(username="espadmin", first_name="Ada", last_name="Admin", is_staff=True)
    login("espadmin")
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="The ladder Coaching and CAP steps").click()
    page.get_by_label("Written response window (hours), step 2").fill("48")
    page.get_by_role("button", name="Save the ladder").click()
    expect(page.get_by_role("alert").first).to_contain_text("The ladder is saved")
    check(page, "settings-ladder")
    page.goto(f"{live_server.url}/settings/playbooks/")
    page.locator("tbody a").first.click()
    expect(page.locator("#playbook-steps li").first).to_be_visible()
    check(page, "settings-playbook")


def test_an_admin_publishes_task_terms_and_moves_a_running_cohort(login, live_server, page, seeded_rows):
    """A lower Aetna attempt limit for cohorts from tomorrow: previewed, published; the running
    cohort keeps 3 until the admin moves it, after reading what changes for its agent."""
    UserFactory(username="espadmin", first_name="Ada", last_name="Admin", is_staff=True)
    east = CohortFactory(name="ESP East", start_date=MONDAY)
    AgentFactory(cohort=east, first_name="Ana", last_name="Alves")
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        login("espadmin")
        page.get_by_role("link", name="Settings").click()
        page.get_by_role("link", name="Tasks: due days and attempt limits").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tasks: due days and attempt limits")
        check(page, "settings-tasks")
        page.get_by_label("Aetna: failed attempts allowed").fill("2")
        page.get_by_label("Why").fill("Guide 2027")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#preview-changed")).to_contain_text("Aetna: failed attempts allowed 3 → 2")
        check(page, "settings-tasks-preview")
        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_role("alert").first).to_contain_text("Version 2 is published")
        row = page.get_by_role("row", name="ESP East")
        expect(row).to_contain_text("Version 1")
        row.get_by_role("link", name="Move ESP East…").click()
        page.get_by_label("Hold the cohort to").select_option(label="Version 2, from Thu 26 Nov 2026")
        page.get_by_label("Reason").fill("The new guide applies at once")
        page.get_by_role("button", name="Preview what changes").click()
        expect(page.locator("#preview-count")).to_have_text("1")  # Ana's Aetna: 2 attempts, not 3
        expect(page.get_by_role("row", name="Ana Alves")).to_contain_text("0 of 2 failed attempts")
        check(page, "settings-cohort-terms")
        page.get_by_role("button", name="Move ESP East to version 2").click()
        expect(page.get_by_role("alert").first).to_contain_text("ESP East is held to version 2")
        expect(page.get_by_role("row", name="ESP East")).to_contain_text("Version 2 (moved by an admin")
    assert Cohort.objects.get(pk=east.pk).task_terms_day == datetime.date(2026, 11, 26)
