"""The tracker's writers: statuses, exam attempts, proof, notes, red flags, carry-overs and the
handoff record. Each runs in a unit of work and sends its event; what other apps do about it
(drafts, rules, readiness, notices) happens in their receivers."""

import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.utils import timezone

from certifications.events import (
    ExamAttemptRecorded,
    HandoffRecorded,
    NoteSaved,
    ProofReviewed,
    ProofUploaded,
    RedFlagRaised,
    RedFlagResolved,
    TasksCarriedOver,
    TaskStatusChanged,
)
from certifications.models import (
    DailyNote,
    ExamAttempt,
    Handoff,
    Proof,
    RedFlag,
    Task,
    TaskStatus,
    TaskTerms,
    held_on,
)
from certifications.selectors import has_uncleared_duplicate
from cohorts.models import Agent, Cohort
from cohorts.services import DayClosed, check_closed_day, day_closed, lock_agent
from core.events import emit, unit
from core.uploads import BadUpload, check_proof_file

logger = logging.getLogger(__name__)

Status = TaskStatus.Status


class TrackerError(ValueError):
    """A tracker change that the rules refuse; the message says why in plain words."""


class StaleStatus(Exception):
    def __init__(self, current: TaskStatus):
        super().__init__("The status changed since it was loaded.")
        self.current = current


class ClosedDayReason(TrackerError):
    """A change to a day the TL closed, sent without its reason: asked for beside the change."""


def _closed_day_check(
    agent: Agent, day: datetime.date, reason: str, what: str, by, closed: bool | None = None
) -> bool:
    try:
        return check_closed_day(cohort=agent.cohort, day=day, reason=reason, what=what, by=by, closed=closed)
    except DayClosed as exc:
        raise ClosedDayReason(str(exc)) from exc


# --- Statuses ----------------------------------------------------------------------------------


def set_task_status(
    *,
    agent: Agent,
    task: Task,
    status: str,
    reason: str = "",
    expected_version: int | None,
    by,
    closed_reason: str = "",
) -> TaskStatus:
    """Change one tracker cell; StaleStatus if someone else changed it since it was read."""
    if status == Status.BLOCKED and not reason.strip():
        raise TrackerError("Say what blocks the task.")
    task = TaskTerms.objects.tasks_held([agent.cohort], [task])[agent.cohort_id][0]  # the cohort's due day
    today = agent.cohort.local_today()
    try:
        with unit():
            locking = (
                TaskStatus.objects.select_for_update(of=("self",))
                .filter(agent=agent, task=task)
                .annotate(day_closed=day_closed(agent.cohort_id, today))
            )
            if task.is_exam:  # the cell shows its failed attempts: read them with the row
                locking = locking.annotate(failed_attempts=ExamAttempt.objects.failures_of_cell())
            cell = locking.first()
            if cell is None:  # no attempt yet either: an attempt gives its cell a status
                cell = TaskStatus(agent=agent, task=task, version=0)
                cell.failed_attempts, cell.day_closed = 0, None
            cell.agent, cell.task = agent, task  # loaded: the revision renews the cohort by its id
            if cell.version != (expected_version or 0):
                raise StaleStatus(cell)
            old = cell.status
            if _closed_day_check(agent, today, closed_reason, f"{task} of {agent}", by, cell.day_closed):
                cell._change_reason = f"After the day was closed: {closed_reason.strip()}"
            cell.status = status
            cell.blocked_reason = reason.strip() if status == Status.BLOCKED else ""
            cell.version += 1
            cell.updated_by = by
            cell.save()
            emit(TaskStatusChanged(agent=agent, task=task, old=old, new=status, by=by))
    except IntegrityError:
        raise StaleStatus(TaskStatus.objects.get(agent=agent, task=task)) from None
    return cell


def _bump(agent: Agent, task: Task, status: str, by) -> None:
    """Move a cell forward after an event (an exam result), keeping a verified cell verified."""
    cell = TaskStatus.objects.select_for_update().filter(agent=agent, task=task).first()
    cell = cell or TaskStatus(agent=agent, task=task, version=0)
    if cell.status == Status.VERIFIED and status == Status.COMPLETE or cell.status == status:
        return
    old = cell.status
    cell.status, cell.blocked_reason, cell.updated_by = status, "", by
    cell.version += 1
    cell.save()
    emit(TaskStatusChanged(agent=agent, task=task, old=old, new=status, by=by))


# --- Exams ---------------------------------------------------------------------------------------


def record_attempt(
    *, agent: Agent, task: Task, taken_on: datetime.date, score, passed: bool, by
) -> ExamAttempt:
    """Record an exam attempt; the exam's attempt limit (admin policy) is enforced."""
    if not task.is_exam:
        raise TrackerError(f"{task} is not an exam.")
    task = TaskTerms.objects.tasks_held([agent.cohort], [task])[agent.cohort_id][0]  # the cohort's limit
    with unit():
        lock_agent(agent)  # one attempt at a time per agent
        results = list(ExamAttempt.objects.filter(agent=agent, task=task).values_list("passed", flat=True))
        used = results.count(False)
        if task.limit_reached(used):
            raise TrackerError(
                f"{agent} has failed {task} {used} times, the limit the Failed Cert Exams Guide sets "
                f"({task.attempt_limit}). Follow the guide; no further attempt can be recorded."
            )
        if True in results:
            raise TrackerError(f"{agent} has already passed {task}.")
        attempt = ExamAttempt.objects.create(
            agent=agent, task=task, taken_on=taken_on, score=score, passed=passed, recorded_by=by
        )
        attempt.number = len(results) + 1
        failed = used + (not passed)
        # The attempt first: the form a pass drafts then carries its score and date, and the
        # cell's change to Complete finds it already drafted.
        emit(ExamAttemptRecorded(attempt=attempt, failed=failed, limit_reached=task.limit_reached(failed)))
        _bump(agent, task, Status.COMPLETE if passed else Status.FAILED, by)
    return attempt


# --- Proof ---------------------------------------------------------------------------------------


def upload_proof(*, agent: Agent, task: Task, upload, by) -> Proof:
    if not task.requires_proof:
        raise TrackerError(f"{task} takes no proof.")
    try:
        checked = check_proof_file(upload)
    except BadUpload as exc:
        raise TrackerError(str(exc)) from exc
    with unit():
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
        emit(ProofUploaded(proof=proof))
    return proof


def review_proof(*, proof: Proof, verified: bool, reason: str = "", by) -> Proof:
    if not verified and not reason.strip():
        raise TrackerError("Say why the proof is rejected, so the agent can send a better one.")
    if verified and has_uncleared_duplicate(proof):
        raise TrackerError(
            "The same file was uploaded for another agent. Say why that is fine (or reject this "
            "proof) before verifying it."
        )
    with unit():
        proof.review = Proof.Review.VERIFIED if verified else Proof.Review.REJECTED
        proof.rejection_reason = "" if verified else reason.strip()
        proof.reviewed_by, proof.reviewed_at = by, timezone.now()
        proof.save(update_fields=["review", "rejection_reason", "reviewed_by", "reviewed_at"])
        emit(ProofReviewed(proof=proof, verified=verified))
    return proof


def clear_duplicate(*, proof: Proof, reason: str, by) -> Proof:
    """Someone looked at the other agent's identical file and says why this one is still fine."""
    if not reason.strip():
        raise TrackerError("Say why the same file for another agent is fine.")
    with unit():
        proof.duplicate_cleared_reason = reason.strip()[:200]
        proof.duplicate_cleared_by, proof.duplicate_cleared_at = by, timezone.now()
        proof.save(update_fields=["duplicate_cleared_reason", "duplicate_cleared_by", "duplicate_cleared_at"])
    return proof


# --- Notes ---------------------------------------------------------------------------------------


class StaleNote(Exception):
    """Someone saved the note after the editor loaded it (`current`: their note)."""

    def __init__(self, current: DailyNote | None):
        super().__init__("The note changed since it was loaded.")
        self.current = current


def save_note(
    *,
    agent: Agent,
    day: datetime.date,
    text: str,
    by,
    reason: str = "",
    expected_version: int | None = None,
) -> DailyNote | None:
    """Write the agent's note for an ESP day that has begun; an empty text leaves no note.
    StaleNote if it changed since `expected_version` was read (None: a job's own write)."""
    cohort = agent.cohort
    if cohort.day_number(day) is None:
        raise TrackerError(f"{day} is not one of {cohort}'s ESP days.")
    if day > cohort.local_today():
        raise TrackerError(f"{day} has not begun in {cohort.time_zone}; write the note on the day.")
    text = text.strip()
    with unit():
        note = (
            DailyNote.objects.select_for_update(of=("self",))
            .filter(agent=agent, day=day)
            .annotate(day_closed=day_closed(agent.cohort_id, day))
            .first()
        )
        after_close = _closed_day_check(agent, day, reason, f"Note of {agent}", by, note and note.day_closed)
        if expected_version is not None and expected_version != (note.version if note else 0):
            raise StaleNote(note)
        if note is None:
            if not text:
                return None
            note = DailyNote(agent=agent, day=day)
        if note.pk and note.text == text:
            return note  # nothing changed: no history entry, no new version
        note.text, note.updated_by, note.version = text, by, note.version + 1
        if after_close:
            note._change_reason = f"After the day was closed: {reason.strip()}"
        note.save()
        emit(NoteSaved(agent=agent, day=day))
    return note


# --- Carry-overs ---------------------------------------------------------------------------------


def carry_over(*, agent: Agent, tasks: list[Task], day: datetime.date, reason: str, by) -> list[TaskStatus]:
    """Carry open tasks of `day` over to the next ESP day, with why (an absence, say). The
    status stays what it truly is; the cell's history keeps each carry-over, who and why."""
    reason = reason.strip()
    if not reason:
        raise TrackerError("Say why the tasks are carried over, so the next day (or the new TL) knows.")
    if agent.cohort.day_number(day) is None:
        raise TrackerError(f"{day} is not one of {agent.cohort}'s ESP days.")
    with unit():
        cells = {
            c.task_id: c for c in TaskStatus.objects.select_for_update().filter(agent=agent, task__in=tasks)
        }
        carried = []
        for task in tasks:
            cell = cells.get(task.pk) or TaskStatus(agent=agent, task=task, version=0)
            if cell.status in TaskStatus.DONE or cell.carried_from == day:
                continue
            cell.carried_from, cell.carried_reason = day, reason[:300]
            cell.version += 1
            cell.updated_by = by
            cell._change_reason = f"Carried over from {day:%a %-d %b}: {reason}"
            cell.save()
            carried.append(cell)
        if carried:
            emit(TasksCarriedOver(agent=agent, day=day, cells=tuple(carried)))
    return carried


# --- Red flags -------------------------------------------------------------------------------------


class RepeatedRedFlag(Exception):
    """The same red flag (agent, category, details) was raised moments ago: a retry or a double
    click, not a second flag. `flag` is the first one; nothing new was written or sent."""

    def __init__(self, flag: RedFlag):
        super().__init__("This red flag was already raised.")
        self.flag = flag


def raise_red_flag(*, agent: Agent, category: str, details: str, confidential: bool, by) -> RedFlag:
    """Raise a red flag and tell the PM and the ESP managers. The same flag raised again within
    RED_FLAG_REPEAT_WINDOW (a retry after an error, a double click) raises RepeatedRedFlag."""
    with unit():
        lock_agent(agent)  # one raise at a time per agent
        since = timezone.now() - settings.RED_FLAG_REPEAT_WINDOW
        first = RedFlag.objects.open().repeating(agent=agent, category=category, details=details, since=since)
        if first is not None:
            raise RepeatedRedFlag(first)
        flag = RedFlag.objects.create(
            agent=agent, category=category, details=details.strip(), confidential=confidential, raised_by=by
        )
        emit(RedFlagRaised(flag=flag))
    return flag


def resolve_red_flag(*, flag: RedFlag, resolution: str, by) -> RedFlag:
    if not flag.is_open:
        raise TrackerError("This red flag is already resolved.")
    if not resolution.strip():
        raise TrackerError("Say how the red flag was resolved.")
    with unit():
        flag.resolution, flag.resolved_by, flag.resolved_at = resolution.strip(), by, timezone.now()
        flag.save(update_fields=["resolution", "resolved_by", "resolved_at"])
        emit(RedFlagResolved(flag=flag))
    return flag


# --- Handoff ---------------------------------------------------------------------------------------


def record_handoff(*, agent: Agent, production_tl, note: str, by) -> Handoff:
    """The handoff record of an agent moved to production (desk.services checks readiness first)."""
    with unit():
        handoff = Handoff.objects.create(
            agent=agent, from_tl=agent.cohort.tl, to_tl=production_tl, moved_by=by, note=note.strip()
        )
        emit(HandoffRecorded(handoff=handoff))
    return handoff


def acknowledge_handoff(*, handoff: Handoff, by) -> Handoff:
    if handoff.to_tl_id != by.pk:
        raise TrackerError("Only the agent's new team lead acknowledges the handoff.")
    if handoff.acknowledged_at:
        raise TrackerError("This handoff was already acknowledged.")
    with unit():
        handoff.acknowledged_at = timezone.now()
        handoff.save(update_fields=["acknowledged_at"])
    return handoff


# --- Task terms (due days and attempt limits), versioned --------------------------------------


class TermsError(ValueError):
    """A version of the task terms that cannot be published or a move that cannot be made."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def publish_task_terms(
    *, terms: dict[int, tuple[int, int | None]], effective_from: datetime.date, note: str, by
) -> TaskTerms:
    """Publish the next version of the task terms ({task id: (due day, attempt limit)}): cohorts
    that start from `effective_from` are held to it; running cohorts keep theirs. The tasks carry
    the newest terms, with a line in their history."""
    with unit():
        newest = TaskTerms.objects.select_for_update().order_by("-number").first()
        if newest and effective_from <= newest.effective_from:
            raise TermsError(
                f"Version {newest.number} is in force from {newest.effective_from:%a %-d %b %Y}; "
                "the next one must start after it.",
                "effective_from",
            )
        version = TaskTerms.objects.create(
            number=(newest.number + 1) if newest else 1,
            effective_from=effective_from,
            terms={str(pk): [due_day, limit] for pk, (due_day, limit) in terms.items()},
            note=note,
            published_by=by,
        )
        for task in Task.objects.all():  # each carries the newest terms and the day they hold from
            due_day, limit = terms.get(task.pk, (task.due_day, task.attempt_limit))
            task._change_reason = f"Task terms version {version.number}, for cohorts from {effective_from}"
            task.due_day, task.attempt_limit, task.terms_from = due_day, limit, effective_from
            task.save(update_fields=["due_day", "attempt_limit", "terms_from"])
    return version


def move_cohort_terms(*, cohort, terms: TaskTerms, reason: str, by) -> Cohort:
    """Hold a cohort to another version of the task terms than the one it started under (moved
    back to that one, it is held by its start date again), with the reason in its history."""
    if not reason.strip():
        raise TermsError("Say why the cohort moves: it is kept with the change.", "reason")
    with unit():
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        versions = list(TaskTerms.objects.order_by("effective_from"))
        started = held_on(versions, cohort.start_date, since=lambda v: v.effective_from)
        cohort.task_terms_day = None if terms == started else terms.effective_from
        cohort._change_reason = f"Held to task terms version {terms.number}: {reason.strip()}"
        cohort._history_user = by
        cohort.save(update_fields=["task_terms_day"])
    return cohort
