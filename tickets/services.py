"""Tickets: drafts made from tracker events, submission with required fields, corrections."""

import datetime
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, Value
from django.utils import timezone

from cohorts.models import Agent, Cohort
from core.events import emit, unit
from tickets.events import TicketDrafted, TicketSubmitted, TicketWithdrawn
from tickets.models import (
    CARRIER_TICKET,
    Playbook,
    StepOutcome,
    Ticket,
    TicketAttachment,
    TicketField,
    TicketFile,
    TicketType,
)
from tickets.selectors import proof_source_key

logger = logging.getLogger(__name__)


class TicketError(ValueError):
    """A ticket change the rules refuse; the message says why."""


class TicketIncomplete(TicketError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("Fill in the required fields before submitting.")
        self.errors = errors


def agent_facts(agent: Agent) -> dict[str, str]:
    cohort = agent.cohort
    return {
        "agent_name": agent.full_name,
        "employee_id": agent.employee_id,
        "cohort": cohort.name,
        "team_lead": cohort.tl.get_full_name() or cohort.tl.username,
    }


def draft(*, type_code: str, agent: Agent, values: dict, source_key: str | None, by=None) -> Ticket | None:
    """A draft of the type `type_code` prefilled with what the tracker knows.

    One event makes one draft: a second call with the same `source_key` makes nothing.
    """
    taken = Exists(Ticket.objects.filter(source_key=source_key)) if source_key else Value(False)
    fields = list(
        TicketField.objects.filter(ticket_type__code=type_code, ticket_type__active=True)
        .select_related("ticket_type")
        .annotate(taken=taken)
    )
    if fields and fields[0].taken:
        return None  # this event has its draft already
    ticket_type = (
        fields[0].ticket_type if fields else TicketType.objects.filter(code=type_code, active=True).first()
    )
    if ticket_type is None:
        return None  # an admin switched the form off
    if not fields and source_key and Ticket.objects.filter(source_key=source_key).exists():
        return None
    facts = {**agent_facts(agent), **{k: "" if v is None else str(v) for k, v in values.items()}}
    names = [f.name for f in fields]
    # No savepoint: the event that drafts holds its own lock (the cell, the agent, the proof), so
    # the same event cannot draft twice at once; a unique source key still guards it.
    with unit():
        ticket = Ticket.objects.create(
            ticket_type=ticket_type,
            cohort=agent.cohort,
            agent=agent,
            day=agent.cohort.local_today(),
            data={name: facts[name] for name in names if name in facts},
            source_key=source_key,
            created_by=by,
        )
        emit(TicketDrafted(ticket=ticket))
    return ticket


def draft_from_attempt(attempt) -> Ticket | None:
    number = (
        getattr(attempt, "number", None)
        or attempt.agent.exam_attempts.filter(task=attempt.task, pk__lte=attempt.pk).count()
    )
    return draft(
        type_code="carrier-cert-completion" if attempt.passed else "failed-carrier-cert-exams",
        agent=attempt.agent,
        values={
            "carrier": attempt.task.name,
            "exam": attempt.task.name,
            "exam_date": attempt.taken_on.isoformat(),
            "score": attempt.score,
            "attempt": number,
        },
        # A pass is the exam's completion: one form per agent and exam, whether the tracker cell
        # or the attempt said it first.
        source_key=completion_key(attempt.agent_id, attempt.task_id)
        if attempt.passed
        else f"attempt:{attempt.pk}",
        by=attempt.recorded_by,
    )


def completion_key(agent_id: int, task_id: int) -> str:
    return f"cert-completion:{agent_id}:{task_id}"


def draft_from_completion(*, agent: Agent, task, by) -> Ticket | None:
    """An exam's cell set done in the tracker (no attempt recorded): the Carrier Cert Completion
    Form, prefilled with the carrier and today as the certification date."""
    return draft(
        type_code="carrier-cert-completion",
        agent=agent,
        values={"carrier": task.name, "exam": task.name, "exam_date": agent.cohort.local_today().isoformat()},
        source_key=completion_key(agent.pk, task.pk),
        by=by,
    )


def draft_from_proof(proof) -> Ticket | None:
    return draft(
        type_code="esp-tracker-form",
        agent=proof.agent,
        values={"carrier": proof.task.name, "file_name": proof.original_name},
        source_key=proof_source_key(proof),
        by=proof.uploaded_by,
    )


def draft_from_call_certification(*, agent: Agent, by) -> Ticket | None:
    """The call certification was recorded done: one Call Certification Form per agent."""
    return draft(
        type_code="call-certification",
        agent=agent,
        values={"certification_date": agent.cohort.local_today().isoformat(), "result": "Passed"},
        source_key=f"call-cert:{agent.pk}",
        by=by,
    )


def draft_carrier_ticket(
    *, agent: Agent, carrier: str, issue: str, outcomes: list[StepOutcome], token: str, by
) -> Ticket:
    """From a troubleshooting playbook: the issue, and every step of the playbooks that end in
    the Carrier Ticket marked tried or skipped with a reason (refused until each one is)."""
    expected = [(p.name, step) for p in Playbook.objects.opening(CARRIER_TICKET) for step in p.step_list]
    if [(o.playbook, o.step) for o in outcomes] != expected or any(o.problem for o in outcomes):
        raise TicketError("Mark every troubleshooting step tried, or skipped with a reason, first.")
    steps = [o.line for o in outcomes]
    ticket = draft(
        type_code=CARRIER_TICKET,
        agent=agent,
        values={"carrier": carrier, "issue": issue.strip(), "steps_tried": "\n".join(steps)},
        source_key=f"playbook:{token}",
        by=by,
    )
    if ticket is None:
        existing = Ticket.objects.filter(source_key=f"playbook:{token}").first()
        if existing is None:
            raise TicketError("The Carrier Tickets form is switched off; an admin can switch it on.")
        return existing  # the same form posted twice
    return ticket


def _clean(ticket: Ticket, data: dict) -> tuple[dict, dict[str, TicketFile]]:
    """The values of the ticket's fields as text (a file chosen: its name), and the files chosen."""
    names = set(ticket.ticket_type.fields.values_list("name", flat=True))
    values, files = {}, {}
    for name, value in data.items():
        if name not in names:
            continue
        if isinstance(value, TicketFile):
            files[name] = value
        values[name] = ("" if value is None else str(value)).strip()
    return values, files


def _store_files(ticket: Ticket, files: dict[str, TicketFile], by) -> None:
    """Keep the files chosen for the ticket's file fields: each the field's newest."""
    for name, chosen in files.items():
        attachment = TicketAttachment(
            ticket=ticket,
            field_name=name,
            original_name=chosen.name,
            content_type=chosen.content_type,
            size=len(chosen.content),
            sha256=chosen.sha256,
            uploaded_by=by,
        )
        attachment.file.save("attachment", ContentFile(chosen.content), save=False)
        attachment.save()


def withdraw_draft(*, source_key: str, reason: str, by=None) -> Ticket | None:
    """Withdraw the draft an event made, when the event is undone (a rejected proof, say)."""
    with unit():
        ticket = (
            Ticket.objects.select_for_update()
            .filter(source_key=source_key, status=Ticket.Status.DRAFT)
            .first()
        )
        if ticket is None:
            return None
        ticket.status, ticket.withdrawn_reason = Ticket.Status.WITHDRAWN, reason[:200]
        ticket._change_reason = reason
        ticket.save(update_fields=["status", "withdrawn_reason", "updated_at"])
        emit(TicketWithdrawn(ticket=ticket))
    return ticket


def save_ticket(*, ticket: Ticket, data: dict, by) -> Ticket:
    """Save a draft, or correct a submitted ticket (history keeps the earlier values; the
    correction is emailed like the submission)."""
    if ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.WITHDRAWN):
        raise TicketError(f"A {ticket.get_status_display().lower()} ticket cannot be changed.")
    with unit():
        values, files = _clean(ticket, data)
        ticket.data = {**ticket.data, **values}
        if ticket.status == Ticket.Status.SUBMITTED:
            missing = missing_fields(ticket)
            if missing:
                raise TicketIncomplete(missing)
            ticket.submissions += 1
            ticket._change_reason = "Correction"
        _store_files(ticket, files, by)
        ticket.save()
        if ticket.status == Ticket.Status.SUBMITTED:
            emit(TicketSubmitted(ticket=ticket))
    return ticket


def missing_fields(ticket: Ticket) -> dict[str, str]:
    """The required fields a ticket still lacks, each with its message: what stops a submit."""
    return {
        f.name: f"{f.label} is required."
        for f in ticket.ticket_type.fields.all()
        if f.required and not str(ticket.data.get(f.name, "")).strip()
    }


def submit_ticket(*, ticket: Ticket, data: dict | None, by) -> Ticket:
    with unit():
        locked = (
            Ticket.objects.select_for_update(of=("self",)).select_related("submitted_by").get(pk=ticket.pk)
        )
        if locked.status == Ticket.Status.WITHDRAWN:
            raise TicketError(f"This draft was withdrawn: {locked.withdrawn_reason}")
        if locked.status != Ticket.Status.DRAFT:
            who = locked.submitted_by.get_full_name() or locked.submitted_by.username
            at = timezone.localtime(locked.submitted_at, ticket.cohort.tzinfo)
            raise TicketError(f"This ticket was already submitted by {who} on {at:%a %-d %b %H:%M %Z}.")
        values, files = _clean(locked, data or {})
        ticket.data = {**locked.data, **values}
        missing = missing_fields(ticket)
        if missing:
            raise TicketIncomplete(missing)
        _store_files(ticket, files, by)
        ticket.status = Ticket.Status.SUBMITTED
        ticket.submitted_by, ticket.submitted_at = by, timezone.now()
        ticket.submissions = 1
        ticket.save()
        emit(TicketSubmitted(ticket=ticket))
    return ticket


@dataclass
class BatchResult:
    submitted: list[Ticket]
    incomplete: dict[int, dict[str, str]]  # ticket id -> field -> message (kept as drafts)
    refused: dict[int, str]  # ticket id -> why (withdrawn, already submitted)


def submit_tickets(*, entries: list[tuple[Ticket, dict]], by) -> BatchResult:
    """ "Review and submit": in one transaction, each draft with what the TL typed is submitted
    when complete, else saved as a draft with the fields it still needs; one that someone else
    submitted or withdrew meanwhile is left as it is and said why."""
    result = BatchResult([], {}, {})
    with unit():
        for ticket, data in entries:
            try:
                with transaction.atomic():
                    result.submitted.append(submit_ticket(ticket=ticket, data=data, by=by))
            except TicketIncomplete as exc:
                save_ticket(ticket=ticket, data=data, by=by)
                result.incomplete[ticket.pk] = exc.errors
            except TicketError as exc:
                result.refused[ticket.pk] = str(exc)
    return result


def resolve_ticket(*, ticket: Ticket, resolution: str, by) -> Ticket:
    if not ticket.ticket_type.resolvable:
        raise TicketError(f"{ticket.ticket_type} tickets are not resolved.")
    if ticket.status != Ticket.Status.SUBMITTED:
        raise TicketError("Only a submitted ticket can be resolved.")
    if not resolution.strip():
        raise TicketError("Say how it was resolved.")
    with unit():
        ticket.status, ticket.resolution = Ticket.Status.RESOLVED, resolution.strip()
        ticket.resolved_by, ticket.resolved_at = by, timezone.now()
        ticket.save()
    return ticket


def unsubmitted_count(cohort: Cohort, day: datetime.date | None = None) -> int:
    """Drafts of the cohort up to `day` (default: its today): what must go before logging off."""
    return Ticket.objects.filter(cohort=cohort).unsubmitted(on=day or cohort.local_today()).count()


def save_ticket_form(*, type_form, fields, by):
    """An ESP admin changes a ticket form and its fields, all or nothing (each kept in history)."""
    with unit():
        ticket_type = type_form.save()
        fields.instance = ticket_type
        fields.save()
    return ticket_type


def save_playbook(*, playbook_form, contacts, by):
    """An ESP admin changes a playbook and its contacts, all or nothing (each kept in history)."""
    with unit():
        playbook = playbook_form.save()
        contacts.instance = playbook
        contacts.save()
    return playbook
