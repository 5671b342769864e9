"""The PM dashboard: each active cohort's summary of its day (from desk.board, cached with the
cohort's revision so that a write in one cohort rebuilds only that cohort's), completion by ESP
day, and past cohorts' outcomes by start week as small server-side SVG column charts."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import DateField, ExpressionWrapper, Subquery

from attendance.selectors import OCCURRENCE_GROUPS, occurrences_by_day
from certifications.models import Task
from certifications.selectors import done_on
from cohorts.models import Agent, Cohort
from core.fragments import digest
from desk.board import collect, pace_on
from desk.charts import Chart, cohort_charts, week_chart


@dataclass
class AgentMention:
    """An agent the dashboard names, with the reasons it gives (at risk) or none (ready)."""

    agent: Agent
    url: str
    risks: list[str] = field(default_factory=list)


@dataclass
class TaskPace:
    """One task's completion in a cohort against where it should be today."""

    task: Task
    percent: int  # of the cohort's agents with the task done
    due_number: int  # the ESP day it is due on
    due_by_today: bool  # every agent should have it done by the end of today

    @property
    def expected(self) -> int:
        return 100 if self.due_by_today else 0


@dataclass
class DayPoint:
    """One ESP day of a cohort: task cells done by its end against the pace, and its occurrences."""

    day: datetime.date
    number: int
    pace: int
    done: int | None  # None for a day still to come
    occurrences: dict[str, int]

    @property
    def label(self) -> str:
        return f"Day {self.number} · {self.day:%a %-d %b}"

    @property
    def occurrence_total(self) -> int:
        return sum(self.occurrences.values())


@dataclass
class CohortSummary:
    """What the dashboard shows of one active cohort on its day: small enough to cache."""

    cohort: Cohort
    day_number: int | None
    agents: int
    completion: list[tuple[Task, int]]
    overall: int
    pace: int
    overdue_agents: list[int]  # agent ids, as the tracker's "Overdue tasks" filter lists them
    due_today_agents: list[int]
    occurrences: int
    at_risk: list[AgentMention]
    ready: list[AgentMention]
    task_pace: list[TaskPace] = field(default_factory=list)
    days: list[DayPoint] = field(default_factory=list)
    key: str = ""  # what it is cached under; also the key of its parts of the page

    @classmethod
    def of(cls, day, done_on: dict, occurrences: dict) -> "CohortSummary":
        """`done_on` is certifications.selectors.done_on for the cohort's agents, `occurrences`
        attendance.selectors.occurrences_by_day for the cohort."""
        cohort, today = day.cohort, day.day
        completion = day.completion()
        cells = len(day.lines) * len(day.tasks) or 1
        keys = {(line.agent.pk, t.pk) for line in day.lines for t in day.tasks}
        dates = [d for key, d in done_on.items() if key in keys]
        points = [
            DayPoint(
                d,
                n,
                pace_on(cohort, day.tasks, d),
                # today's figure is the current one, as the table's overall: done by now
                None if d > today else round(100 * sum(1 for f in dates if d == today or f <= d) / cells),
                dict(occurrences.get(d, {})),
            )
            for n, d in enumerate(cohort.esp_days, 1)
        ]
        return cls(
            cohort=cohort,
            day_number=day.day_number,
            agents=len(day.lines),
            completion=completion,
            overall=day.overall(),
            pace=day.pace(),
            overdue_agents=[line.agent.pk for line in day.overdue_lines],
            due_today_agents=[line.agent.pk for line in day.attending if line.due_today],
            occurrences=sum(p.occurrence_total for p in points if p.day <= today),
            at_risk=[AgentMention(line.agent, line.url, line.risks) for line in day.at_risk],
            ready=[AgentMention(line.agent, line.url) for line in day.ready],
            task_pace=[
                TaskPace(task, percent, min(task.due_day, cohort.day_count), task.due_date(cohort) <= today)
                for task, percent in completion
            ],
            days=points,
        )

    @property
    def at_risk_count(self) -> int:
        return len(self.at_risk)

    @property
    def charts(self) -> list[Chart]:
        """Its charts, drawn only when the page's cached charts of the cohort miss."""
        return cohort_charts(self, OCCURRENCE_GROUPS)

    @property
    def ready_count(self) -> int:
        return len(self.ready)


def cohort_summaries(cohorts: list[Cohort], *, user, sees_confidential: bool) -> list[CohortSummary]:
    """One summary per cohort, from the cache when its revision and phase are unchanged; the
    others are collected together (a fixed number of queries however many miss). Red flags
    the viewer may see depend on who they are unless they see every confidential flag. The key's
    digest covers the code too, so a deploy never reads a summary pickled by the old code."""
    viewer = "all" if sees_confidential else user.pk
    keys = {c.pk: "dashboard-cohort:" + digest(c.pk, c.revision, c.phase(), viewer) for c in cohorts}
    found = cache.get_many(list(keys.values()))
    missing = [c for c in cohorts if keys[c.pk] not in found]
    if missing:
        days = collect(missing, user=user, sees_confidential=sees_confidential)
        zones = {line.agent.pk: day.cohort.tzinfo for day in days for line in day.lines}
        done = done_on(zones, {line.agent.pk: line.cells for day in days for line in day.lines})
        occurrences = occurrences_by_day([c.pk for c in missing])
        made = {}
        for day in days:
            summary = CohortSummary.of(day, done, occurrences.get(day.cohort.pk, {}))
            summary.key = keys[day.cohort.pk]
            made[summary.key] = summary
        cache.set_many(made, settings.PAGE_CACHE_SECONDS)
        found |= made
    return [found[keys[c.pk]] for c in cohorts]


@dataclass
class WeekOutcome:
    week: datetime.date
    agents: int
    on_time: int
    attrition: int
    days_to_ready: float | None

    @property
    def on_time_percent(self) -> int:
        return round(100 * self.on_time / self.agents) if self.agents else 0

    @property
    def attrition_percent(self) -> int:
        return round(100 * self.attrition / self.agents) if self.agents else 0


def recent_completed(cohorts_queryset, weeks: int = 12) -> list[Cohort]:
    """The completed cohorts of the last `weeks` start weeks (counted back from the latest)."""
    completed = cohorts_queryset.filter(status=Cohort.Status.COMPLETED)
    latest = completed.order_by("-start_date").values("start_date")[:1]
    since = ExpressionWrapper(Subquery(latest) - datetime.timedelta(weeks=weeks), output_field=DateField())
    return list(completed.filter(start_date__gt=since).only("start_date", "day_count", "revision"))


def past_outcomes(completed: list[Cohort]) -> list[WeekOutcome]:
    """Finished on time, days to ready and attrition of these cohorts by start week: one query."""
    cohorts = {c.pk: c for c in completed}
    by_week: dict[datetime.date, list] = defaultdict(list)
    for cohort_id, status, ready_at in Agent.objects.filter(cohort_id__in=cohorts).values_list(
        "cohort_id", "status", "ready_at"
    ):
        cohort = cohorts[cohort_id]
        week = cohort.start_date - datetime.timedelta(days=cohort.start_date.weekday())
        by_week[week].append((cohort, status, ready_at))
    outcomes = []
    for week in sorted(by_week):
        group = by_week[week]
        ready = [(cohort, ready_at.date()) for cohort, _, ready_at in group if ready_at]
        outcomes.append(
            WeekOutcome(
                week=week,
                agents=len(group),
                on_time=sum(1 for cohort, day in ready if day <= cohort.end_date),
                attrition=sum(
                    1 for _, status, _ in group if status in (Agent.Status.WITHDRAWN, Agent.Status.TERMINATED)
                ),
                days_to_ready=round(sum((d - c.start_date).days for c, d in ready) / len(ready), 1)
                if ready
                else None,
            )
        )
    return outcomes


def outcome_charts(outcomes: list[WeekOutcome]) -> list[Chart]:
    """Past weeks as three column charts, each on its own scale: finished on time, average days
    to ready and attrition."""
    if not outcomes:
        return []
    days = [o.days_to_ready for o in outcomes]
    longest = max((d for d in days if d is not None), default=0)
    weeks = [o.week for o in outcomes]
    return [
        week_chart(
            "on-time", "Finished on time", weeks, [o.on_time_percent for o in outcomes], "%", 100, "#198754"
        ),
        week_chart("days-to-ready", "Average days to ready", weeks, days, " days", longest, "#0d6efd"),
        week_chart(
            "attrition", "Attrition", weeks, [o.attrition_percent for o in outcomes], "%", 100, "#b02a37"
        ),
    ]
