"""A cohort's revision: a new value whenever anything its pages show may have changed.

The busiest pages (the TL's day board, the tracker grid, the roll call, the PM dashboard) cache
what they render under keys that include the revisions of the cohorts they show, so a page read
after a write is never served from before it, and nothing ever has to find and delete old
entries (they expire). Saves and deletes of every model of the domain apps touch the cohorts
they belong to: through the row's agent when it has one, else its cohort; a model that belongs to no
cohort (tasks, policies, ticket types, users) is configuration that every page may show, so it
touches every cohort. Bulk writes send no signals: the services that make them call
`touch_cohorts` / `touch_agents` themselves.

Inside a service's unit of work (core.events.unit) the touches are collected and renewed in one
statement just before the commit: one renewal per write however many rows it saved, and readers
see the new revision together with the new data, never one without the other.

An agent page shows one agent's rows and what all of its cohort's agent pages share (the cohort,
its days, the configuration). So a write about one agent (a row with an agent) renews that
agent's revision and its cohort's; a write about the cohort as a whole (a row with a cohort and
no agent, a bulk write, a save of the cohort) or about the configuration renews the cohorts'
shared revisions too. An agent page keyed by its agent's revision and its cohort's shared
revision stays served while the TL works on the cohort's other agents.

An agent's revision is also kept per kind of row (Agent.revisions: the model's label, e.g.
"certifications.taskstatus", or "*" for a write that may change anything of the agent, such as
a save of the agent itself), so that the agent page renders again only the parts that show what
changed: a tracker cell saved leaves the parts with the notes, the red flags or the CAPs served.
A cohort keeps the same per kind of row about its agents (Cohort.revisions, "*" for a write
about the cohort as a whole too), so that a page showing only some kinds (the roll call) stays
served while the TL writes others (Cohort.revision_of).
"""

import json
import uuid
from collections import defaultdict

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, F, Func, JSONField, Q, UUIDField, Value, When
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from simple_history.models import HistoricalChanges

from cohorts.models import Agent, Cohort
from core.events import collect

APPS = ("cohorts", "certifications", "attendance", "tickets")
RENEW_LAST = 1000  # after every other reaction of the unit, which may write too
EVERY_COHORT = ("all", None)
ANY_KIND = "*"  # any kind of row: every part keyed by some kind renders again


def _renew(keys: set) -> None:
    if EVERY_COHORT in keys:
        Cohort.objects.update(revision=uuid.uuid4(), shared_revision=uuid.uuid4())
        return
    whole = sorted(key[1] for key in keys if key[0] == "cohort")
    pages = sorted({key[1] for key in keys if key[0] == "pages"})
    value = uuid.uuid4().hex
    kinds: dict[int, dict[str, str]] = defaultdict(dict)
    for _, pk, kind in (key for key in keys if key[0] == "agent"):
        kinds[pk][kind] = value
    # The cohorts touched have every kind of this write renewed (what their agents' rows were,
    # and "*" for a write about a cohort as a whole): one value for them all.
    cohort_kinds = {key[2]: value for key in keys if key[0] in ("agent", "pages")}
    if whole:
        cohort_kinds[ANY_KIND] = value
    agent_ids = sorted(kinds)
    patch = json.dumps(cohort_kinds, sort_keys=True)
    if connection.vendor == "postgresql":
        _renew_in_one_statement(agent_ids, [json.dumps(kinds[pk]) for pk in agent_ids], whole, pages, patch)
        return
    # SQLite: one statement per set of kinds renewed (one set, mostly), merged by its json_patch.
    cohorts = Q(pk__in=whole + pages)
    if agent_ids:
        alike = defaultdict(list)
        for pk in agent_ids:
            alike[json.dumps(kinds[pk], sort_keys=True)].append(pk)
        for agents_patch, ids in alike.items():
            Agent.objects.filter(pk__in=ids).update(revision=uuid.uuid4(), revisions=_merged(agents_patch))
        cohorts |= Q(pk__in=Agent.objects.filter(pk__in=agent_ids).values("cohort_id"))
    renewed = Value(uuid.uuid4(), output_field=UUIDField())
    shared = Case(When(pk__in=whole, then=renewed), default=F("shared_revision"))
    Cohort.objects.filter(cohorts).update(
        revision=uuid.uuid4(), shared_revision=shared, revisions=_merged(patch)
    )


def _merged(patch: str) -> Func:
    """SQLite: the row's revisions by kind with those of `patch` (a JSON object) renewed."""
    return Func(F("revisions"), Value(patch), function="json_patch", output_field=JSONField())


def _renew_in_one_statement(
    agent_ids: list[int], kinds: list[str], whole: list[int], pages: list[int], cohort_kinds: str
) -> None:
    """The agents' revisions (of each kind in `kinds`, JSON objects in the order of `agent_ids`),
    their cohorts' revisions (of each kind in `cohort_kinds`) and those of the cohorts touched,
    and the shared revisions of the cohorts touched as a whole, in one statement (a write is one
    renewal, as it was before agents had revisions: every write pays for it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH touched AS (
                    UPDATE "cohorts_agent" SET "revision" = %s::uuid, "revisions" = "revisions" || k.kinds
                    FROM unnest(%s::bigint[], %s::jsonb[]) AS k(id, kinds)
                    WHERE "cohorts_agent"."id" = k.id
                    RETURNING "cohort_id"
                )
                UPDATE "cohorts_cohort" SET "revision" = %s::uuid,
                    "shared_revision" = CASE WHEN "id" = ANY(%s) THEN %s::uuid ELSE "shared_revision" END,
                    "revisions" = "revisions" || %s::jsonb
                WHERE "id" IN (SELECT "cohort_id" FROM touched) OR "id" = ANY(%s)""",
            [str(uuid.uuid4()), agent_ids, kinds]
            + [str(uuid.uuid4()), whole, str(uuid.uuid4()), cohort_kinds, whole + pages],
        )


def touch_cohorts(cohort_ids) -> None:
    """Touch these cohorts as a whole: their pages and every agent page of theirs."""
    collect("revision", {("cohort", pk) for pk in cohort_ids if pk is not None}, _renew, order=RENEW_LAST)


def touch_cohort_pages(cohort_ids, kind: str) -> None:
    """Touch these cohorts' own pages (a row of theirs about one agent, who may have moved on to
    another cohort since, of the model labelled `kind`), not every agent page of theirs."""
    keys = {("pages", pk, kind) for pk in cohort_ids if pk is not None}
    collect("revision", keys, _renew, order=RENEW_LAST)


def touch_agents(agent_ids, kind: str = ANY_KIND) -> None:
    """Touch these agents: their pages and their cohorts' pages (not the cohorts' other agents').
    `kind`: the label of the model whose rows about them changed (the parts of their pages that
    show such rows render again), else every part."""
    keys = {("agent", pk, kind) for pk in agent_ids if pk is not None}
    collect("revision", keys, _renew, order=RENEW_LAST)


def touch_all() -> None:
    collect("revision", {EVERY_COHORT}, _renew, order=RENEW_LAST)


def touch_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """Every deploy runs migrate: renew every revision, so that no part rendered by the old
    templates, or before a data migration (whose writes reach no receiver here), is served."""
    try:
        with transaction.atomic(using=using):
            Cohort.objects.using(using).update(revision=uuid.uuid4(), shared_revision=uuid.uuid4())
    except DatabaseError:  # migrated back to before the column (or the table) existed
        pass


def _scope(model) -> str:
    """How a row of `model` finds what it touches: "agent" (its agent, when it has one, else its
    cohort), "cohort" or "all"."""
    related = {f.name: f.related_model for f in model._meta.concrete_fields if f.is_relation}
    if related.get("agent") is Agent:
        return "agent"
    if related.get("cohort") is Cohort:
        return "cohort"
    return "all"


def _toucher(scope: str):
    def changed(sender, instance, raw=False, **kwargs):
        if raw:  # loaddata: nothing is cached for rows that did not exist
            return
        if scope == "agent" and instance.agent_id is not None:
            touch_agents([instance.agent_id], sender._meta.label_lower)
            touch_cohort_pages([getattr(instance, "cohort_id", None)], sender._meta.label_lower)  # the row's
        elif scope in ("agent", "cohort") and getattr(instance, "cohort_id", None) is not None:
            touch_cohorts([instance.cohort_id])
        else:
            touch_all()  # configuration, or e.g. a reclassification of every cohort's records

    return changed


def _agent_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    touch_agents([instance.pk])


def _agent_deleted(sender, instance, **kwargs):
    touch_cohorts([instance.cohort_id])


def _agent_leaving(sender, instance, raw=False, update_fields=None, **kwargs):
    """An agent saved into another cohort leaves the old one too: touch the one it is in now."""
    if raw or instance.pk is None or (update_fields is not None and "cohort" not in update_fields):
        return
    old = Agent.objects.filter(pk=instance.pk).values_list("cohort_id", flat=True).first()
    if old != instance.cohort_id:
        touch_cohorts([old])


def _user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    """Users' names show on the pages; a login only stamps last_login, which none shows."""
    if not raw and not (update_fields and set(update_fields) <= {"last_login"}):
        touch_all()


def watched_models() -> dict:
    """Every model whose rows the cached pages may show, with how it finds its cohorts."""
    watched = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model in (Cohort, Agent) or issubclass(model, HistoricalChanges):
                continue  # Cohort.save() renews its own revision; history rows follow a save
            if not getattr(model, "shown_on_cached_pages", True):
                continue  # saved only with a row that renews the revision itself
            watched[model] = _scope(model)
    return watched


def connect() -> None:
    for model, scope in watched_models().items():
        handler = _toucher(scope)
        uid = f"cohorts.revision.{model._meta.label}"
        post_save.connect(handler, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(handler, sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(_agent_saved, sender=Agent, dispatch_uid="cohorts.revision.agent")
    post_delete.connect(_agent_deleted, sender=Agent, dispatch_uid="cohorts.revision.agent")
    pre_save.connect(_agent_leaving, sender=Agent, dispatch_uid="cohorts.revision.agent-leaving")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="cohorts.revision.user")
    post_migrate.connect(
        touch_after_migrate, sender=apps.get_app_config("cohorts"), dispatch_uid="cohorts.revision.migrate"
    )
