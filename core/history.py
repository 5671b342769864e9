"""Readable change history from django-simple-history records, for any model that keeps one."""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone

SKIPPED_FIELDS = {"id", "created_at", "updated_at"}
KIND_LABELS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    who: str
    kind: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _display(model_field, value, related_names: dict) -> str:
    """A value as the history shows it; a moment in the active time zone (the page's: the
    cohort's on an agent's page, whose header names it), to the minute, as the When column."""
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        return related_names.get((model_field.name, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):  # aware, as every moment the app stores
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    return str(value)


def history_entries(history_queryset) -> list[HistoryEntry]:
    """Newest-first entries saying who changed what, in a number of queries fixed by the model."""
    records = list(history_queryset.select_related("history_user").order_by("history_date", "history_id"))
    if not records:
        return []
    model = records[0].instance_type
    kept = {f.attname for f in records[0]._meta.concrete_fields}  # a field history excludes: not shown
    fields = [f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS and f.attname in kept]
    related_names = _related_names(model, fields, records)
    previous_by_object: dict = {}
    entries = []
    for record in records:
        previous = previous_by_object.get(record.id)
        changes = []
        for f in fields:
            new = getattr(record, f.attname)
            old = getattr(previous, f.attname) if previous is not None else None
            if previous is not None and old == new:
                continue
            if previous is None and (new is None or new == ""):
                continue
            changes.append(
                Change(
                    field=str(f.verbose_name),
                    old=_display(f, old, related_names) if previous is not None else "",
                    new=_display(f, new, related_names),
                )
            )
        previous_by_object[record.id] = record
        if record.history_type == "~" and not changes:
            continue
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else "System",
                kind=KIND_LABELS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    entries.reverse()
    return entries


def _related_names(model, fields, records) -> dict:
    """Names of the related rows the records point at: one query per relation field."""
    names: dict = {}
    for f in fields:
        if not f.is_relation:
            continue
        ids = {getattr(r, f.attname) for r in records} - {None}
        if not ids:
            continue
        related: type[models.Model] = f.related_model
        for obj in related._default_manager.filter(pk__in=ids):
            label = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
            names[(f.name, obj.pk)] = label or str(obj)
    return names


def user_who_saved(instance, request=None, **kwargs):
    """History's user: the request's user, else the record's own `updated_by` (for work done by
    services outside a request: Celery, commands, imports)."""
    if request is not None:
        return request.user
    return getattr(instance, "updated_by", None)
