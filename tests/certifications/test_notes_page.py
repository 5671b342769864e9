"""The Notes page: every agent's note for an ESP day, each in its own editor, on a page of its own
(the tracker's Notes column, which saves through the same view with its version)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certifications.services import save_note
from cohorts.models import Agent
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
MONDAY, WEDNESDAY = datetime.date(2026, 11, 23), datetime.date(2026, 11, 25)


def notes_url(cohort, day=None):
    return reverse("certifications:notes", args=[cohort.pk]) + (f"?day={day.isoformat()}" if day else "")


@pytest.mark.parametrize(
    "who, status",
    [("tl1", 200), ("pm1", 200), ("mgr1", 200), ("tl2", 404), ("pm2", 404), ("wfm1", 404)],
)
def test_access(request, client_for, who, status, cohort1, week):
    assert client_for(request.getfixturevalue(who)).get(notes_url(cohort1)).status_code == status


def test_anonymous_is_sent_to_login(client_for, cohort1, week):
    assert client_for(None).get(notes_url(cohort1)).status_code == 302


def test_todays_notes_with_the_missing_ones_counted(client_for, tl1, cohort1, week):
    ana, ben, cy = (
        AgentFactory(cohort=cohort1, first_name=n, last_name="Agent") for n in ("Ana", "Ben", "Cy")
    )
    AgentFactory(cohort=cohort1, first_name="Dee", last_name="Agent", status=Agent.Status.WITHDRAWN)
    save_note(agent=ana, day=WEDNESDAY, text="Shadowed <b>four</b> calls.", by=tl1, expected_version=0)
    save_note(agent=ben, day=MONDAY, text="Monday only.", by=tl1, expected_version=0)

    html = client_for(tl1).get(notes_url(cohort1)).content.decode()
    assert "Notes: day 3, Wednesday 25 November" in html
    assert "Shadowed &lt;b&gt;four&lt;/b&gt; calls." in html  # escaped, in Ana's editor
    assert "Monday only." not in html  # another day's
    assert "2 agents still without a note for this day." in html  # Ben and Cy; Dee has left ESP
    assert f'id="n{cy.pk}-text"' in html and f'hx-post="/tracker/agents/{cy.pk}/notes/2026-11-25/"' in html


def test_a_past_day_and_only_days_that_have_come(client_for, tl1, cohort1, week):
    ben = AgentFactory(cohort=cohort1, first_name="Ben", last_name="Agent")
    save_note(agent=ben, day=MONDAY, text="Monday only.", by=tl1, expected_version=0)
    client = client_for(tl1)
    html = client.get(notes_url(cohort1, MONDAY)).content.decode()
    assert "Notes: day 1, Monday 23 November" in html and "Monday only." in html
    assert f'hx-post="/tracker/agents/{ben.pk}/notes/2026-11-23/"' in html
    future = client.get(notes_url(cohort1, datetime.date(2026, 11, 27))).content.decode()
    assert "day 3, Wednesday 25 November" in future  # a day still to come shows today's


def test_a_day_between_esp_days_and_before_or_after_the_week(client_for, tl1, cohort1, week):
    """A week from Thursday to Wednesday: on the Saturday between, the page says today is no ESP
    day, names the next and offers the days so far; before day 1 and after the last day it says
    those instead."""
    cohort1.start_date = datetime.date(2026, 11, 26)
    cohort1.save()
    AgentFactory(cohort=cohort1)

    def page_at(moment: datetime.datetime) -> str:
        week.move_to(moment)
        return client_for(tl1).get(notes_url(cohort1)).content.decode()

    html = page_at(datetime.datetime(2026, 11, 28, 17, 0, tzinfo=datetime.UTC))  # Saturday noon, New York
    assert "No ESP day has started yet" not in html
    assert "Today is no ESP day: the next, day 3, is Monday 30 November." in html
    assert 'href="?day=2026-11-27"' in html  # Friday's notes, one click away
    html = page_at(datetime.datetime(2026, 12, 5, 17, 0, tzinfo=datetime.UTC))  # the Saturday after
    assert "The ESP week has ended." in html
    html = page_at(datetime.datetime(2026, 11, 21, 17, 0, tzinfo=datetime.UTC))  # before day 1
    assert "No ESP day has started yet: notes are written from day 1, Thursday 26 November." in html


def test_the_bar_and_the_board_link_here(client_for, tl1, cohort1, week):
    AgentFactory(cohort=cohort1)
    client = client_for(tl1)
    assert (
        f'href="{notes_url(cohort1)}"'
        in client.get(reverse("certifications:tracker", args=[cohort1.pk])).content.decode()
    )
    assert f'href="{notes_url(cohort1)}"' in client.get(reverse("desk:board")).content.decode()


def test_its_queries_do_not_grow_with_the_agents(client_for, tl1, cohort1, week):
    client = client_for(tl1)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(notes_url(cohort1)).status_code == 200
        return len(queries)

    AgentFactory(cohort=cohort1)
    few = count()
    for _ in range(12):
        agent = AgentFactory(cohort=cohort1)
        save_note(agent=agent, day=WEDNESDAY, text="On track.", by=tl1, expected_version=0)
    assert count() == few
