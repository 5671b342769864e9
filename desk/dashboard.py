"""The PM dashboard's figures beyond the day's facts (desk.board): completion by ESP day, and
past cohorts' outcomes by start week as small server-side SVG column charts."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Min

from certifications.models import TaskStatus
from cohorts.models import Agent, Cohort


def completion_by_day(cohort_day) -> list[tuple[datetime.date, int]]:
    """Percent of the cohort's task cells done by the end of each ESP day so far (from history)."""
    cohort = cohort_day.cohort
    first_done = (
        TaskStatus.history.filter(agent__cohort=cohort, status__in=TaskStatus.DONE)
        .values("agent_id", "task_id")
        .annotate(first=Min("history_date"))
    )
    cells = len(cohort_day.lines) * len(cohort_day.tasks) or 1
    firsts = [row["first"].astimezone(cohort.tzinfo).date() for row in first_done]
    return [
        (d, round(100 * sum(1 for f in firsts if f <= d) / cells))
        for d in cohort.esp_days
        if d <= cohort_day.day
    ]


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
