"""The agent page, in parts (desk/agent_detail.html), each cached on its own under the kinds of
the agent's rows it shows.

cohorts.revision keeps a revision per agent and kind of row (Agent.revisions: a model's label,
and "*" for anything of the agent); a part is keyed by those of its kinds, the cohort's shared
revision (the cohort, its days, the configuration), the cohort's phase (what turns due or
overdue at the end of day) and the viewer. So after a tracker cell saved, only the parts that
show task statuses render again, from only the rows they show; the agent's notes, red flags,
CAPs, tickets, troubleshooting and history are served as they were.
"""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

from attendance.models import AgentIssue, CorrectiveAction, Recommendation
from attendance.selectors import agent_accountability
from certifications.forms import ExamAttemptForm, ProofUploadForm, RedFlagForm
from certifications.models import DailyNote, ExamAttempt, Handoff, Proof, RedFlag, TaskStatus
from certifications.selectors import (
    FAILURE_FACTS,
    STATUS_FACTS,
    agent_attempts,
    agent_cells,
    agent_notes,
    agent_proofs,
    agent_red_flags,
    note_day_of,
)
from cohorts.facts import agent_facts
from cohorts.models import Agent
from cohorts.revision import ANY_KIND
from core.fragments import digest
from core.history import history_entries
from core.urls import DAY, ID, ID2, UrlPattern
from desk.forms import MoveToProductionForm
from desk.readiness import readiness_blockers
from tickets.models import Ticket
from tickets.selectors import agent_tickets, troubleshooting


@dataclass
class Page:
    """The request a part is rendered for, and the agent's tracker facts (read once, when a part
    that shows them misses, through cohorts.facts like the grid's and the board's)."""

    request: object
    agent: Agent
    caps: object
    now: datetime.datetime

    @functools.cached_property
    def stored(self) -> tuple[dict, dict]:
        facts = agent_facts([self.agent], {"statuses": STATUS_FACTS, "failures": FAILURE_FACTS})
        return facts["statuses"], facts["failures"]


@dataclass(frozen=True)
class Part:
    name: str  # of its {% partialdef %} in desk/agent_detail.html
    shows: tuple  # the models of the rows about the agent that it shows
    context: Callable[[Page], dict]  # what it renders, read only when it misses

    def key(self, agent, facts: tuple) -> str:
        revisions = agent.revisions
        kinds = [revisions.get(kind) for kind in (ANY_KIND, *(m._meta.label_lower for m in self.shows))]
        return f"{self.name}:{digest(agent.pk, kinds, facts)}"


def _road(page: Page) -> dict:
    agent, caps = page.agent, page.caps
    statuses = {task_id: row[0] for task_id, row in page.stored[0].get(agent.pk, {}).items()}
    return {
        "blockers": readiness_blockers(
            agent, user=page.request.user, sees_confidential=caps.confidential, statuses=statuses
        ),
        "handoff": Handoff.objects.filter(agent=agent).select_related("to_tl", "moved_by").first(),
        "move_form": MoveToProductionForm(),
    }


def _tasks(page: Page) -> dict:
    agent = page.agent
    return {
        "cells": agent_cells(agent, now=page.now, stored=page.stored),
        "cells_url": UrlPattern("certifications:cell_save", ID, ID2).prefix(agent.pk),
        "statuses": TaskStatus.Status.choices,
        "timeout": settings.PAGE_CACHE_SECONDS,
    }


def _attempts(page: Page) -> dict:
    return {
        "attempts": agent_attempts(page.agent),
        "attempt_form": ExamAttemptForm(
            initial={"taken_on": page.now.astimezone(page.agent.cohort.tzinfo).date()},
            cohort=page.agent.cohort,
        ),
    }


def _proofs(page: Page) -> dict:
    return {"proofs": agent_proofs(page.agent, user=page.request.user), "proof_form": ProofUploadForm()}


def _notes(page: Page) -> dict:
    agent = page.agent
    notes, note_day = agent_notes(agent), note_day_of(agent, page.now)
    note_url = UrlPattern("certifications:note_save", ID, DAY)(agent.pk, note_day) if note_day else ""
    return {
        "notes": notes,
        "note_day": note_day,
        "note_row": {
            "agent": agent,
            "note": next((n for n in notes if n.day == note_day), None),
            "note_url": note_url,
        },
    }


def _flags(page: Page) -> dict:
    return {
        "red_flags": agent_red_flags(page.agent, user=page.request.user, caps=page.caps),
        "red_flag_form": RedFlagForm(),
    }


PARTS = (
    Part("agent-header", (), lambda page: {}),
    Part("agent-road", (TaskStatus, Proof, RedFlag, Ticket, Handoff), _road),
    Part("agent-tasks", (TaskStatus, ExamAttempt), _tasks),
    Part("agent-attempts", (ExamAttempt,), _attempts),
    Part("agent-proofs", (Proof,), _proofs),
    Part("agent-notes", (DailyNote,), _notes),
    Part("agent-flags", (RedFlag,), _flags),
    Part(
        "agent-caps",
        (Recommendation, CorrectiveAction, AgentIssue),
        lambda page: agent_accountability(page.agent),
    ),
    Part("agent-tickets", (Ticket,), lambda page: {"tickets": agent_tickets(page.agent)}),
    Part("agent-troubleshooting", (), lambda page: troubleshooting()),
    Part("agent-history", (), lambda page: {"history": history_entries(page.agent.history.all())}),
)


def agent_page_parts(request, agent, caps, now: datetime.datetime) -> dict[str, str]:
    """Each part's HTML by its name with "_" for "-" (as the page's template reads them): from the
    cache, and those that miss rendered from the rows they show and cached (one read and one
    write of the cache)."""
    cohort = agent.cohort
    facts = (cohort.shared_revision, cohort.phase(now), caps.key, request.user.pk)
    keys = {part: part.key(agent, facts) for part in PARTS}
    found = cache.get_many(list(keys.values()))
    made = {}
    page = Page(request, agent, caps, now)
    for part, key in keys.items():
        if key not in found:
            context = {"agent": agent, "cohort": cohort, "caps": caps} | part.context(page)
            made[key] = render_to_string(f"desk/agent_detail.html#{part.name}", context, request)
    if made:
        cache.set_many(made, settings.PAGE_CACHE_SECONDS)
    return {
        part.name.replace("-", "_"): found[key] if key in found else made[key] for part, key in keys.items()
    }
