"""The PM dashboard: each active cohort's summary of its day (from desk.board, cached with the
cohort's revision so that a write in one cohort rebuilds only that cohort's), completion by ESP
day, and past cohorts' outcomes by start week as small server-side SVG column charts."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min

from certifications.models import Task, TaskStatus
from cohorts.models import Agent, Cohort
from core.fragments import digest
from desk.board import collect, occurrence_counts


@dataclass
class AgentMention:
    """An agent the dashboard names, with the reasons it gives (at risk) or none (ready)."""

    agent: Agent
    url: str
    risks: list[str] = field(default_factory=list)


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
    key: str = ""  # what it is cached under; also the key of its parts of the page

    @classmethod
    def of(cls, day, occurrences: int) -> "CohortSummary":
        return cls(
            cohort=day.cohort,
            day_number=day.day_number,
            agents=len(day.lines),
            completion=day.completion(),
            overall=day.overall(),
            pace=day.pace(),
            overdue_agents=[line.agent.pk for line in day.overdue_lines],
            due_today_agents=[line.agent.pk for line in day.attending if line.due_today],
            occurrences=occurrences,
            at_risk=[AgentMention(line.agent, line.url, line.risks) for line in day.at_risk],
            ready=[AgentMention(line.agent, line.url) for line in day.ready],
        )

    @property
    def at_risk_count(self) -> int:
        return len(self.at_risk)

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
        occurrences = occurrence_counts(missing)
        made = {}
        for day in collect(missing, user=user, sees_confidential=sees_confidential):
            summary = CohortSummary.of(day, occurrences.get(day.cohort.pk, 0))
            summary.key = keys[day.cohort.pk]
            made[summary.key] = summary
        cache.set_many(made, settings.PAGE_CACHE_SECONDS)
        found |= made
    return [found[keys[c.pk]] for c in cohorts]


def completion_by_day(summary: CohortSummary) -> list[tuple[datetime.date, int]]:
    """Percent of the cohort's task cells done by the end of each ESP day so far (from history)."""
    cohort = summary.cohort
    first_done = (
        TaskStatus.history.filter(agent__cohort=cohort, status__in=TaskStatus.DONE)
        .values("agent_id", "task_id")
        .annotate(first=Min("history_date"))
    )
    cells = summary.agents * len(summary.completion) or 1
    firsts = [row["first"].astimezone(cohort.tzinfo).date() for row in first_done]
    today = cohort.local_today()
    return [(d, round(100 * sum(1 for f in firsts if f <= d) / cells)) for d in cohort.esp_days if d <= today]


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
    latest = completed.order_by("-start_date").values_list("start_date", flat=True).first()
    if latest is None:
        return []
    since = latest - datetime.timedelta(weeks=weeks)
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


@dataclass
class Column:
    label: str  # the week and the value, for the column's tooltip
    x: float
    y: float
    height: float


@dataclass
class Series:
    title: str
    columns: list[Column]
    latest: str
    color: str
    column_width: float


CHART_WIDTH, CHART_HEIGHT = 360, 60


def outcome_charts(outcomes: list[WeekOutcome]) -> list[Series]:
    """Past weeks as three small column charts, each on its own scale: finished on time,
    average days to ready and attrition (server-side SVG geometry, no script)."""
    if not outcomes:
        return []
    step = CHART_WIDTH / len(outcomes)

    def series(title: str, values: list[float | None], unit: str, top: float, color: str) -> Series:
        top = top or 1
        columns = []
        for i, (outcome, value) in enumerate(zip(outcomes, values, strict=True)):
            height = 0 if value is None else round(CHART_HEIGHT * min(value, top) / top, 1)
            shown = "no agent ready" if value is None else f"{value:g}{unit}"
            columns.append(
                Column(
                    f"Week of {outcome.week:%-d %b}: {shown}",
                    round(i * step, 1),
                    CHART_HEIGHT - height,
                    height,
                )
            )
        latest = values[-1]
        return Series(
            title, columns, "—" if latest is None else f"{latest:g}{unit}", color, round(step * 0.7, 1)
        )

    days = [o.days_to_ready for o in outcomes]
    longest = max((d for d in days if d is not None), default=0)
    return [
        series("Finished on time", [o.on_time_percent for o in outcomes], "%", 100, "#198754"),
        series("Average days to ready", days, " days", longest, "#0d6efd"),
        series("Attrition", [o.attrition_percent for o in outcomes], "%", 100, "#b02a37"),
    ]
