"""The settings pages in Chromium, as an ESP admin (staff, not a superuser) uses them: from the
navigation to the schedule, a bad address refused beside its field, then saved; axe on each."""

import pytest
from playwright.sync_api import expect

from cohorts.models import Cohort, Schedule
from tests.browser.test_week import check
from tests.factories import CohortFactory, UserFactory

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
