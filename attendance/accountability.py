"""Coaching and CAPs: rules that recommend the next step of the ladder with the facts behind it,
the ladder that never skips a step, approvals, terms, voids, and issues reported to the PM.

The rules read facts from attendance (occurrences, absences in a row) and from the tracker
(overdue tasks, exam attempt limits). They run again, once per agent, whenever those facts
change, however the change arrived (roll call, login report, reclassification, tracker), through
the receivers in attendance.receivers.
"""

import datetime
import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from attendance.events import (
    AgentIssueReported,
    AppealDecided,
    ApprovalRequested,
    CapAwaitingReceipt,
    CorrectiveActionIssued,
    TermIssued,
)
from attendance.models import (
    AgentIssue,
    AttendancePolicy,
    AttendanceRecord,
    CorrectiveAction,
    CorrectiveLevel,
    EscalationRule,
    Occurrence,
    Recommendation,
    add_months,
    add_working_days,
)
from attendance.services import class_changes, records_between
from certifications.models import Task
from certifications.selectors import task_cells
from cohorts.models import Agent, Cohort
from cohorts.revision import touch_agents
from cohorts.selectors import ATTENDING
from cohorts.services import set_agent_status
from core.events import emit, unit

logger = logging.getLogger(__name__)

# Agents still in ESP are held to the rules; others (moved, withdrawn, terminated) are not.
HELD = ATTENDING
IN_FORCE = CorrectiveAction.Status.ACTIVE


class LadderError(ValueError):
    """An action the ladder refuses; the message says why and what would allow it."""


@dataclass(frozen=True)
class Fact:
    kind: str
    day: str
    text: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.day}:{self.text}"


def _occurrence_facts(records, kinds: list[str]) -> list[Fact]:
    facts = []
    for record in records:
        if record.excused:
            continue
        for kind in record.occurrences:
            if kind in kinds:
                facts.append(
                    Fact(kind, record.day.isoformat(), f"{record.day:%a %-d %b}: {Occurrence(kind).label}")
                )
    return facts


def evaluate(rule: EscalationRule, agent: Agent, *, records, cells, today: datetime.date) -> list[Fact]:
    """The facts that trigger `rule` for the agent, or [] when it is not triggered."""
    cohort = agent.cohort
    if rule.kind == EscalationRule.Kind.OCCURRENCES:
        if rule.window == EscalationRule.Window.ROLLING and rule.window_days:
            since = today - datetime.timedelta(days=rule.window_days - 1)
            in_window = [r for r in records if since <= r.day <= today]
        else:
            in_window = [r for r in records if r.day in cohort.esp_days]
        # The earliest incidents of the window go free, as many as the rule allows.
        facts = sorted(_occurrence_facts(in_window, rule.kinds), key=lambda f: f.day)[rule.free_incidents :]
    elif rule.kind == EscalationRule.Kind.CONSECUTIVE_ABSENCES:
        absent_days = {r.day for r in records if r.absent and not r.excused}
        run, best = [], []
        for day in cohort.esp_days:
            run = [*run, day] if day in absent_days else []
            best = run if len(run) > len(best) else best
        facts = [Fact("absent", d.isoformat(), f"{d:%a %-d %b}: Absent all day") for d in best]
    elif rule.kind == EscalationRule.Kind.OVERDUE_TASK:
        facts = [
            Fact(
                "overdue",
                cell.task.due_date(cohort).isoformat(),
                f"{cell.task.name}: due {cell.task.due_date(cohort):%a %-d %b}, {cell.label.lower()}",
            )
            for cell in cells
            if cell.overdue
        ]
    else:
        facts = [
            Fact(
                "attempt_limit",
                "",
                f"{cell.task.name}: {cell.failed} failed attempts (limit {cell.task.attempt_limit})",
            )
            for cell in cells
            if cell.limit_reached and not cell.done
        ]
    return facts if len(facts) >= rule.threshold else []


def _fingerprint(level: CorrectiveLevel, facts: list[Fact]) -> str:
    return hashlib.sha256(json.dumps([level.pk, sorted(f.key for f in facts)]).encode()).hexdigest()


@dataclass
class Standing:
    """Where an agent stands on the ladder: the highest level in force, the facts already acted
    on, and whether a step is waiting for approval."""

    rank: int = 0
    used: frozenset = frozenset()
    awaiting_approval: bool = False


def standings(agent_ids, on: datetime.date | None = None) -> dict[int, Standing]:
    """The ladder standing of each agent on `on` (today), in one query: the actions in force
    (CorrectiveActionQuerySet.in_force: not expired, not withdrawn on appeal; a reduced one at the
    rank it holds) and whether a step waits for approval."""
    on = on or timezone.localdate()
    result: dict[int, Standing] = defaultdict(Standing)
    waiting = Q(status=CorrectiveAction.Status.PENDING_APPROVAL)
    in_force = Q(pk__in=CorrectiveAction.objects.in_force(on).filter(agent_id__in=agent_ids).values("pk"))
    actions = CorrectiveAction.objects.filter(waiting | in_force, agent_id__in=agent_ids).values_list(
        "agent_id", "status", "level__rank", "reduced_to__rank", "facts"
    )
    for agent_id, status, rank, reduced, facts in actions:
        standing = result[agent_id]
        if status == CorrectiveAction.Status.PENDING_APPROVAL:
            standing.awaiting_approval = True
            continue
        keys = {Fact(**f).key for f in facts or []}
        result[agent_id] = Standing(
            max(standing.rank, reduced or rank), standing.used | keys, standing.awaiting_approval
        )
    return result


def refresh_recommendations(agents, *, now: datetime.datetime | None = None) -> list[Recommendation]:
    """Apply the active rules to these agents (or ids): each recommends at most the next step.

    An agent has at most one pending recommendation: the step after the highest level in force,
    made only when a rule whose level is above that is triggered by at least one fact that no
    action in force has cited (the same facts never escalate twice). A pending recommendation
    whose facts no longer hold (the task got done, an absence was excused) is withdrawn.
    """
    now = now or timezone.now()
    ids = [a.pk if isinstance(a, Agent) else a for a in agents]
    agents = list(Agent.objects.filter(pk__in=ids, status__in=HELD).select_related("cohort"))
    if not agents:
        return []
    ids = [a.pk for a in agents]
    rules = list(EscalationRule.objects.filter(active=True).select_related("level"))
    kinds = {r.kind for r in rules}
    records: dict[int, list[AttendanceRecord]] = defaultdict(list)
    if kinds & {EscalationRule.Kind.OCCURRENCES, EscalationRule.Kind.CONSECUTIVE_ABSENCES}:
        for record in AttendanceRecord.objects.filter(agent_id__in=ids):
            records[record.agent_id].append(record)
    cells = {}
    if kinds & {EscalationRule.Kind.OVERDUE_TASK, EscalationRule.Kind.ATTEMPT_LIMIT}:
        cells = task_cells(agents, list(Task.objects.filter(active=True, required=True)), now=now)
    ladder = {level.rank: level for level in CorrectiveLevel.objects.all()}
    standing = standings(ids, on=now.date())
    pending = {
        r.agent_id: r
        for r in Recommendation.objects.filter(agent_id__in=ids, status=Recommendation.Status.PENDING)
    }
    made = []
    for agent in agents:
        today = now.astimezone(agent.cohort.tzinfo).date()
        wanted = _next_step(
            agent,
            rules,
            ladder,
            standing[agent.pk],
            records=records[agent.pk],
            cells=cells.get(agent.pk, []),
            today=today,
        )
        current = pending.get(agent.pk)
        if current is not None and (wanted is None or current.fingerprint != wanted[2]):
            _withdraw(current)
            current = None
        if wanted is None or current is not None:
            continue
        rule, level, fingerprint, facts = wanted
        try:
            with transaction.atomic():
                recommendation, created = Recommendation.objects.get_or_create(
                    agent=agent,
                    rule=rule,
                    fingerprint=fingerprint,
                    defaults={"level": level, "facts": [asdict(f) for f in facts]},
                )
        except IntegrityError:  # made by a concurrent run
            continue
        if created:
            made.append(recommendation)
    return made


def _next_step(agent, rules, ladder, standing: Standing, *, records, cells, today):
    """(rule, level, fingerprint, facts) of the step to recommend, or None."""
    if standing.awaiting_approval:
        return None  # a step is already on its way
    fresh = []
    for rule in rules:
        facts = evaluate(rule, agent, records=records, cells=cells, today=today)
        if facts and any(f.key not in standing.used for f in facts):
            fresh.append((rule, facts))
    if not fresh:
        return None
    top_rule, _ = max(fresh, key=lambda pair: pair[0].level.rank)
    level = ladder.get(standing.rank + 1)
    if level is None or top_rule.level.rank <= standing.rank:
        return None
    facts = sorted({f.key: f for _, fs in fresh for f in fs}.values(), key=lambda f: (f.day, f.kind, f.text))
    return top_rule, level, _fingerprint(level, facts), facts


def _withdraw(recommendation: Recommendation) -> None:
    recommendation.status = Recommendation.Status.DISMISSED
    recommendation.dismiss_reason = "No longer applies: the facts changed."
    recommendation.decided_at = timezone.now()
    recommendation.save(update_fields=["status", "dismiss_reason", "decided_at"])


def current_level(agent: Agent, on: datetime.date | None = None) -> CorrectiveLevel | None:
    """The highest level among the agent's actions in force on `on` (today)."""
    actions = CorrectiveAction.objects.filter(agent=agent).in_force(on or timezone.localdate())
    levels = [a.counts_as for a in actions.select_related("level", "reduced_to")]
    return max(levels, key=lambda level: level.rank, default=None)


def may_override(caps) -> bool:
    """A PM of the cohort or an admin may let a level skip a step, and approves levels that need it."""
    return caps.approve


def issue_action(
    *,
    agent: Agent,
    level: CorrectiveLevel,
    date: datetime.date,
    reasons: str,
    expectations: str,
    consequences: str,
    follow_up_date: datetime.date | None = None,
    witness: str = "",
    recommendation: Recommendation | None = None,
    override_reason: str = "",
    approver: bool = False,
    by,
) -> CorrectiveAction:
    """Issue coaching or a CAP; the ladder holds unless a PM or admin overrides with a reason.

    `approver` says the issuer may approve (the cohort's PM, an admin): a level that needs
    approval is then in force at once; from anyone else it waits for the PM's approval.
    """
    with unit():
        agent = Agent.objects.select_for_update(of=("self",)).select_related("cohort__pm").get(pk=agent.pk)
        if CorrectiveAction.objects.filter(
            agent=agent, status=CorrectiveAction.Status.PENDING_APPROVAL
        ).exists():
            raise LadderError(f"A step for {agent} is waiting for the PM's approval; it is decided first.")
        current = current_level(agent)
        current_rank = current.rank if current else 0
        override_by = None
        if level.rank > current_rank + 1:
            previous = CorrectiveLevel.objects.filter(rank=level.rank - 1).first()
            if not override_reason.strip():
                raise LadderError(
                    f"{agent} has no {previous} yet, so a {level} would skip a step. Issue the "
                    f"{previous} first, or a PM or admin can override with a reason."
                )
            if not approver:
                raise LadderError(f"Only the cohort's PM or an admin can let a {level} skip a step.")
            override_by = by
        waits = level.needs_approval and not approver
        action = CorrectiveAction.objects.create(
            agent=agent,
            level=level,
            date=date,
            reasons=reasons.strip(),
            facts=recommendation.facts if recommendation else [],
            expectations=expectations.strip(),
            consequences=consequences.strip(),
            follow_up_date=follow_up_date,
            witness=witness.strip(),
            issued_by=by,
            recommendation=recommendation,
            override_by=override_by,
            override_reason=override_reason.strip() if override_by else "",
            status=CorrectiveAction.Status.PENDING_APPROVAL if waits else IN_FORCE,
            expires_on=add_months(date, level.in_force_months),
            approved_by=None if waits or not level.needs_approval else by,
            approved_at=None if waits or not level.needs_approval else timezone.now(),
        )
        if recommendation is not None:
            recommendation.status, recommendation.decided_by = Recommendation.Status.ISSUED, by
            recommendation.decided_at = timezone.now()
            recommendation.save(update_fields=["status", "decided_by", "decided_at"])
        if waits:
            emit(ApprovalRequested(action=action))
        else:
            _in_force(action, by)
    return action


def _in_force(action: CorrectiveAction, by) -> None:
    emit(CorrectiveActionIssued(action=action))
    if action.level.is_term:
        set_agent_status(
            agent=action.agent, status=Agent.Status.TERMINATED, reason=f"{action.level} issued", by=by
        )
        emit(TermIssued(action=action))


def approve_action(*, action: CorrectiveAction, approve: bool, reason: str = "", by) -> CorrectiveAction:
    """The PM (or an admin) decides a step that waits for approval: in force, or declined (voided)."""
    if action.status != CorrectiveAction.Status.PENDING_APPROVAL:
        raise LadderError("This action is not waiting for approval.")
    if not approve and not reason.strip():
        raise LadderError("Say why the step is declined.")
    with unit():
        if approve:
            action.status, action.approved_by, action.approved_at = IN_FORCE, by, timezone.now()
            action.save(update_fields=["status", "approved_by", "approved_at"])
            _in_force(action, by)
        else:
            action.status, action.void_reason = (
                CorrectiveAction.Status.VOIDED,
                f"Not approved: {reason.strip()}",
            )
            action.voided_by, action.voided_at = by, timezone.now()
            action.save(update_fields=["status", "void_reason", "voided_by", "voided_at"])
    return action


def dismiss_recommendation(*, recommendation: Recommendation, reason: str, by) -> Recommendation:
    if recommendation.status != Recommendation.Status.PENDING:
        raise LadderError("This recommendation was already decided.")
    if not reason.strip():
        raise LadderError("Say why the recommendation is dismissed.")
    with unit():
        recommendation.status, recommendation.dismiss_reason = Recommendation.Status.DISMISSED, reason.strip()
        recommendation.decided_by, recommendation.decided_at = by, timezone.now()
        recommendation.save(update_fields=["status", "dismiss_reason", "decided_by", "decided_at"])
    return recommendation


def void_action(*, action: CorrectiveAction, reason: str, by) -> CorrectiveAction:
    """Nothing is deleted: a voided action stays on the record, marked and explained."""
    if action.status == CorrectiveAction.Status.VOIDED:
        raise LadderError("This action is already voided.")
    if not reason.strip():
        raise LadderError("Say why the action is voided.")
    with unit():
        action.status, action.void_reason = CorrectiveAction.Status.VOIDED, reason.strip()
        action.voided_by, action.voided_at = by, timezone.now()
        action.save(update_fields=["status", "void_reason", "voided_by", "voided_at"])
    return action


# --- A CAP's life after it is issued ---------------------------------------------------------------


class LifeError(LadderError):
    """A step of a CAP's life that cannot be taken now; `field` is the form field it concerns."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _in_life(action: CorrectiveAction) -> None:
    if action.status != CorrectiveAction.Status.ACTIVE:
        raise LifeError(
            f"This {action.level} is {action.get_status_display().lower()}: its life has not begun."
        )


def _handed(action: CorrectiveAction, by, at: datetime.datetime) -> None:
    if action.delivered_at is None:
        action.delivered_at, action.delivered_by = at, by


def deliver(*, action: CorrectiveAction, by, at: datetime.datetime | None = None) -> CorrectiveAction:
    """The document was handed to the agent: the response and appeal windows start now."""
    _in_life(action)
    if action.delivered_at:
        raise LifeError("It was already handed to the agent.")
    with unit():
        _handed(action, by, at or timezone.now())
        action._change_reason = "Handed to the agent"
        action.save(update_fields=["delivered_at", "delivered_by"])
    return action


def acknowledge(*, action: CorrectiveAction, on: datetime.date, comments: str = "", by) -> CorrectiveAction:
    """The agent signed: receipt, not agreement (handed over now if it was not recorded before)."""
    _in_life(action)
    if action.acknowledged_on or action.refused_on:
        raise LifeError("The agent's receipt is already recorded.")
    with unit():
        _handed(action, by, timezone.now())
        action.acknowledged_on, action.agent_comments = on, comments.strip()
        action._change_reason = "Acknowledged by the agent (receipt, not agreement)"
        action.save(update_fields=["acknowledged_on", "agent_comments", "delivered_at", "delivered_by"])
    return action


def refuse_to_sign(*, action: CorrectiveAction, on: datetime.date, witness: str, note: str = "", by):
    """The agent would not sign: a witness is required, and the refusal is printed."""
    _in_life(action)
    if action.acknowledged_on or action.refused_on:
        raise LifeError("The agent's receipt is already recorded.")
    if not witness.strip():
        raise LifeError("A refusal to sign needs a witness: name who saw it.", field="witness")
    with unit():
        _handed(action, by, timezone.now())
        action.refused_on, action.witness, action.refusal_note = on, witness.strip(), note.strip()
        action._change_reason = f"The agent refused to sign; witness: {witness.strip()}"
        action.save(update_fields=["refused_on", "witness", "refusal_note", "delivered_at", "delivered_by"])
    return action


def record_response(
    *, action: CorrectiveAction, text: str, on: datetime.date, by, now: datetime.datetime | None = None
) -> CorrectiveAction:
    """The agent's written response, taken within the level's window after it was handed over."""
    _in_life(action)
    now = now or timezone.now()
    if not text.strip():
        raise LifeError("Write the agent's response.", field="text")
    if action.delivered_at is None:
        raise LifeError("Record first that it was handed to the agent: the window starts then.")
    if action.response or action.response_closed_at or now > action.response_due:
        due = timezone.localtime(action.response_due, action.agent.cohort.tzinfo)
        raise LifeError(f"The window for a written response closed {due:%a %-d %b %H:%M %Z}.", field="text")
    with unit():
        action.response, action.responded_on = text.strip(), on
        action._change_reason = "The agent's written response"
        action.save(update_fields=["response", "responded_on"])
    return action


def record_appeal(
    *, action: CorrectiveAction, text: str, on: datetime.date, by, now: datetime.datetime | None = None
) -> CorrectiveAction:
    """The agent appeals, within the level's working days after it was handed over."""
    _in_life(action)
    if not text.strip():
        raise LifeError("Write what the agent appeals and why.", field="text")
    if action.delivered_at is None:
        raise LifeError("Record first that it was handed to the agent: the window starts then.")
    today = timezone.localtime(now or timezone.now(), action.agent.cohort.tzinfo).date()
    if action.appealed_on or action.appeal_closed_at or today > action.appeal_due:
        raise LifeError(
            f"The window for an appeal closed at the end of {action.appeal_due:%a %-d %b}.", field="text"
        )
    with unit():
        action.appeal, action.appealed_on = text.strip(), on
        action._change_reason = "Appealed by the agent"
        action.save(update_fields=["appeal", "appealed_on"])
    return action


def decide_appeal(*, action: CorrectiveAction, outcome: str, note: str, by) -> CorrectiveAction:
    """An ESP manager decides an appeal: upheld, reduced to the step before, or withdrawn (it then
    no longer counts on the ladder). The view checks the role."""
    _in_life(action)
    if not action.appealed_on:
        raise LifeError("There is no appeal to decide.")
    if action.appeal_outcome:
        raise LifeError("The appeal was already decided.")
    if outcome not in CorrectiveAction.Outcome.values:
        raise LifeError("Choose the outcome.", field="outcome")
    if not note.strip():
        raise LifeError("Say why, as decided.", field="note")
    reduced_to = None
    if outcome == CorrectiveAction.Outcome.REDUCED:
        reduced_to = CorrectiveLevel.objects.filter(rank=action.level.rank - 1).first()
        if reduced_to is None:
            raise LifeError(f"A {action.level} is the first step: it cannot be reduced.", field="outcome")
    with unit():
        action.appeal_outcome, action.appeal_note, action.reduced_to = outcome, note.strip(), reduced_to
        action.appeal_decided_by, action.appeal_decided_at = by, timezone.now()
        action._change_reason = f"Appeal {CorrectiveAction.Outcome(outcome).label.lower()}: {note.strip()}"[
            :300
        ]
        action.save(
            update_fields=[
                "appeal_outcome",
                "appeal_note",
                "reduced_to",
                "appeal_decided_by",
                "appeal_decided_at",
            ]
        )
        touch_agents([action.agent_id])
        emit(AppealDecided(action=action))
    return action


def close_lapsed_windows(*, now: datetime.datetime | None = None) -> int:
    """Close the response and appeal windows that ended unused, each with a line in history.
    Idempotent: a closed window is not closed again."""
    now = now or timezone.now()
    closed = 0
    open_ = (
        CorrectiveAction.objects.filter(status=CorrectiveAction.Status.ACTIVE, delivered_at__isnull=False)
        .filter(
            Q(response="", response_closed_at__isnull=True)
            | Q(appealed_on__isnull=True, appeal_closed_at__isnull=True)
        )
        .select_related("level", "agent__cohort")
    )
    for action in open_:
        fields = []
        if not action.response and action.response_closed_at is None and now > action.response_due:
            action.response_closed_at = now
            fields.append("response_closed_at")
        today = timezone.localtime(now, action.agent.cohort.tzinfo).date()
        if action.appealed_on is None and action.appeal_closed_at is None and today > action.appeal_due:
            action.appeal_closed_at = now
            fields.append("appeal_closed_at")
        if fields:
            with unit():
                what = {"response_closed_at": "the written response", "appeal_closed_at": "an appeal"}
                action._change_reason = (
                    "Closed: the window for " + " and ".join(what[f] for f in fields) + " ended"
                )
                action.save(update_fields=fields)
            closed += 1
    return closed


def remind_unacknowledged(*, now: datetime.datetime | None = None) -> int:
    """A CAP still not handed over, or not signed (nor refused), a working day after it was
    issued: its issuer is reminded, once (the notice's key makes a second run a no-op)."""
    now = now or timezone.now()
    waiting = CorrectiveAction.objects.awaiting_receipt().select_related(
        "level", "agent__cohort", "issued_by"
    )
    reminded = 0
    for action in waiting:
        issued = timezone.localtime(action.approved_at or action.created_at, action.agent.cohort.tzinfo)
        due = datetime.datetime.combine(
            add_working_days(issued.date(), 1), issued.time(), tzinfo=issued.tzinfo
        )
        # Claimed by a conditional update: overlapping or repeated runs remind once.
        if now >= due and CorrectiveAction.objects.filter(pk=action.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            with unit():
                emit(CapAwaitingReceipt(action=action))
            reminded += 1
    return reminded


def report_issue(*, agent: Agent, details: str, by) -> AgentIssue:
    """Record an issue with the agent; the PM is told at once (notifications.receivers)."""
    if not details.strip():
        raise LadderError("Describe the issue.")
    with unit():
        issue = AgentIssue.objects.create(agent=agent, details=details.strip(), reported_by=by)
        emit(AgentIssueReported(issue=issue))
    return issue


def mark_issue_handled(*, issue: AgentIssue, note: str, by) -> AgentIssue:
    """The PM closes an agent issue, saying what was done; it leaves the PM dashboard."""
    if not note.strip():
        raise LadderError("Say what was done about the issue.")
    with unit():
        locked = AgentIssue.objects.select_for_update().get(pk=issue.pk)
        if locked.handled_at:
            who = locked.handled_by.get_full_name() or locked.handled_by.username
            raise LadderError(f"{who} already marked this issue handled.")
        locked.handled_at, locked.handled_by, locked.handled_note = timezone.now(), by, note.strip()
        locked._history_user = by
        locked.save(update_fields=["handled_at", "handled_by", "handled_note"])
    return locked


def refresh_cohort(cohort: Cohort, *, now: datetime.datetime | None = None) -> int:
    """Apply the rules to every held agent of a cohort (time passing makes tasks overdue)."""
    ids = list(Agent.objects.filter(cohort=cohort, status__in=HELD).values_list("pk", flat=True))
    return len(refresh_recommendations(ids, now=now))


# --- What a draft attendance policy would do ------------------------------------------------------


@dataclass
class WhatIf:
    """A draft policy applied to a past range, nothing written: the records whose class would
    change, the agents whose recommendation would appear or go, the digests that would carry
    corrections (days WFM was already told of)."""

    checked: int
    changes: list  # attendance.services.ClassChange
    appear: list  # (agent, level)
    disappear: list  # (agent, level)

    @property
    def corrections(self) -> int:
        return sum(1 for change in self.changes if change.reported)

    @property
    def correction_days(self) -> list[tuple[datetime.date, int]]:
        days = defaultdict(int)
        for change in self.changes:
            if change.reported:
                days[change.record.day] += 1
        return sorted(days.items())


def what_if(
    *, draft: AttendancePolicy, start: datetime.date, end: datetime.date, now: datetime.datetime | None = None
) -> WhatIf:
    """Apply `draft` (not saved) with the published versions to the records of a past range, as a
    reclassification would (attendance.services.class_changes), and the escalation rules to the
    agents whose records would change, before and after, as they stand today."""
    now = now or timezone.now()
    records = list(records_between(start, end))
    changes = class_changes(records, [*AttendancePolicy.objects.all(), draft])
    anew = {c.record.pk: c.record for c in changes}
    agents = list(
        Agent.objects.filter(pk__in={c.record.agent_id for c in changes}, status__in=HELD).select_related(
            "cohort"
        )
    )
    rules = list(EscalationRule.objects.filter(active=True).select_related("level"))
    appear, disappear = _steps_that_change(agents, now=now, rules=(rules, rules), anew=anew)
    return WhatIf(len(records), changes, appear, disappear)


def _steps_that_change(
    agents, *, now: datetime.datetime, rules: tuple[list, list], anew=None
) -> tuple[list, list]:
    """The agents whose recommended step would appear, and whose would go, today: under `rules`
    (before, after) and with their records as they are, or as `anew` (by pk) classifies them."""
    appear, disappear = [], []
    if not agents:
        return appear, disappear
    ids = [a.pk for a in agents]
    ladder = {level.rank: level for level in CorrectiveLevel.objects.all()}
    standing = standings(ids, on=now.date())
    cells = task_cells(agents, list(Task.objects.filter(active=True, required=True)), now=now)
    current: dict[int, list] = defaultdict(list)
    for record in AttendanceRecord.objects.filter(agent_id__in=ids):
        current[record.agent_id].append(record)
    for agent in agents:
        kept = current[agent.pk]
        drafted = [(anew or {}).get(r.pk, r) for r in kept]
        facts = {"cells": cells.get(agent.pk, []), "today": now.astimezone(agent.cohort.tzinfo).date()}
        before = _next_step(agent, rules[0], ladder, standing[agent.pk], records=kept, **facts)
        after = _next_step(agent, rules[1], ladder, standing[agent.pk], records=drafted, **facts)
        if after and (not before or before[1] != after[1]):
            appear.append((agent, after[1]))
        if before and (not after or before[1] != after[1]):
            disappear.append((agent, before[1]))
    return appear, disappear


def rule_what_if(*, draft: EscalationRule, replaces: EscalationRule, now: datetime.datetime | None = None):
    """Who would be recommended today under a draft version of a rule, against the rules in
    force, for every agent still in ESP in a running cohort: (appear, disappear)."""
    now = now or timezone.now()
    draft.level = CorrectiveLevel.objects.get(pk=draft.level_id)
    rules = list(EscalationRule.objects.filter(active=True).select_related("level"))
    drafted = [draft if r.pk == replaces.pk else r for r in rules]
    agents = list(
        Agent.objects.filter(status__in=HELD, cohort__status=Cohort.Status.ACTIVE).select_related("cohort")
    )
    return _steps_that_change(agents, now=now, rules=(rules, drafted))


def publish_rule(*, draft: EscalationRule, replaces: EscalationRule, by) -> EscalationRule:
    """The rule's next version, in force from now; the one it replaces stays, inactive, with the
    recommendations it made (they keep the version that made them)."""
    with unit():
        replaced = EscalationRule.objects.select_for_update().get(pk=replaces.pk)
        draft.pk, draft.name, draft.active, draft.created_by = None, replaced.name, True, by
        draft.version = (
            max(EscalationRule.objects.filter(name=replaced.name).values_list("version", flat=True)) + 1
        )
        replaced.active = False
        replaced.save(update_fields=["active"])
        draft.full_clean()
        draft.save()
    return draft
