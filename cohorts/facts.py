"""Facts about agents read from the database only for the agents whose rows of that kind changed.

A page that sums up many agents (the day board, the dashboard, the cohort page) reads, for each
agent, a few kinds of facts: task statuses, failed attempts, the day's attendance record... Each
kind of fact of each agent is cached under the agent's revision of the kind of row it comes from
(Agent.revisions, renewed with every write: cohorts.revision), the agent's "*" revision and its
cohort's shared one. So right after a tracker cell saved, a page reads the statuses of that one
agent, and every other fact of every agent comes from the cache: two queries (the agents, and the
statuses of one of them) instead of one per kind of fact.

Only plain facts are cached (rows as they are stored), never what they mean at a moment: a
task's state (due today, overdue) is worked out from them at each read.

A fact read right after its agent's revision was read may be newer than that revision (a write
committed in between): it is then cached under the older key, which no later read asks for. It is
never older than the revision it is cached under.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from cohorts.revision import ANY_KIND
from core.fragments import render_stamp


@dataclass(frozen=True)
class Facts:
    """One kind of fact: the model whose rows they come from, how to read them for some agents
    ({agent id: facts}; an agent left out has `default`), and what else they depend on (`per_day`:
    the agent's cohort's day given to agent_facts; `extra`: e.g. the viewer)."""

    model: type
    read: Callable[[list], dict[int, Any]]
    default: Any = None
    per_day: bool = False
    extra: str = ""


def agent_facts(
    agents: list, facts: dict[str, Facts], *, days: dict | None = None
) -> dict[str, dict[int, Any]]:
    """Each kind of `facts` for each of `agents` (with their cohorts loaded), by its name and the
    agent's id: one read of the cache, one query per kind for the agents whose kind changed, one
    write of the cache. `days`: each cohort's day (by cohort id), for the kinds read per day."""
    stamp = render_stamp()
    keys: dict[tuple[str, int], str] = {}
    for name, kind in facts.items():
        label = kind.model._meta.label_lower
        for agent in agents:
            day = days[agent.cohort_id] if kind.per_day else ""
            revisions = agent.revisions
            keys[name, agent.pk] = (
                f"facts:{stamp}:{name}:{agent.pk}:{revisions.get(ANY_KIND)}:{revisions.get(label)}:"
                f"{agent.cohort.shared_revision.hex}:{day}:{kind.extra}"
            )
    found = cache.get_many(list(keys.values()))
    result: dict[str, dict[int, Any]] = {}
    made = {}
    for name, kind in facts.items():
        missing = [agent for agent in agents if keys[name, agent.pk] not in found]
        read = kind.read(missing) if missing else {}
        result[name] = mine = {}
        for agent in agents:
            key = keys[name, agent.pk]
            if key in found:
                mine[agent.pk] = found[key]
            else:
                mine[agent.pk] = made[key] = read.get(agent.pk, kind.default)
    if made:
        cache.set_many(made, settings.PAGE_CACHE_SECONDS)
    return result
