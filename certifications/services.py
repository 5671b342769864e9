"""Tracker use cases: statuses, exam attempts, proof, notes, red flags, readiness and handoff."""

import datetime
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from certifications.models import DailyNote, ExamAttempt, Handoff, Proof, RedFlag, Task, TaskStatus
from cohorts.access import Role, roles_of, sees_confidential
from cohorts.models import Agent, Cohort
from cohorts.services import DayClosed, check_closed_day

logger = logging.getLogger(__name__)

Status = TaskStatus.Status
STATUS_LABELS = dict(Status.choices)

# The file types a proof may be, told from the first bytes of the file, never from its name.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"%PDF-": "application/pdf",
}


class TrackerError(ValueError):
    """A tracker change that the rules refuse; the message says why in plain words."""


class StaleStatus(Exception):
    def __init__(self, current: TaskStatus):
        super().__init__("The status changed since it was loaded.")
        self.current = current


def is_overdue(task: Task, status: str, cohort: Cohort, today: datetime.date) -> bool:
    """Past the end of the task's due ESP day in the cohort's calendar and still not done."""
    return status not in TaskStatus.DONE and today > task.due_date(cohort)


# --- Statuses ----------------------------------------------------------------------------------


def set_task_status(
    *, agent: Agent, task: Task, status: str, reason: str = "", expected_version: int | None, by
) -> TaskStatus:
    """Change one tracker cell; StaleStatus if someone else changed it since it was read."""
    if status == Status.BLOCKED and not reason.strip():
        raise TrackerError("Say what blocks the task.")
    try:
        with transaction.atomic():
            cell = TaskStatus.objects.select_for_update().filter(agent=agent, task=task).first()
            if cell is None:
                cell = TaskStatus(agent=agent, task=task, version=0)
            if cell.version != (expected_version or 0):
                raise StaleStatus(cell)
            cell.status = status
            cell.blocked_reason = reason.strip() if status == Status.BLOCKED else ""
            cell.version += 1
            cell.updated_by = by
            cell.save()
            recompute_readiness(agent)
    except IntegrityError:
        raise StaleStatus(TaskStatus.objects.get(agent=agent, task=task)) from None
    return cell


def _bump(agent: Agent, task: Task, status: str, by) -> None:
    """Move a cell forward after an event (an exam result), keeping a verified cell verified."""
    cell, _ = TaskStatus.objects.select_for_update().get_or_create(agent=agent, task=task)
    if cell.status == Status.VERIFIED and status == Status.COMPLETE:
        return
    cell.status, cell.blocked_reason, cell.updated_by = status, "", by
    cell.version += 1
    cell.save()


# --- Exams ---------------------------------------------------------------------------------------


def failed_attempts(agent: Agent, task: Task) -> int:
    return ExamAttempt.objects.filter(agent=agent, task=task, passed=False).count()


def attempt_limit_reached(agent: Agent, task: Task) -> bool:
    return bool(task.attempt_limit) and failed_attempts(agent, task) >= task.attempt_limit


def record_attempt(
    *, agent: Agent, task: Task, taken_on: datetime.date, score, passed: bool, by
) -> ExamAttempt:
    """Record an exam attempt; the exam's attempt limit (admin policy) is enforced."""
    if not task.is_exam:
        raise TrackerError(f"{task} is not an exam.")
    with transaction.atomic():
        Agent.objects.select_for_update().filter(pk=agent.pk).first()  # one attempt at a time per agent
        used = failed_attempts(agent, task)
        if task.attempt_limit and used >= task.attempt_limit:
            raise TrackerError(
                f"{agent} has failed {task} {used} times, the limit the Failed Cert Exams Guide sets "
                f"({task.attempt_limit}). Follow the guide; no further attempt can be recorded."
            )
        if ExamAttempt.objects.filter(agent=agent, task=task, passed=True).exists():
            raise TrackerError(f"{agent} has already passed {task}.")
        attempt = ExamAttempt.objects.create(
            agent=agent, task=task, taken_on=taken_on, score=score, passed=passed, recorded_by=by
        )
        _bump(agent, task, Status.COMPLETE if passed else Status.FAILED, by)
        recompute_readiness(agent)
    return attempt


# --- Proof ---------------------------------------------------------------------------------------


def detect_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


@dataclass
class ProofCheck:
    content: bytes
    content_type: str
    sha256: str


def check_proof_file(upload) -> ProofCheck:
    """Read and check an uploaded proof: size, then type from the content; TrackerError if bad."""
    limit = settings.PROOF_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise TrackerError(f"The file is {upload.size // 1024} KB; proof may be at most {limit // 1024} KB.")
    content = upload.read()
    if not content:
        raise TrackerError("The file is empty.")
    content_type = detect_type(content[:16])
    if content_type is None:
        raise TrackerError("Proof must be a PNG or JPEG screenshot or a PDF; this file is none of them.")
    return ProofCheck(content, content_type, hashlib.sha256(content).hexdigest())


def upload_proof(*, agent: Agent, task: Task, upload, by) -> Proof:
    from django.core.files.base import ContentFile

    if not task.requires_proof:
        raise TrackerError(f"{task} takes no proof.")
    checked = check_proof_file(upload)
    with transaction.atomic():
        proof = Proof(
            agent=agent,
            task=task,
            original_name=upload.name[:200],
            content_type=checked.content_type,
            size=len(checked.content),
            sha256=checked.sha256,
            uploaded_by=by,
        )
        proof.file.save("proof", ContentFile(checked.content), save=False)
        proof.save()
    return proof


def duplicates_of(proofs) -> dict[int, list[Proof]]:
    """For each proof, the proofs of other agents with the same file content: one query."""
    proofs = list(proofs)
    hashes = {p.sha256 for p in proofs}
    same = Proof.objects.filter(sha256__in=hashes).select_related("agent__cohort")
    by_hash: dict[str, list[Proof]] = {}
    for other in same:
        by_hash.setdefault(other.sha256, []).append(other)
    return {p.pk: [o for o in by_hash.get(p.sha256, []) if o.agent_id != p.agent_id] for p in proofs}


def review_proof(*, proof: Proof, verified: bool, reason: str = "", by) -> Proof:
    if not verified and not reason.strip():
        raise TrackerError("Say why the proof is rejected, so the agent can send a better one.")
    with transaction.atomic():
        proof.review = Proof.Review.VERIFIED if verified else Proof.Review.REJECTED
        proof.rejection_reason = "" if verified else reason.strip()
        proof.reviewed_by, proof.reviewed_at = by, timezone.now()
        proof.save(update_fields=["review", "rejection_reason", "reviewed_by", "reviewed_at"])
        recompute_readiness(proof.agent)
    return proof


# --- Notes ---------------------------------------------------------------------------------------


def save_note(*, agent: Agent, day: datetime.date, text: str, by, reason: str = "") -> DailyNote | None:
    """Write the agent's note for an ESP day that has begun; an empty text leaves no note."""
    cohort = agent.cohort
    if cohort.day_number(day) is None:
        raise TrackerError(f"{day} is not one of {cohort}'s ESP days.")
    if day > cohort.local_today():
        raise TrackerError(f"{day} has not begun in {cohort.time_zone}; write the note on the day.")
    text = text.strip()
    with transaction.atomic():
        try:
            check_closed_day(cohort=cohort, day=day, reason=reason, what=f"Note of {agent}", by=by)
        except DayClosed as exc:
            raise TrackerError(str(exc)) from exc
        note = DailyNote.objects.select_for_update().filter(agent=agent, day=day).first()
        if note is None:
            if not text:
                return None
            note = DailyNote(agent=agent, day=day)
        note.text, note.updated_by = text, by
        note.save()
    return note


# --- Red flags -------------------------------------------------------------------------------------


def red_flags_for(user, queryset=None):
    """The red flags `user` may read: confidential ones only for PMs, ESP managers and admins."""
    queryset = RedFlag.objects.all() if queryset is None else queryset
    return queryset if sees_confidential(user) else queryset.filter(confidential=False)


def raise_red_flag(*, agent: Agent, category: str, details: str, confidential: bool, by) -> RedFlag:
    from esp import emails

    with transaction.atomic():
        flag = RedFlag.objects.create(
            agent=agent, category=category, details=details.strip(), confidential=confidential, raised_by=by
        )
        recompute_readiness(agent)
        emails.red_flag_raised(flag)
    return flag


def resolve_red_flag(*, flag: RedFlag, resolution: str, by) -> RedFlag:
    if not flag.is_open:
        raise TrackerError("This red flag is already resolved.")
    if not resolution.strip():
        raise TrackerError("Say how the red flag was resolved.")
    with transaction.atomic():
        flag.resolution, flag.resolved_by, flag.resolved_at = resolution.strip(), by, timezone.now()
        flag.save(update_fields=["resolution", "resolved_by", "resolved_at"])
        recompute_readiness(flag.agent)
    return flag


# --- Readiness and production ----------------------------------------------------------------------


def readiness_blockers(agent: Agent) -> list[str]:
    """What keeps the agent from production, in plain words; empty when the agent is ready."""
    tasks = list(Task.objects.filter(active=True, required=True))
    statuses = {s.task_id: s.status for s in TaskStatus.objects.filter(agent=agent)}
    verified_proof = set(
        Proof.objects.filter(agent=agent, review=Proof.Review.VERIFIED).values_list("task_id", flat=True)
    )
    blockers = []
    for task in tasks:
        if statuses.get(task.pk) != Status.VERIFIED:
            label = dict(Status.choices)[statuses.get(task.pk, Status.NOT_STARTED)].lower()
            blockers.append(f"{task} is {label}, not verified")
        if task.requires_proof and task.pk not in verified_proof:
            blockers.append(f"{task} proof is not verified")
    open_flags = RedFlag.objects.filter(agent=agent, resolved_at__isnull=True).count()
    if open_flags:
        blockers.append(f"{open_flags} red flag{'s' if open_flags > 1 else ''} open")
    blockers.extend(_ticket_blockers(agent))
    return blockers


def _ticket_blockers(agent: Agent) -> list[str]:
    """Unsubmitted tickets about the agent (the tickets app adds them when installed)."""
    try:
        from tickets.services import unsubmitted_for_agent
    except ImportError:
        return []
    count = unsubmitted_for_agent(agent)
    return [f"{count} ticket{'s' if count > 1 else ''} not submitted"] if count else []


def recompute_readiness(agent: Agent) -> bool:
    """Set the agent ready (and tell the PM, once ever) or back in ESP when something reopened."""
    from esp import emails

    agent.refresh_from_db(fields=["status", "ready_at"])
    ready = not readiness_blockers(agent)
    if ready and agent.status == Agent.Status.IN_ESP:
        agent.status = Agent.Status.READY
        agent.ready_at = agent.ready_at or timezone.now()
        agent._change_reason = "Every ESP task done"
        agent.save(update_fields=["status", "ready_at", "updated_at"])
        emails.agent_ready(agent)
    elif not ready and agent.status == Agent.Status.READY:
        agent.status = Agent.Status.IN_ESP
        agent._change_reason = "No longer ready: " + "; ".join(readiness_blockers(agent))
        agent.save(update_fields=["status", "updated_at"])
    return ready


def move_to_production(*, agent: Agent, production_tl, note: str = "", by) -> Handoff:
    if Role.TL not in roles_of(production_tl):
        raise TrackerError(f"{production_tl} is not a team lead.")
    with transaction.atomic():
        locked = Agent.objects.select_for_update().get(pk=agent.pk)
        if locked.status != Agent.Status.READY:
            blockers = readiness_blockers(locked)
            why = "; ".join(blockers) if blockers else f"the agent is {locked.get_status_display().lower()}"
            raise TrackerError(f"{agent} is not ready for production: {why}.")
        handoff = Handoff.objects.create(
            agent=agent, from_tl=agent.cohort.tl, to_tl=production_tl, moved_by=by, note=note.strip()
        )
        agent.status, agent.production_tl = Agent.Status.IN_PRODUCTION, production_tl
        agent._change_reason = f"Moved to production, handed to {production_tl}"
        agent.save(update_fields=["status", "production_tl", "updated_at"])
    return handoff


def acknowledge_handoff(*, handoff: Handoff, by) -> Handoff:
    if handoff.to_tl_id != by.pk:
        raise TrackerError("Only the agent's new team lead acknowledges the handoff.")
    if handoff.acknowledged_at:
        raise TrackerError("This handoff was already acknowledged.")
    handoff.acknowledged_at = timezone.now()
    handoff.save(update_fields=["acknowledged_at"])
    return handoff


# --- The grid --------------------------------------------------------------------------------------


@dataclass
class Cell:
    task: Task
    status: TaskStatus | None
    overdue: bool
    failed_attempts: int = 0

    @property
    def value(self) -> str:
        return self.status.status if self.status else Status.NOT_STARTED

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.value]

    @property
    def limit_reached(self) -> bool:
        return bool(self.task.attempt_limit) and self.failed_attempts >= self.task.attempt_limit


@dataclass
class TrackerRow:
    agent: Agent
    cells: list[Cell] = field(default_factory=list)
    note: DailyNote | None = None
    open_flags: int = 0

    @property
    def name(self) -> str:
        return self.agent.full_name

    @property
    def employee_id(self) -> str:
        return self.agent.employee_id

    @property
    def done(self) -> int:
        return sum(1 for c in self.cells if c.value in TaskStatus.DONE)

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.cells if c.overdue)

    @property
    def blocked(self) -> bool:
        return any(c.value in (Status.BLOCKED, Status.FAILED) for c in self.cells)


def tracker_rows(cohort: Cohort, tasks: list[Task], *, day: datetime.date, user) -> list[TrackerRow]:
    """Every agent of the cohort with a cell per task, today's note and open flags: five queries."""
    agents = list(Agent.objects.filter(cohort=cohort))
    # Filter on the agents' ids, not on a join through the cohort: the (agent, task) indexes
    # then serve a year of history without scanning it.
    ids = [a.pk for a in agents]
    statuses = {(s.agent_id, s.task_id): s for s in TaskStatus.objects.filter(agent_id__in=ids)}
    failures = Counter(
        {
            (row["agent_id"], row["task_id"]): row["n"]
            for row in ExamAttempt.objects.filter(agent_id__in=ids, passed=False)
            .values("agent_id", "task_id")
            .annotate(n=Count("id"))
        }
    )
    notes = {n.agent_id: n for n in DailyNote.objects.filter(agent_id__in=ids, day=day)}
    flags = dict(
        red_flags_for(user, RedFlag.objects.filter(agent_id__in=ids, resolved_at__isnull=True))
        .values_list("agent_id")
        .annotate(n=Count("id"))
    )
    today = cohort.local_today()
    rows = []
    for agent in agents:
        row = TrackerRow(agent=agent, note=notes.get(agent.pk), open_flags=flags.get(agent.pk, 0))
        for task in tasks:
            status = statuses.get((agent.pk, task.pk))
            row.cells.append(
                Cell(
                    task=task,
                    status=status,
                    overdue=is_overdue(task, status.status if status else Status.NOT_STARTED, cohort, today),
                    failed_attempts=failures[(agent.pk, task.pk)],
                )
            )
        rows.append(row)
    return rows
