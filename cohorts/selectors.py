"""Reads of cohorts and agents that every app's views share: the access check, the rows the
pages show, and the user's capabilities there, together."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.shortcuts import get_object_or_404

from cohorts.access import Action, Capabilities, Role, agent_filter, capabilities, cohort_filter
from cohorts.models import Agent, Cohort, DaySignOff
from core.fragments import digest

# Agents who still take part in the ESP week; the others are shown but held to nothing.
ATTENDING = (Agent.Status.IN_ESP, Agent.Status.READY)


def cohort_for(user, pk: int, action: str = Action.VIEW, people: bool = True) -> tuple[Cohort, Capabilities]:
    """The cohort `pk`, with its TL and PM (unless a page that names neither says `people=False`),
    if `user` may perform `action` on it, else 404; and what the user may do there."""
    queryset = Cohort.objects.filter(cohort_filter(user, action))
    if people:  # (select_related() with no names would follow every relation)
        queryset = queryset.select_related("tl", "pm")
    cohort = get_object_or_404(queryset, pk=pk)
    return cohort, capabilities(user, cohort)


def agent_for(user, pk: int, action: str = Action.VIEW, people: bool = True) -> tuple[Agent, Capabilities]:
    """The agent `pk`, with cohort and people, if `user` may perform `action` on their record,
    else 404; and what the user may do with them. An in-place save, which shows no names, asks
    for the cohort and its TL alone (`people=False`; the TL signs the forms a save may draft):
    the joins with the PM and the production TL cost more than its write."""
    related = ("cohort__tl", "cohort__pm", "production_tl") if people else ("cohort__tl",)
    queryset = Agent.objects.select_related(*related)
    agent = get_object_or_404(queryset.filter(agent_filter(user, action)), pk=pk)
    return agent, capabilities(user, agent.cohort, agent)


def cohort_agent_for(user, cohort_pk: int, agent_pk: int, action: str) -> tuple[Agent, Capabilities]:
    """An agent of the cohort `cohort_pk` if `user` may perform `action` on the cohort (one query
    for both), else 404."""
    queryset = Agent.objects.select_related("cohort").filter(
        cohort_filter(user, action, via="cohort__"), cohort_id=cohort_pk
    )
    agent = get_object_or_404(queryset, pk=agent_pk)
    return agent, capabilities(user, agent.cohort, agent)


def agent_in(cohort: Cohort, pk) -> Agent | None:
    """The agent `pk` if they belong to `cohort` (already access-checked), with the cohort set."""
    agent = Agent.objects.filter(cohort=cohort, pk=pk).first()
    if agent is not None:
        agent.cohort = cohort
    return agent


def agents_of(cohort: Cohort) -> list[Agent]:
    """The cohort's agents by name, each with the cohort already loaded."""
    agents = list(Agent.objects.filter(cohort=cohort))
    for agent in agents:
        agent.cohort = cohort
    return agents


def sign_off_of(cohort: Cohort, day: datetime.date) -> DaySignOff | None:
    """The close of the cohort's `day` (with who closed it), or None (sign_offs_of)."""
    return sign_offs_of([cohort], {cohort.pk: day})[cohort.pk]


def sign_offs_of(cohorts: list[Cohort], days: dict[int, datetime.date]) -> dict[int, DaySignOff | None]:
    """The close of each cohort's day (`days`, by cohort id), or None: cached under the cohort's
    revision of what concerns it as a whole, which a close, a reopening or a change of the
    people (configuration) renews, and a write about one agent leaves. One query for all the
    cohorts the cache misses."""
    keys = {c.pk: "sign-off:" + digest(c.pk, c.revision_of(), days[c.pk]) for c in cohorts}
    found = cache.get_many(list(keys.values()))
    closes = {c.pk: found[keys[c.pk]][0] for c in cohorts if keys[c.pk] in found}
    missing = [c for c in cohorts if c.pk not in closes]
    if missing:
        wanted = {(c.pk, days[c.pk]) for c in missing}
        read = DaySignOff.objects.filter(cohort__in=missing, day__in={day for _, day in wanted})
        made = {s.cohort_id: s for s in read.select_related("signed_by") if (s.cohort_id, s.day) in wanted}
        cache.set_many({keys[c.pk]: (made.get(c.pk),) for c in missing}, settings.PAGE_CACHE_SECONDS)
        closes |= {c.pk: made.get(c.pk) for c in missing}
    return closes


def users_in_role(role: Role):
    return (
        get_user_model().objects.filter(groups__name=role, is_active=True).order_by("first_name", "last_name")
    )
