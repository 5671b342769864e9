"""A CAP's life in Chromium, as the TL and then an ESP manager live it: handed over, a refusal to
sign tried without a witness (the error beside the field), recorded with one, the agent's appeal,
decided by the ESP manager; CAPs to sign empties. axe checks each page."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from attendance.accountability import issue_action
from attendance.models import CorrectiveAction, CorrectiveLevel
from tests.browser.test_week import check
from tests.factories import AgentFactory, CohortFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_written_cap_from_handing_over_to_the_appeal(login, live_server, page, seeded_rows):
    tl1 = UserFactory(username="tl1", first_name="Tara", last_name="Lopez", roles=["TL"])
    UserFactory(username="mgr1", first_name="Mo", last_name="Grant", roles=["ESP manager"])
    cohort = CohortFactory(name="ESP East", tl=tl1, start_date=datetime.date(2026, 11, 23))
    agent = AgentFactory(cohort=cohort, first_name="Ana", last_name="Alves")
    levels = {level.code: level for level in CorrectiveLevel.objects.all()}
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=datetime.UTC), tick=True):
        for code in ("coaching", "written"):
            action = issue_action(
                agent=agent, level=levels[code], date=datetime.date(2026, 11, 25), reasons="Late twice",
                expectations="On time", consequences="A Final CAP", by=tl1,
            )  # fmt: skip
        login("tl1")
        page.get_by_role("link", name="CAPs to sign").click()
        expect(page.get_by_role("row", name="Ana Alves")).to_contain_text("Issued: to be handed to the agent")
        check(page, "cap-1-awaiting")
        page.get_by_role("link", name="Ana Alves").click()
        page.get_by_role("button", name="Handed to the agent now").click()
        expect(page.locator("#life-heading")).to_contain_text(
            "Handed to the agent: waiting for the signature"
        )
        page.get_by_role("button", name="Record the refusal").click()  # no witness named
        expect(page.get_by_label("Witness")).to_be_focused()
        expect(page.locator("#id_refuse-witness-error")).to_have_text(
            "A refusal to sign needs a witness: name who saw it."
        )
        check(page, "cap-2-refusal-error")
        page.get_by_label("Witness").fill("Sam Shift")
        page.get_by_role("button", name="Record the refusal").click()
        expect(page.get_by_text("in the presence of the witness Sam Shift")).to_be_visible()
        page.locator("#id_appeal-text").fill("The bus strike made me late.")
        page.get_by_role("button", name="Record the appeal").click()
        expect(page.locator("#life-heading")).to_contain_text(
            "Appealed: waiting for an ESP manager's decision"
        )
        check(page, "cap-3-appealed")
        page.goto(f"{live_server.url}/attendance/caps/awaiting/")
        expect(page.get_by_text("Nothing is waiting")).to_be_visible()

        page.context.clear_cookies()
        login("mgr1")
        page.goto(f"{live_server.url}/attendance/caps/{action.pk}/")
        page.get_by_label("Outcome").select_option(label="Withdrawn")
        page.get_by_label("Why, as decided").fill("The strike was announced that morning.")
        page.get_by_role("button", name="Decide").click()
        expect(page.get_by_text("Withdrawn on appeal: it no longer counts on the ladder.")).to_be_visible()
        check(page, "cap-4-decided")

    action.refresh_from_db()
    assert (action.witness, action.appeal_outcome) == ("Sam Shift", CorrectiveAction.Outcome.WITHDRAWN)
    assert action.history.filter(history_change_reason__startswith="Appeal withdrawn").exists()
