"""The cohort bar on every cohort page (issue: the TL's workspace, point 1): any page to any
other in one click, each with its open count, the same figures as the board's checklist."""

import datetime
import re

import pytest
from django.urls import reverse

from attendance.services import Entry, record_attendance
from desk.endofday import carry_over_agent
from tests.conftest import WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def pages(cohort):
    return {
        "today": reverse("desk:cohort", args=[cohort.pk]),
        "roll_call": reverse("attendance:roll_call", args=[cohort.pk]),
        "tracker": reverse("certifications:tracker", args=[cohort.pk]),
        "tickets": reverse("tickets:list", args=[cohort.pk]),
        "attendance": reverse("attendance:matrix", args=[cohort.pk]),
    }


def bar(html: str) -> str:
    return re.search(r'<nav class="cohort-bar.*?</nav>', html, re.S).group(0)


def test_every_cohort_page_reaches_every_other_in_one_click(client_for, tl1, cohort1, week):
    client, urls = client_for(tl1), pages(cohort1)
    for name, url in urls.items():
        nav = bar(client.get(url).content.decode())
        for other in urls.values():
            assert f'href="{other}' in nav, (name, other)
        current = re.findall(r'href="([^"]+)" aria-current="page"', nav)
        assert current == [url], name


def counted_bar(client, cohort, current="tracker") -> str:
    response = client.get(reverse("desk:cohort_bar", args=[cohort.pk, current]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_asks_for_the_counts_after_it_loads_and_after_each_save(client_for, tl1, cohort1, week):
    nav = bar(client_for(tl1).get(reverse("certifications:tracker", args=[cohort1.pk])).content.decode())
    url = reverse("desk:cohort_bar", args=[cohort1.pk, "tracker"])
    assert f'hx-get="{url}" hx-trigger="load, esp:saved from:body"' in nav
    assert "badge" not in nav  # the page itself runs no query for them
    counted = counted_bar(client_for(tl1), cohort1)
    assert 'hx-trigger="esp:saved from:body"' in counted and 'aria-current="page"' in counted


def test_the_counts_are_the_boards_and_follow_each_save(client_for, tl1, cohort1, tasks, week):
    first, *_ = AgentFactory.create_batch(3, cohort=cohort1)
    client = client_for(tl1)
    nav = counted_bar(client, cohort1)
    assert '>3<span class="visually-hidden"> not recorded' in nav
    assert '>3<span class="visually-hidden"> missing' in nav  # nobody's note yet
    board = client.get(reverse("desk:board")).content.decode()
    assert "3 not recorded" in board  # the same figure as the board's checklist
    record_attendance(
        agent=first, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9)), expected_version=None, by=tl1
    )
    assert '>2<span class="visually-hidden"> not recorded' in counted_bar(client, cohort1)


def test_an_unknown_page_or_another_tls_cohort_is_404(client_for, tl1, tl2, cohort1, week):
    assert client_for(tl1).get(reverse("desk:cohort_bar", args=[cohort1.pk, "nothing"])).status_code == 404
    assert client_for(tl2).get(reverse("desk:cohort_bar", args=[cohort1.pk, "tracker"])).status_code == 404


def test_readers_see_only_the_pages_they_may_open(client_for, mgr1, cohort1, week):
    nav = bar(client_for(mgr1).get(reverse("desk:cohort", args=[cohort1.pk])).content.decode())
    assert reverse("attendance:roll_call", args=[cohort1.pk]) not in nav  # ESP managers do not edit
    assert reverse("certifications:tracker", args=[cohort1.pk]) in nav


def test_the_day_closes_from_the_bar_once_nothing_is_open(client_for, tl1, agent1, tasks, week):
    client, cohort = client_for(tl1), agent1.cohort
    assert "Close the day once the badges above are gone." in counted_bar(client, cohort)
    record_attendance(
        agent=agent1, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9)), expected_version=None, by=tl1
    )
    carry_over_agent(agent=agent1, day=WEDNESDAY, reason="Waiting for the laptop", by=tl1)
    nav = counted_bar(client, cohort)
    tracker = reverse("certifications:tracker", args=[cohort.pk])
    assert f'<input type="hidden" name="next" value="{tracker}">' in nav and "Close the day</button>" in nav
    response = client.post(reverse("desk:close_day", args=[cohort.pk]), {"next": tracker})
    assert response.status_code == 302 and response.url == tracker  # back where the TL was
    assert "Today is closed." in counted_bar(client, cohort)
    elsewhere = client.post(reverse("desk:close_day", args=[cohort.pk]), {"next": "https://evil.example/"})
    assert elsewhere.url == reverse("desk:board")


def card(client, cohort) -> str:
    response = client.get(reverse("desk:board_card", args=[cohort.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_board_card_is_the_boards_own_and_follows_each_save(client_for, tl1, cohort1, tasks, week):
    """The card the board asks for again after a save elsewhere is the one the board shows."""
    first, *_ = AgentFactory.create_batch(3, cohort=cohort1)
    client = client_for(tl1)
    board = client.get(reverse("desk:board")).content.decode()
    url = reverse("desk:board_card", args=[cohort1.pk])
    shown = re.search(rf'<div id="board-card-{cohort1.pk}".*?\n</div>', board, re.S).group(0)
    assert f'hx-get="{url}" hx-trigger="esp:saved-elsewhere from:body"' in shown
    assert card(client, cohort1).strip() == shown.strip()
    assert "3 not recorded" in shown
    record_attendance(
        agent=first, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9)), expected_version=None, by=tl1
    )
    assert "2 not recorded" in card(client, cohort1)


def test_a_board_card_is_only_for_the_tl_who_leads_the_cohort(client_for, tl2, pm1, cohort1, week):
    for user in (tl2, pm1):
        assert client_for(user).get(reverse("desk:board_card", args=[cohort1.pk])).status_code == 404
    assert client_for(tl2).post(reverse("desk:board_card", args=[cohort1.pk])).status_code == 405
