"""Reads of the tracker that every page, email, export and job shares.

`task_cells` is the one place that turns stored statuses into what a task is for an agent at a
moment (done, not due yet, due today, overdue, carried over), with failed attempts and the
carry-over reason: the grid, the day board, the cohort page, the dashboard, the end-of-day
checks, the rules and the exports all read it, so they cannot disagree.
"""

import datetime
import functools
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q

from certifications.models import (
    OPEN_STATES,
    DailyNote,
    ExamAttempt,
    Handoff,
    Proof,
    RedFlag,
    Task,
    TaskState,
    TaskStatus,
    TaskTerms,
)
from cohorts.facts import Facts, agent_facts
from cohorts.models import Agent, Cohort
from cohorts.selectors import ATTENDING
from core.fragments import digest

Status = TaskStatus.Status
STATUS_LABELS = dict(Status.choices)


def active_tasks(cohort: Cohort | None = None) -> list[Task]:
    """The task list in column order: the sheet's columns; for a cohort, with the due days and
    attempt limits its version of the task terms holds it to (cohorts_tasks)."""
    if cohort is None:
        return list(Task.objects.filter(active=True))
    return cohorts_tasks([cohort])[cohort.pk]


def cohorts_tasks(cohorts: list[Cohort]) -> dict[int, list[Task]]:
    """Each cohort's active tasks in column order, held to its version of the task terms: cached
    per cohort under its shared revision (which a change of the tasks, of the terms or of the
    cohort renews); one query for all the cohorts the cache misses."""
    keys = {c.pk: "tasks:" + digest(c.pk, c.shared_revision) for c in cohorts}
    found = cache.get_many(list(keys.values()))
    held = {c.pk: found[keys[c.pk]] for c in cohorts if keys[c.pk] in found}
    missing = [c for c in cohorts if c.pk not in held]
    if missing:
        made = TaskTerms.objects.tasks_held(missing, list(Task.objects.filter(active=True)))
        cache.set_many({keys[pk]: tasks for pk, tasks in made.items()}, settings.PAGE_CACHE_SECONDS)
        held |= made
    return held


@dataclass(frozen=True, slots=True)
class Carried:
    """A carry-over of a task: from which ESP day, and why."""

    day: datetime.date
    reason: str

    def until(self, cohort: Cohort) -> datetime.date:
        """The ESP day the task is due after the carry-over."""
        return cohort.next_esp_day(self.day)


@dataclass(slots=True)
class Cell:
    """One agent's task at one moment: one cell of the tracker."""

    task: Task
    status: str = Status.NOT_STARTED
    state: str = TaskState.UPCOMING
    version: int = 0
    blocked_reason: str = ""
    failed: int = 0
    carried: Carried | None = None
    updated_at: datetime.datetime | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def done(self) -> bool:
        return self.state == TaskState.DONE

    @property
    def overdue(self) -> bool:
        return self.state == TaskState.OVERDUE

    @property
    def due_today(self) -> bool:
        return self.state == TaskState.DUE_TODAY

    @property
    def carried_over(self) -> bool:
        return self.state == TaskState.CARRIED_OVER

    @property
    def open(self) -> bool:
        """Due by now and not done: what the TL must act on (set it, or carry it over) today."""
        return self.state in OPEN_STATES

    @property
    def state_label(self) -> str:
        return TaskState(self.state).label

    @property
    def key(self) -> str:
        """A digest of what the cell shows (its task's terms, status, state, version, reason,
        failed attempts, carry-over) and of the code that renders it: the tracker caches the
        cell's HTML under it, so that a write about one task renders that cell alone again."""
        task = self.task
        return digest(
            (task.pk, task.name, task.due_day, task.attempt_limit, task.is_exam),
            (self.status, self.state, self.version, self.blocked_reason, self.failed, self.carried),
        )

    @property
    def attempts_left(self) -> int | None:
        return self.task.attempts_left(self.failed)

    @property
    def limit_reached(self) -> bool:
        return self.task.limit_reached(self.failed)


STATUS_FIELDS = ("status", "version", "blocked_reason", "updated_at", "carried_from", "carried_reason")
NO_STATUS = (Status.NOT_STARTED, 0, "", None, None, "")


def status_rows(agent_ids) -> dict[int, dict[int, tuple]]:
    """The stored statuses of these agents, as task_cells reads them: {agent id: {task id: row}}."""
    rows: dict[int, dict[int, tuple]] = {}
    for agent_id, task_id, *row in TaskStatus.objects.of(agent_ids).values_list(
        "agent_id", "task_id", *STATUS_FIELDS
    ):
        rows.setdefault(agent_id, {})[task_id] = tuple(row)
    return rows


def failures_by_agent(agent_ids) -> dict[int, dict[int, int]]:
    """Failed attempts of these agents: {agent id: {exam id: count}} (ExamAttempt.objects.failures)."""
    by_agent: dict[int, dict[int, int]] = {}
    for (agent_id, task_id), n in ExamAttempt.objects.failures(agent_ids).items():
        by_agent.setdefault(agent_id, {})[task_id] = n
    return by_agent


def task_cells(
    agents: list[Agent],
    tasks: list[Task] | dict[int, list[Task]],
    *,
    now: datetime.datetime,
    moments: dict | None = None,
    statuses: list[TaskStatus] | None = None,
    failures: dict[tuple[int, int], int] | None = None,
    stored: tuple[dict, dict] | None = None,
) -> dict[int, list[Cell]]:
    """A cell per task for each agent (whose cohort is loaded), at `now` (or at `moments[cohort
    id]` for the cohorts named there): two queries at most (one without exams), none when the
    caller has the `statuses` already and no exam is among the tasks, or has them `stored`: every
    agent's status_rows and failures_by_agent (which cohorts.facts caches).

    Each cohort's tasks are held to its version of the task terms (due days, attempt limits):
    `tasks` is the task list, or each cohort's (TaskTerms.objects.tasks_held) when the caller
    has them already; one query more otherwise."""
    ids = [a.pk for a in agents]
    if not isinstance(tasks, dict):
        tasks = TaskTerms.objects.tasks_held(list({a.cohort.pk: a.cohort for a in agents}.values()), tasks)
    if stored is not None:
        by_agent, failed = stored
        statuses = {(a, t): row for a, own in by_agent.items() for t, row in own.items()}
        failures = {(a, t): n for a, own in failed.items() for t, n in own.items()}
    elif statuses is None:
        rows = TaskStatus.objects.of(ids).values_list("agent_id", "task_id", *STATUS_FIELDS)
        statuses = {(agent_id, task_id): row for agent_id, task_id, *row in rows}
    else:
        statuses = {(s.agent_id, s.task_id): [getattr(s, f) for f in STATUS_FIELDS] for s in statuses}
    if failures is None:
        exams = any(t.is_exam for held in tasks.values() for t in held)
        failures = ExamAttempt.objects.failures(ids) if exams else {}
    cells: dict[int, list[Cell]] = {}
    moments = moments or {}
    for agent in agents:
        cohort = agent.cohort
        at = moments.get(cohort.pk, now)
        row = []
        for task in tasks[cohort.pk]:
            key = (agent.pk, task.pk)
            status, version, reason, updated_at, carried_from, carried_reason = statuses.get(key, NO_STATUS)
            carried = Carried(carried_from, carried_reason) if carried_from else None
            until = carried.until(cohort) if carried else None
            row.append(
                Cell(
                    task=task,
                    status=status,
                    state=task.state(status, cohort, at, until),
                    version=version,
                    blocked_reason=reason,
                    failed=failures.get(key, 0),
                    carried=carried,
                    updated_at=updated_at,
                )
            )
        cells[agent.pk] = row
    return cells


def cell_for(agent: Agent, task: Task, *, now: datetime.datetime, status: TaskStatus | None = None) -> Cell:
    """One cell; `status` is the row when the caller has just saved or read it (with its failed
    attempts when the save read them: certifications.services.set_task_status)."""
    known = getattr(status, "failed_attempts", None)
    failures = None if known is None else {(agent.pk, task.pk): known}
    statuses = None if status is None else [status]
    return task_cells([agent], [task], now=now, statuses=statuses, failures=failures)[agent.pk][0]


def open_flag_counts(agent_ids, *, user, sees_confidential: bool) -> Counter:
    """Open red flags per agent, counting only the flags `user` may see."""
    rows = (
        RedFlag.objects.open()
        .filter(agent_id__in=agent_ids)
        .visible_to(user, sees_confidential)
        .values_list("agent_id")
        .annotate(n=Count("id"))
    )
    return Counter(dict(rows))


@dataclass
class TrackerRow:
    """An agent's row of the tracker. `filled` is false while the row holds its agent only
    (TrackerRows reads the rest when the row is to be shown)."""

    agent: Agent
    cells: list[Cell] = field(default_factory=list)
    note: DailyNote | None = None
    open_flags: int = 0
    filled: bool = True

    @property
    def done(self) -> int:
        return sum(1 for c in self.cells if c.done)

    @property
    def overdue(self) -> int:
        """Overdue tasks; an agent no longer in ESP (moved, withdrawn, terminated) has none."""
        return sum(1 for c in self.cells if c.overdue) if self.attending else 0

    @property
    def due_today(self) -> int:
        return sum(1 for c in self.cells if c.due_today) if self.attending else 0

    @property
    def blocked(self) -> bool:
        return any(c.status in (Status.BLOCKED, Status.FAILED) for c in self.cells)

    @property
    def open_cells(self) -> list[Cell]:
        """What keeps the day from closing in this row (Cell.open), for an agent still in ESP."""
        return [c for c in self.cells if c.open] if self.attending else []

    @property
    def attending(self) -> bool:
        return self.agent.status in ATTENDING


def _ids(agents) -> list[int]:
    return [a.pk for a in agents]


# The tracker's facts of each agent as pages read them through cohorts.facts (cached per agent
# under its revision of the kind; `missing`: the agents whose kind changed).
STATUS_FACTS = Facts(TaskStatus, lambda missing: status_rows(_ids(missing)), {})
FAILURE_FACTS = Facts(ExamAttempt, lambda missing: failures_by_agent(_ids(missing)), {})


def flag_facts(user, sees_confidential: bool) -> Facts:
    """Open red flags per agent that `user` may see."""
    return Facts(
        RedFlag,
        lambda missing: open_flag_counts(_ids(missing), user=user, sees_confidential=sees_confidential),
        0,
        extra=f"{getattr(user, 'pk', None)}:{sees_confidential}",
    )


def note_facts(day: datetime.date) -> Facts:
    """Each agent's note of `day`, or None."""
    return Facts(
        DailyNote,
        lambda missing: {
            n.agent_id: n for n in DailyNote.objects.filter(agent_id__in=_ids(missing), day=day)
        },
        None,
        extra=day.isoformat(),
    )


def tracker_rows(
    cohort: Cohort,
    tasks: list[Task],
    *,
    day: datetime.date,
    now: datetime.datetime,
    user,
    sees_confidential: bool,
    agents: list[Agent] | None = None,
) -> list[TrackerRow]:
    """Every agent of the cohort (or only `agents`, of the cohort, in its order) with a cell per
    task (`tasks`: active_tasks(cohort)), the day's note and open flags: each kind read only for
    the agents whose rows of that kind changed."""
    if agents is None:
        agents = list(Agent.objects.filter(cohort=cohort))
    for agent in agents:
        agent.cohort = cohort
    facts = agent_facts(
        agents,
        {
            "statuses": STATUS_FACTS,
            "failures": FAILURE_FACTS,
            "note": note_facts(day),
            "flags": flag_facts(user, sees_confidential),
        },
    )
    cells = task_cells(agents, {cohort.pk: tasks}, now=now, stored=(facts["statuses"], facts["failures"]))
    return [
        TrackerRow(agent=a, cells=cells[a.pk], note=facts["note"][a.pk], open_flags=facts["flags"][a.pk])
        for a in agents
    ]


class TrackerRows(list):
    """A cohort's tracker rows (tracker_rows), each holding at first its agent only: the rest of
    the rows given to `complete` is read in one go, when they are to be shown or filtered. A page
    that caches each row under its agent's revision (cache_each asks the sequence to complete the
    rows it did not find) reads, right after a write, the facts of the agent written about only,
    not the cohort's."""

    def __init__(self, cohort: Cohort, tasks: list[Task], agents: list[Agent], **read):
        super().__init__(TrackerRow(agent=agent, filled=False) for agent in agents)
        self.read = functools.partial(tracker_rows, cohort, tasks, **read)

    def complete(self, rows: list[TrackerRow] | None = None) -> "TrackerRows":
        """Fill `rows` (of these; all of them by default) that hold their agent only."""
        todo = [row for row in (self if rows is None else rows) if not row.filled]
        if todo:
            read = {row.agent.pk: row for row in self.read(agents=[row.agent for row in todo])}
            for row in todo:
                full = read[row.agent.pk]
                row.cells, row.note, row.open_flags, row.filled = full.cells, full.note, full.open_flags, True
        return self


def duplicates_of(proofs) -> dict[int, list[Proof]]:
    """For each proof, the proofs of other agents with the same file content: one query."""
    proofs = list(proofs)
    hashes = {p.sha256 for p in proofs}
    same = Proof.objects.filter(sha256__in=hashes).select_related("agent__cohort")
    by_hash: dict[str, list[Proof]] = {}
    for other in same:
        by_hash.setdefault(other.sha256, []).append(other)
    return {p.pk: [o for o in by_hash.get(p.sha256, []) if o.agent_id != p.agent_id] for p in proofs}


def has_uncleared_duplicate(proof: Proof) -> bool:
    """The same file was uploaded for another agent and nobody has said why that is fine."""
    if proof.duplicate_cleared_at:
        return False
    return Proof.objects.filter(sha256=proof.sha256).exclude(agent_id=proof.agent_id).exists()


def agent_cells(
    agent: Agent, *, now: datetime.datetime, stored: tuple[dict, dict] | None = None
) -> list[Cell]:
    """The agent's tracker row: a cell per active task (two queries at most; none with its
    statuses and failures `stored`, as task_cells takes them)."""
    return task_cells([agent], {agent.cohort_id: active_tasks(agent.cohort)}, now=now, stored=stored)[
        agent.pk
    ]


def agent_attempts(agent: Agent) -> list[ExamAttempt]:
    return list(ExamAttempt.objects.filter(agent=agent).select_related("task", "recorded_by"))


def agent_proofs(agent: Agent, *, user) -> list[Proof]:
    """The agent's proofs, each with the proofs of the same file that other agents have: those the
    viewer may know of (`duplicates`), how many others there are (`hidden_duplicates`), and
    whether someone must still say why the same file is fine (`needs_clearing`)."""
    proofs = list(Proof.objects.filter(agent=agent).select_related("task", "uploaded_by", "reviewed_by"))
    duplicates = duplicates_of(proofs)
    visible = (
        set(
            Agent.objects.visible_to(user)
            .filter(pk__in={o.agent_id for others in duplicates.values() for o in others})
            .values_list("pk", flat=True)
        )
        if any(duplicates.values())
        else set()
    )
    for proof in proofs:
        others = duplicates.get(proof.pk, [])
        proof.duplicates = [o for o in others if o.agent_id in visible]
        proof.hidden_duplicates = len(others) - len(proof.duplicates)
        proof.needs_clearing = bool(others) and not proof.duplicate_cleared_at
    return proofs


def agent_notes(agent: Agent) -> list[DailyNote]:
    return list(DailyNote.objects.filter(agent=agent).select_related("updated_by"))


def agent_red_flags(agent: Agent, *, user, caps) -> list[RedFlag]:
    """The agent's red flags that the viewer may see."""
    return list(
        RedFlag.objects.filter(agent=agent).visible_to(user, caps.confidential).select_related("raised_by")
    )


def note_day_of(agent: Agent, now: datetime.datetime) -> datetime.date | None:
    """The day whose note the agent page offers to write: the cohort's today, on an ESP day."""
    today = now.astimezone(agent.cohort.tzinfo).date()
    return today if agent.cohort.day_number(today) else None


def agent_record(agent: Agent, *, user, caps, now: datetime.datetime) -> dict:
    """What the agent's handoff shows of the tracker: cells, attempts, proofs (with duplicates the
    viewer may know of), notes and the red flags the viewer may see."""
    return {
        "cells": agent_cells(agent, now=now),
        "attempts": agent_attempts(agent),
        "proofs": agent_proofs(agent, user=user),
        "notes": agent_notes(agent),
        "red_flags": agent_red_flags(agent, user=user, caps=caps),
    }


def done_on(zones: dict, cells: dict[int, list[Cell]]) -> dict[tuple[int, int], datetime.date]:
    """The day (in the agent's cohort's zone: `zones` maps agent ids to zones) on which each cell
    that is done now became done, from the dated facts: its first passed exam attempt, else the
    start of its status history's last run of done records, else (a status imported or written
    without history) when the status was last saved. `cells` are the agents' cells of now (from
    task_cells, which the caller has read already): cells not done now are absent, since what is
    done is the current fact and only its date comes from the past. Two queries, however many
    agents."""
    agent_ids = list(zones)
    done = {
        (agent_id, c.task.pk): c.updated_at
        for agent_id, row in cells.items()
        for c in row
        if c.status in TaskStatus.DONE
    }
    run_start: dict[tuple[int, int], datetime.datetime | None] = {}
    changes = (
        TaskStatus.history.filter(agent_id__in=agent_ids)
        .order_by("history_date", "history_id")
        .values_list("agent_id", "task_id", "status", "history_date")
    )
    for agent_id, task_id, status, when in changes:  # not .iterator(): no server-side cursor
        key = (agent_id, task_id)
        if key in done:
            run_start[key] = (run_start.get(key) or when) if status in TaskStatus.DONE else None
    days = {
        key: (run_start.get(key) or saved).astimezone(zones[key[0]]).date() for key, saved in done.items()
    }
    passed = (
        ExamAttempt.objects.filter(agent_id__in=agent_ids, passed=True)
        .values_list("agent_id", "task_id")
        .annotate(first=Min("taken_on"))
    )
    for agent_id, task_id, first in passed:
        if (agent_id, task_id) in days:
            days[agent_id, task_id] = first
    return days


def handoffs_awaiting(user) -> list:
    """The agents handed to `user` as their production TL that they have not acknowledged yet:
    on their Today page until they do. Whether there are any is asked first, on its own: most
    days there are none, and the plain question costs less than the read with the agents, their
    cohorts and who moved them (two queries when there are some, one when none)."""
    awaiting = Handoff.objects.filter(to_tl=user, acknowledged_at__isnull=True)
    if not awaiting.exists():
        return []
    return list(awaiting.select_related("agent__cohort", "moved_by").order_by("moved_at"))


# --- Task terms: what a version would change ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermsChange:
    """One agent's task as it stands under the cohort's version and as it would under another."""

    agent: Agent
    before: Cell
    after: Cell

    @property
    def due_before(self) -> datetime.date:
        return self.before.task.due_date(self.agent.cohort)

    @property
    def due_after(self) -> datetime.date:
        return self.after.task.due_date(self.agent.cohort)


def move_preview(cohort: Cohort, terms: TaskTerms, *, now: datetime.datetime) -> list[TermsChange]:
    """What holding the cohort to `terms` would change for its agents, now: every task whose due
    date, state or attempts left would differ (the same cells every page reads)."""
    tasks = active_tasks()
    current = TaskTerms.objects.tasks_held([cohort], tasks)[cohort.pk]
    agents = list(Agent.objects.filter(cohort=cohort, status__in=ATTENDING))
    for agent in agents:
        agent.cohort = cohort
    ids = [a.pk for a in agents]
    read = {"statuses": list(TaskStatus.objects.of(ids)), "failures": ExamAttempt.objects.failures(ids)}
    before = task_cells(agents, {cohort.pk: current}, now=now, **read)
    after = task_cells(agents, {cohort.pk: terms.apply(tasks)}, now=now, **read)  # the same rows, read once
    changes = []
    for agent in agents:
        for old, new in zip(before[agent.pk], after[agent.pk], strict=True):
            if (old.state, old.attempts_left, old.task.due_day) != (
                new.state,
                new.attempts_left,
                new.task.due_day,
            ):
                changes.append(TermsChange(agent, old, new))
    return changes


def cohorts_taking(effective_from: datetime.date) -> list[Cohort]:
    """The cohorts a version in force from `effective_from` would hold: those whose terms day (their
    start, unless an admin moved them) is then or later."""
    later = Q(task_terms_day__isnull=True, start_date__gte=effective_from) | Q(
        task_terms_day__gte=effective_from
    )
    return list(Cohort.objects.filter(later).order_by("start_date"))
