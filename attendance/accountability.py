"""Coaching and CAPs: rules that recommend a level with the facts behind it, the ladder that
must not skip a step, terms, voids, and issues reported to the PM."""

import datetime
import hashlib
import json
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from attendance.models import (
    AgentIssue,
    AttendanceRecord,
    CorrectiveAction,
    CorrectiveLevel,
    EscalationRule,
    Occurrence,
    Recommendation,
)
from cohorts.access import Action, is_admin
from cohorts.models import Agent, Cohort
from cohorts.revision import touch_cohorts

# Agents still in ESP are held to the rules; others (moved, withdrawn, terminated) are not.
HELD = [Agent.Status.IN_ESP, Agent.Status.READY]


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


def evaluate(
    rule: EscalationRule, agent: Agent, *, records, overdue, exhausted, today: datetime.date
) -> list[Fact]:
    """The facts that trigger `rule` for the agent, or [] when it is not triggered."""
    cohort = agent.cohort
    if rule.kind == EscalationRule.Kind.OCCURRENCES:
        if rule.window == EscalationRule.Window.ROLLING and rule.window_days:
            since = today - datetime.timedelta(days=rule.window_days - 1)
            in_window = [r for r in records if since <= r.day <= today]
        else:
            in_window = [r for r in records if r.day in cohort.esp_days]
        facts = _occurrence_facts(in_window, rule.kinds)
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
                task.due_date(cohort).isoformat(),
                f"{task.name}: due {task.due_date(cohort):%a %-d %b}, {label}",
            )
            for task, label in overdue
        ]
    else:
        facts = [
            Fact("attempt_limit", "", f"{task.name}: {failed} failed attempts (limit {task.attempt_limit})")
            for task, failed in exhausted
        ]
    return facts if len(facts) >= rule.threshold else []


def _fingerprint(rule: EscalationRule, facts: list[Fact]) -> str:
    return hashlib.sha256(json.dumps([rule.pk, sorted(f.key for f in facts)]).encode()).hexdigest()


def refresh_recommendations(agent: Agent, today: datetime.date | None = None) -> list[Recommendation]:
    """Apply the active rules to the agent; each rule recommends once for the same facts."""
    from certifications.models import ExamAttempt, Task, TaskStatus

    agent = Agent.objects.select_related("cohort").get(pk=agent.pk)
    if agent.status not in HELD:
        return []
    cohort = agent.cohort
    today = today or cohort.local_today()
    records = list(AttendanceRecord.objects.filter(agent=agent))
    statuses = {s.task_id: s for s in TaskStatus.objects.filter(agent=agent)}
    overdue = []
    exhausted = []
    failures = dict(
        ExamAttempt.objects.filter(agent=agent, passed=False).values_list("task_id").annotate(n=Count("id"))
    )
    for task in Task.objects.filter(active=True, required=True):
        status = statuses.get(task.pk)
        value = status.status if status else TaskStatus.Status.NOT_STARTED
        if value not in TaskStatus.DONE and today > task.due_date(cohort):
            overdue.append((task, status.get_status_display().lower() if status else "not started"))
        if task.attempt_limit and failures.get(task.pk, 0) >= task.attempt_limit:
            exhausted.append((task, failures[task.pk]))
    made = []
    current = []
    for rule in EscalationRule.objects.filter(active=True).select_related("level"):
        facts = evaluate(rule, agent, records=records, overdue=overdue, exhausted=exhausted, today=today)
        if not facts:
            continue
        current.append((rule.pk, _fingerprint(rule, facts)))
        try:
            with transaction.atomic():
                recommendation, created = Recommendation.objects.get_or_create(
                    agent=agent,
                    rule=rule,
                    fingerprint=_fingerprint(rule, facts),
                    defaults={"level": rule.level, "facts": [asdict(f) for f in facts]},
                )
        except IntegrityError:
            continue
        if created:
            made.append(recommendation)
    # A pending recommendation whose facts no longer hold (the task got done, an absence was
    # excused) is withdrawn, with that reason, rather than left for the TL to dismiss.
    stale = Recommendation.objects.filter(agent=agent, status=Recommendation.Status.PENDING)
    for rule_id, fingerprint in current:
        stale = stale.exclude(rule_id=rule_id, fingerprint=fingerprint)
    if stale.update(
        status=Recommendation.Status.DISMISSED,
        dismiss_reason="No longer applies: the facts changed.",
        decided_at=timezone.now(),
    ):
        touch_cohorts([agent.cohort_id])  # an update() sends no signals
    return made


def current_level(agent: Agent) -> CorrectiveLevel | None:
    """The highest level among the agent's active (not voided) actions."""
    action = (
        CorrectiveAction.objects.filter(agent=agent, status=CorrectiveAction.Status.ACTIVE)
        .select_related("level")
        .order_by("-level__rank")
        .first()
    )
    return action.level if action else None


def may_override(user, cohort: Cohort) -> bool:
    """A PM of the cohort or an admin may let a level skip a step."""
    return is_admin(user) or Cohort.objects.visible_to(user, Action.MANAGE).filter(pk=cohort.pk).exists()


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
    by,
) -> CorrectiveAction:
    """Issue coaching or a CAP; the ladder holds unless a PM or admin overrides with a reason."""
    from esp import emails

    with transaction.atomic():
        agent = Agent.objects.select_for_update().select_related("cohort__pm").get(pk=agent.pk)
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
            if not may_override(by, agent.cohort):
                raise LadderError(f"Only the cohort's PM or an admin can let a {level} skip a step.")
            override_by = by
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
        )
        if recommendation is not None:
            recommendation.status, recommendation.decided_by = Recommendation.Status.ISSUED, by
            recommendation.decided_at = timezone.now()
            recommendation.save(update_fields=["status", "decided_by", "decided_at"])
        if level.is_term:
            agent.status = Agent.Status.TERMINATED
            agent._change_reason = f"{level} issued"
            agent.save(update_fields=["status", "updated_at"])
            emails.term_issued(action)
    return action


def dismiss_recommendation(*, recommendation: Recommendation, reason: str, by) -> Recommendation:
    if recommendation.status != Recommendation.Status.PENDING:
        raise LadderError("This recommendation was already decided.")
    if not reason.strip():
        raise LadderError("Say why the recommendation is dismissed.")
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
    action.status, action.void_reason = CorrectiveAction.Status.VOIDED, reason.strip()
    action.voided_by, action.voided_at = by, timezone.now()
    action.save(update_fields=["status", "void_reason", "voided_by", "voided_at"])
    return action


def acknowledge(*, action: CorrectiveAction, on: datetime.date, comments: str = "", by) -> CorrectiveAction:
    action.acknowledged_on, action.agent_comments = on, comments.strip()
    action.save(update_fields=["acknowledged_on", "agent_comments"])
    return action


def report_issue(*, agent: Agent, details: str, by) -> AgentIssue:
    """Record an issue with the agent and email the PM at once."""
    from esp import emails

    if not details.strip():
        raise LadderError("Describe the issue.")
    with transaction.atomic():
        issue = AgentIssue.objects.create(agent=agent, details=details.strip(), reported_by=by)
        emails.agent_issue(issue)
    return issue
