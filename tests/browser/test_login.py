import re

import pytest
from playwright.sync_api import expect

from tests.factories import AgentFactory, CohortFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tl1_logs_in_and_sees_their_cohort_not_tl2s(login, live_server, tmp_path):
    tl1 = UserFactory(username="tl1", roles=["TL"])
    tl2 = UserFactory(username="tl2", roles=["TL"])
    east = CohortFactory(name="ESP East", tl=tl1)
    CohortFactory(name="ESP West", tl=tl2)
    AgentFactory(cohort=east, first_name="Alice", last_name="Archer")

    page = login("tl1")
    expect(page).to_have_url(re.compile(r"/cohorts/board/$"))
    expect(page.get_by_role("link", name="ESP East")).to_be_visible()
    expect(page.get_by_text("ESP West")).to_have_count(0)

    page.get_by_role("link", name="ESP East").click()
    expect(page.get_by_role("heading", name=re.compile("ESP East"))).to_be_visible()
    expect(page.get_by_role("link", name="Alice Archer")).to_be_visible()
    page.screenshot(path=str(tmp_path / "cohort.png"), full_page=True)
