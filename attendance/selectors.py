"""Reads of attendance and accountability that pages in other apps show."""

import datetime
from collections import Counter, defaultdict

from attendance.accountability import current_level
from attendance.forms import AgentIssueForm
from attendance.models import (
    AgentIssue,
    AttendanceRecord,
    Classification,
    CorrectiveAction,
    Occurrence,
    Recommendation,
)
from cohorts.access import capabilities

# How the dashboard groups occurrences per day: each kind of Occurrence in one of three.
GROUP_OF = {
    Occurrence.LATE: "Late",
    Occurrence.LATE_PARTIAL: "Late",
    Occurrence.LEFT_EARLY: "Left early",
    Occurrence.LEFT_EARLY_PARTIAL: "Left early",
    Occurrence.ABSENT: "Absent",
}
OCCURRENCE_GROUPS = ("Late", "Left early", "Absent")


def occurrences_by_day(cohort_ids) -> dict[int, dict[datetime.date, Counter]]:
    """Each cohort's occurrences per day by group (late, left early, absent), counted as the
    records name them (a late arrival and an early leave on one day are two; an absence is
    one), excused ones included as WFM gets them. One query."""
    found: dict[int, dict[datetime.date, Counter]] = defaultdict(lambda: defaultdict(Counter))
    rows = (
        AttendanceRecord.objects.filter(cohort_id__in=cohort_ids)
        .with_occurrences()
        .values_list("cohort_id", "day", "absent", "arrival_occurrence", "departure_occurrence")
    )
    for cohort_id, day, absent, arrival, departure in rows:
        for kind in Classification(arrival=arrival, departure=departure, absent=absent).occurrences:
            found[cohort_id][day][GROUP_OF[kind]] += 1
    return found


def _with_force(actions, today) -> list:
    """The actions, each marked with whether it counts on the ladder today (in_force)."""
    actions = list(actions)
    for action in actions:
        action.in_force = action.in_force_on(today)
    return actions


def agent_accountability(agent, forms: dict | None = None) -> dict:
    """What the agent page shows of coaching and CAPs (readers of the agent only)."""
    forms = forms or {}
    return {
        "recommendations": list(
            Recommendation.objects.filter(agent=agent, status=Recommendation.Status.PENDING).select_related(
                "rule", "level"
            )
        ),
        "actions": _with_force(
            CorrectiveAction.objects.filter(agent=agent).select_related("level", "reduced_to", "issued_by"),
            agent.cohort.local_today(),
        ),
        "current_level": current_level(agent, on=agent.cohort.local_today()),
        "issues": list(AgentIssue.objects.filter(agent=agent).select_related("reported_by", "handled_by")),
        "issue_form": forms.get("issue") or AgentIssueForm(),
    }


def open_issues(cohorts, user) -> list[tuple[AgentIssue, bool]]:
    """Agent issues of these cohorts not yet marked handled, oldest first, each with whether
    `user` may mark it handled (the cohort's PM, an admin). One query when there is none (what
    a dashboard read finds most days: no joins to build); four when there are, however many."""
    issues = (
        AgentIssue.objects.open()
        .filter(agent__cohort__in=cohorts)
        .prefetch_related("agent__cohort", "reported_by")
        .order_by("reported_at")
    )
    return [(issue, capabilities(user, issue.agent.cohort).manage) for issue in issues]
