"""A cohort's revision: a new value whenever anything its pages show may have changed.

The busiest pages (the TL's day board, the tracker grid, the roll call, the PM dashboard) cache
what they render together with the revisions of the cohorts they show (esp.fragments) and
render afresh when those differ, so a page read after a write is never served from before it.
Saves and deletes of every model of the four apps touch the cohorts they belong to: through the
row's cohort, else its agent's cohort; a model that belongs to no cohort (tasks, policies,
ticket types, users) is configuration that every page may show, so it touches every cohort.
Bulk writes send no signals: the services that make them call `touch_cohorts` / `touch_agents`
themselves.

The touch runs in the writer's transaction: readers see the new revision together with the new
data, never one without the other.
"""

import uuid

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

APPS = ("cohorts", "attendance", "certifications", "tickets")
# Job bookkeeping that no cached page shows, written for many cohorts at a time.
IGNORED = {"cohorts.Notice", "cohorts.EndOfDayCheck"}


def touch_cohorts(cohort_ids) -> None:
    from cohorts.models import Cohort

    ids = {pk for pk in cohort_ids if pk is not None}
    if ids:
        Cohort.objects.filter(pk__in=ids).update(revision=uuid.uuid4())


def touch_agents(agent_ids) -> None:
    """Touch the cohorts of these agents."""
    from cohorts.models import Agent, Cohort

    ids = {pk for pk in agent_ids if pk is not None}
    if ids:
        cohorts = Agent.objects.filter(pk__in=ids).values("cohort_id")
        Cohort.objects.filter(pk__in=cohorts).update(revision=uuid.uuid4())


def touch_all() -> None:
    from cohorts.models import Cohort

    Cohort.objects.update(revision=uuid.uuid4())


def touch_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """Every deploy runs migrate: renew every revision, so that no part rendered by the old
    templates, or before a data migration (whose writes reach no receiver here), is served."""
    from cohorts.models import Cohort

    try:
        with transaction.atomic(using=using):
            Cohort.objects.using(using).update(revision=uuid.uuid4())
    except DatabaseError:  # migrated back to before the column (or the table) existed
        pass


def _scope(model) -> str:
    """How a row of `model` finds its cohort: "cohort", "agent" or "all"."""
    from cohorts.models import Agent, Cohort

    related = {f.name: f.related_model for f in model._meta.concrete_fields if f.is_relation}
    if related.get("cohort") is Cohort:
        return "cohort"
    if related.get("agent") is Agent:
        return "agent"
    return "all"


def _toucher(scope: str):
    def changed(sender, instance, raw=False, **kwargs):
        if raw:  # loaddata: nothing is cached for rows that did not exist
            return
        if scope == "cohort":
            if instance.cohort_id is None:
                touch_all()  # e.g. a reclassification of every cohort's records
            else:
                touch_cohorts([instance.cohort_id])
        elif scope == "agent":
            touch_agents([instance.agent_id])
        else:
            touch_all()

    return changed


def _agent_leaving(sender, instance, raw=False, **kwargs):
    """An agent saved into another cohort leaves the old one too: touch the cohort it is in now."""
    if not raw and instance.pk is not None:
        touch_agents([instance.pk])


def _user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    """Users' names show on the pages; a login only stamps last_login, which none shows."""
    if not raw and not (update_fields and set(update_fields) <= {"last_login"}):
        touch_all()


def watched_models() -> dict:
    """Every model whose rows the cached pages may show, with how it finds its cohorts."""
    from simple_history.models import HistoricalChanges

    from cohorts.models import Cohort

    watched = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model is Cohort or issubclass(model, HistoricalChanges) or model._meta.label in IGNORED:
                continue  # Cohort.save() renews its own revision; history rows follow a save
            watched[model] = _scope(model)
    return watched


def connect() -> None:
    from cohorts.models import Agent

    for model, scope in watched_models().items():
        handler = _toucher(scope)
        uid = f"cohorts.revision.{model._meta.label}"
        post_save.connect(handler, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(handler, sender=model, weak=False, dispatch_uid=uid)
    pre_save.connect(_agent_leaving, sender=Agent, dispatch_uid="cohorts.revision.agent-leaving")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="cohorts.revision.user")
    post_migrate.connect(
        touch_after_migrate, sender=apps.get_app_config("cohorts"), dispatch_uid="cohorts.revision.migrate"
    )
