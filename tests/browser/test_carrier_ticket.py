"""The Carrier Ticket from the agent page in Chromium: the page is served from its cache, so the
form's one-draft token is made in the browser, a new one for each visit; marking every step and
posting makes the draft (the same token posted twice makes one: tests/tickets/test_tickets.py)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_week import check
from tests.factories import AgentFactory, CohortFactory, UserFactory
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_a_carrier_ticket_from_the_cached_agent_page_is_drafted_once(login, live_server, page, seeded_rows):
    tl = UserFactory(username="tl1", first_name="Tara", last_name="Lopez", roles=["TL"])
    agent = AgentFactory(cohort=CohortFactory(name="ESP East", tl=tl), first_name="Ana", last_name="Alves")
    login("tl1")
    url = f"{live_server.url}/cohorts/agents/{agent.pk}/"
    page.goto(url)
    page.goto(url)  # the second visit is served from the cache
    token = page.locator("input[name=token]")
    expect(token).to_have_value(UUID)
    first = token.input_value()
    page.reload()
    expect(token).to_have_value(UUID)
    assert token.input_value() != first  # each visit's form its own
    for radio in page.get_by_role("radio", name="Tried").all():
        radio.check()
    page.locator("#carrier_issue").fill("Portal says the exam voucher was used")
    check(page, "agent-carrier-form")
    page.get_by_role("button", name="Create Carrier Ticket").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carrier Ticket")
    (ticket,) = Ticket.objects.filter(ticket_type__code="carrier-ticket", agent=agent)
    assert UUID.match(ticket.source_key.removeprefix("playbook:"))
