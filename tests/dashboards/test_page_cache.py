"""The busiest pages cache what they render (Django's template fragment cache) under keys that
hold the revisions of the cohorts they show: a repeat read is cheaper, a read after a write
shows the write, no viewer gets another's view, and no CSRF token is ever cached."""

import datetime
import os
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.accountability import report_issue
from attendance.services import Entry, record_attendance
from certifications.models import DailyNote
from certifications.services import (
    raise_red_flag,
    record_attempt,
    review_proof,
    save_note,
    set_task_status,
    upload_proof,
)
from cohorts.models import DaySignOff
from tests.certifications.conftest import PNG
from tests.conftest import MONDAY, WEDNESDAY, issue_coaching, shows_as_afresh
from tests.factories import AgentFactory
from tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("CELERY_BROKER_URL", "")


def board(cohort):
    return reverse("desk:board")


def grid(cohort):
    return reverse("certifications:tracker", args=[cohort.pk])


def roll_call(cohort):
    return reverse("attendance:roll_call", args=[cohort.pk]) + f"?day={WEDNESDAY.isoformat()}"


def dashboard(cohort):
    return reverse("desk:dashboard")


def write_note(agent, tl, tasks):
    DailyNote.objects.create(agent=agent, day=WEDNESDAY, text="Shadowed two calls", updated_by=tl)


def write_status(agent, tl, tasks):
    set_task_status(agent=agent, task=tasks["equipment"], status="verified", expected_version=0, by=tl)


def write_attendance(agent, tl, tasks):
    record_attendance(
        agent=agent, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9, 40)), expected_version=None, by=tl
    )


def write_flag(agent, tl, tasks):
    raise_red_flag(agent=agent, category="conduct", details="x", confidential=False, by=tl)


def verified_equipment(agent, tasks):
    return f'id="cell-{agent.pk}-{tasks["equipment"].pk}" class="cell st-verified"'


@pytest.mark.parametrize(
    "url, viewer, write, shows",
    [
        (board, "tl1", write_note, lambda agent, tasks: "Today's notes: done"),
        (grid, "tl1", write_status, verified_equipment),
        (roll_call, "tl1", write_attendance, lambda agent, tasks: "Late"),
        (dashboard, "pm1", write_flag, lambda agent, tasks: "1 open red flag"),
    ],
)
def test_a_repeat_read_is_cached_and_a_write_shows_at_once(
    request, client_for, count_queries, tl1, cohort1, tasks, week, url, viewer, write, shows
):
    agent = AgentFactory(cohort=cohort1)
    client = client_for(request.getfixturevalue(viewer))
    first = count_queries(lambda: client.get(url(cohort1)))
    response = client.get(url(cohort1))
    repeat = count_queries(lambda: client.get(url(cohort1)))
    assert repeat < first  # served from the cache
    assert shows(agent, tasks) not in response.content.decode()

    write(agent, tl1, tasks)
    assert shows(agent, tasks) in client.get(url(cohort1)).content.decode()


def test_no_csrf_token_is_cached(client_for, tl1, cohort1, tasks, week):
    AgentFactory(cohort=cohort1)
    client = client_for(tl1)
    cache.clear()
    html = "".join(client.get(url(cohort1)).content.decode() for url in (board, grid, roll_call))
    tokens = re.findall(r'<meta name="csrf-token" content="([^"]+)"', html)
    stored = [str(value) for value in cache._cache.values()]  # noqa: SLF001 - locmem's own store
    assert len(tokens) == 3 and len(stored) >= 3
    assert not any(token in value for token in tokens for value in stored)
    assert not any("csrfmiddlewaretoken" in value for value in stored)


def test_a_readers_view_is_not_served_to_an_editor(client_for, mgr1, pm1, tl1, cohort1, tasks, week):
    agent = AgentFactory(cohort=cohort1)
    raise_red_flag(agent=agent, category="conduct", details="private", confidential=True, by=pm1)
    reader_html = client_for(mgr1).get(grid(cohort1)).content.decode()
    cell_select = f'name="c{agent.pk}-{tasks["ahip"].pk}-status"'
    assert "1 red flag" in reader_html and cell_select not in reader_html  # managers read everything
    tl_html = client_for(tl1).get(grid(cohort1)).content.decode()
    assert "red flag" not in tl_html and cell_select in tl_html  # the TL edits; confidential is hidden


def test_a_cached_card_carries_each_sessions_own_csrf_token(tl1, cohort1, tasks, week):
    AgentFactory(cohort=cohort1)
    first = Client(enforce_csrf_checks=True)
    first.force_login(tl1)
    first.get(board(cohort1))  # renders and caches the card
    second = Client(enforce_csrf_checks=True)
    second.force_login(tl1)
    html = second.get(board(cohort1)).content.decode()
    close = reverse("desk:close_day", args=[cohort1.pk])
    assert f'action="{close}"' in html  # the cached card's form, which esp.js gives the token below
    (token,) = re.findall(r'<meta name="csrf-token" content="([^"]+)"', html)
    response = second.post(close, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # accepted (the day is not green, so it only says why)


def test_the_next_day_is_not_served_from_the_day_before(client_for, tl1, cohort1, week):
    client = client_for(tl1)
    assert "day 3 of 5" in client.get(board(cohort1)).content.decode()
    week.shift(datetime.timedelta(days=1))
    assert "day 4 of 5" in client_for(tl1).get(board(cohort1)).content.decode()


@pytest.mark.skipif(not REDIS_URL.startswith("redis://"), reason="needs Redis (CELERY_BROKER_URL)")
def test_a_shared_redis_cache_serves_the_parts_and_a_write_shows(
    settings, client_for, count_queries, tl1, cohort1, tasks, week
):
    location = REDIS_URL.rsplit("/", 1)[0] + "/13"  # a database of its own, emptied here
    settings.CACHES = {"default": {"BACKEND": "core.cache.NearRedisCache", "LOCATION": location}}
    cache.clear()
    try:
        agent = AgentFactory(cohort=cohort1)
        client = client_for(tl1)
        for url in (board, grid, roll_call):
            first = count_queries(lambda: client.get(url(cohort1)))  # noqa: B023 - called at once
            assert count_queries(lambda: client.get(url(cohort1))) < first  # noqa: B023
        write_status(agent, tl1, tasks)
        assert verified_equipment(agent, tasks) in client.get(grid(cohort1)).content.decode()
    finally:
        cache.clear()


def test_an_agent_page_stays_cached_while_other_agents_change_and_shows_its_own_change(
    client_for, count_queries, tl1, cohort1, tasks, week
):
    """Keyed by the agent's revision and the cohort's shared one: the TL working through the
    grid does not make every agent page render again, and a change to this agent shows at once,
    as does a change to the cohort as a whole (the day closed)."""
    agent, colleague = AgentFactory(cohort=cohort1), AgentFactory(cohort=cohort1)
    client = client_for(tl1)
    url = reverse("desk:agent", args=[agent.pk])
    rendered = count_queries(lambda: client.get(url))
    cached = count_queries(lambda: client.get(url))
    assert cached < rendered

    write_status(colleague, tl1, tasks)
    write_flag(colleague, tl1, tasks)
    assert count_queries(lambda: client.get(url)) == cached  # nothing of this agent changed

    write_status(agent, tl1, tasks)
    with_change = client.get(url).content.decode()
    assert f'id="cell-{agent.pk}-{tasks["equipment"].pk}" class="cell st-verified"' in with_change

    DaySignOff.objects.create(cohort=cohort1, day=WEDNESDAY, signed_by=tl1)
    assert count_queries(lambda: client.get(url)) > cached


def test_the_agent_page_caches_no_csrf_token(client_for, tl1, pm1, cohort1, tasks, week):
    """Its forms (the red flag's, the PM's move to production) get the token in the browser: a
    cached token is another login's, refused when posted (403), even beside htmx's header."""
    agent = AgentFactory(cohort=cohort1)
    cache.clear()
    for user in (tl1, pm1):
        html = client_for(user).get(reverse("desk:agent", args=[agent.pk])).content.decode()
        forms = [chunk[chunk.rindex("<form ") :] for chunk in html.split("</form>") if "<form " in chunk]
        with_token = [f.split('action="')[1].split('"')[0] for f in forms if "csrfmiddlewaretoken" in f]
        assert len(forms) > 3 and with_token == [reverse("logout")]  # the menu's, drawn for each request
    stored = [str(value) for value in cache._cache.values()]  # noqa: SLF001 - locmem's own store
    assert stored and not any("csrfmiddlewaretoken" in value for value in stored)


def _same_file(agent, colleague, tl, tasks):
    """A colleague's proof of the same file: this agent's proof is named a possible duplicate."""
    upload_proof(agent=colleague, task=tasks["ahip"], upload=SimpleUploadedFile("b.png", PNG), by=tl)


AGENT_WRITES = {
    "a task status": lambda agent, colleague, tl, tasks: write_status(agent, tl, tasks),
    "a note": lambda agent, colleague, tl, tasks: save_note(
        agent=agent, day=WEDNESDAY, text="Took calls", by=tl
    ),
    "a red flag": lambda agent, colleague, tl, tasks: write_flag(agent, tl, tasks),
    "an exam attempt": lambda agent, colleague, tl, tasks: record_attempt(
        agent=agent, task=tasks["ahip"], taken_on=MONDAY, score=50, passed=False, by=tl
    ),
    "a proof reviewed": lambda agent, colleague, tl, tasks: review_proof(
        proof=agent.proofs.get(), verified=False, reason="Cut off", by=tl
    ),
    "a colleague's proof of the same file": _same_file,
    "a ticket": lambda agent, colleague, tl, tasks: Ticket.objects.create(
        ticket_type=TicketType.objects.first(), cohort=agent.cohort, agent=agent, day=WEDNESDAY, created_by=tl
    ),
    "coaching": lambda agent, colleague, tl, tasks: issue_coaching(agent, tl),
    "an issue for the PM": lambda agent, colleague, tl, tasks: report_issue(
        agent=agent, details="Headset", by=tl
    ),
    "the agent": lambda agent, colleague, tl, tasks: write_agent_phone(agent),
}


def write_agent_phone(agent):
    agent.phone = "555-0199"
    agent.save()


def without_tokens(html: str) -> str:
    """The page without its request's CSRF token (in the meta tag, htmx's header, the menu's form)."""
    return html.replace(re.search(r'name="csrf-token" content="([^"]+)"', html)[1], "")


@pytest.mark.parametrize("write", list(AGENT_WRITES))
def test_the_agent_page_after_a_write_is_the_page_rendered_afresh(
    write, client_for, tl1, cohort1, tasks, week
):
    """Each part of the agent page is cached under the kinds of rows it shows: after any write
    about the agent (or a colleague's proof of the same file), the page served is exactly the
    page rendered with nothing cached."""
    agent, colleague = AgentFactory(cohort=cohort1), AgentFactory(cohort=cohort1)
    upload_proof(agent=agent, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG), by=tl1)
    client = client_for(tl1)
    url = reverse("desk:agent", args=[agent.pk])
    page = lambda: without_tokens(client.get(url).content.decode())  # noqa: E731
    shows_as_afresh(page, lambda: AGENT_WRITES[write](agent, colleague, tl1, tasks))


def test_a_status_saved_renders_again_only_the_parts_that_show_statuses(
    client_for, count_queries, tl1, cohort1, tasks, week
):
    """A TL working through an agent's tracker row: the parts with the notes, red flags, attempts,
    proofs, CAPs, tickets, troubleshooting and history are served from the cache."""
    agent = AgentFactory(cohort=cohort1)
    client = client_for(tl1)
    url = reverse("desk:agent", args=[agent.pk])
    cache.clear()
    rendered = count_queries(lambda: client.get(url))
    cached = count_queries(lambda: client.get(url))
    write_status(agent, tl1, tasks)
    after_status = count_queries(lambda: client.get(url))
    # The statuses' parts: the road to production (verified proofs, open red flags, drafts, the
    # handoff) and the tasks, with the agent's statuses read once for both (the failed attempts
    # and the task list are served from the cache).
    assert after_status - cached == 5 < rendered - cached


def test_the_roll_call_stays_cached_while_the_tracker_changes_and_shows_attendance_at_once(
    client_for, count_queries, tl1, cohort1, tasks, week
):
    """Keyed by the cohort's revision of attendance (Cohort.revision_of): the TL saving tracker
    cells and notes does not make the roll call render again; a record, an agent or the day
    closed does."""
    agent = AgentFactory(cohort=cohort1)
    client = client_for(tl1)
    url = roll_call(cohort1)
    client.get(url)
    cached = count_queries(lambda: client.get(url))
    write_status(agent, tl1, tasks)
    write_note(agent, tl1, tasks)
    write_flag(agent, tl1, tasks)
    assert count_queries(lambda: client.get(url)) == cached
    write_attendance(agent, tl1, tasks)
    assert "Late" in client.get(url).content.decode()
    write_agent_phone(agent)
    assert count_queries(lambda: client.get(url)) > cached
    DaySignOff.objects.create(cohort=cohort1, day=WEDNESDAY, signed_by=tl1)
    assert "closed this day" in client.get(url).content.decode()


def test_the_close_of_the_day_is_read_from_the_cache_and_shows_at_once(client_for, tl1, cohort1, tasks, week):
    """The tracker, the notes page and the roll call show the day's close (with its reason box)
    from the cache while the TL writes about agents, and a close or a reopening at once."""

    agent = AgentFactory(cohort=cohort1)
    client = client_for(tl1)
    pages = [grid(cohort1), reverse("certifications:notes", args=[cohort1.pk]), roll_call(cohort1)]
    for url in pages:
        assert "closed this day at" not in client.get(url).content.decode()
    sign_off = DaySignOff.objects.create(cohort=cohort1, day=WEDNESDAY, signed_by=tl1)
    for url in pages:
        assert re.search(r"closed (today|this day) at", client.get(url).content.decode()), url
    write_flag(agent, tl1, tasks)  # a write about one agent
    for url in pages[:2]:
        with CaptureQueriesContext(connection) as read:
            page = client.get(url).content.decode()
        assert re.search(r"closed (today|this day) at", page), url
        assert not [q for q in read.captured_queries if "daysignoff" in q["sql"]], url
    sign_off.delete()
    for url in pages:
        assert not re.search(r"closed (today|this day) at", client.get(url).content.decode()), url
