"""What the TL's day board, the PM dashboard and the end-of-day checks read, for any number of
cohorts in a fixed number of queries."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q

from attendance.models import AttendanceRecord, CorrectiveAction, Recommendation
from attendance.services import ATTENDING
from certifications.models import DailyNote, ExamAttempt, RedFlag, Task, TaskStatus
from cohorts.models import Agent, Cohort, DaySignOff
from tickets.models import Ticket

DONE = set(TaskStatus.DONE)


@dataclass
class AgentLine:
    agent: Agent
    statuses: dict[int, str]
    url: str = ""
    overdue: list[Task] = field(default_factory=list)
    record: AttendanceRecord | None = None
    noted: bool = False
    updated_today: bool = False
    open_flags: int = 0
    pending_caps: int = 0
    cap_rank: int = 0
    failed: dict[int, int] = field(default_factory=dict)
    risks: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for s in self.statuses.values() if s in DONE)


@dataclass
class EndOfDayReport:
    cohort: Cohort
    day: datetime.date
    missing_notes: list[Agent] = field(default_factory=list)
    not_updated: list[Agent] = field(default_factory=list)  # no status change and no note that day
    missing_attendance: list[Agent] = field(default_factory=list)
    drafts: list[Ticket] = field(default_factory=list)
    overdue: list[tuple[Agent, Task]] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.missing_notes) + len(self.missing_attendance) + len(self.drafts) + len(self.overdue)

    def as_dict(self) -> dict:
        return {
            "missing_notes": [a.full_name for a in self.missing_notes],
            "not_updated": [a.full_name for a in self.not_updated],
            "missing_attendance": [a.full_name for a in self.missing_attendance],
            "drafts": [f"{t.ticket_type.name}: {t.agent.full_name}" for t in self.drafts],
            "overdue": [f"{a.full_name}: {t.name}" for a, t in self.overdue],
        }


@dataclass
class CohortDay:
    cohort: Cohort
    day: datetime.date
    tasks: list[Task]
    lines: list[AgentLine] = field(default_factory=list)
    drafts: list[Ticket] = field(default_factory=list)
    sign_off: DaySignOff | None = None

    @property
    def day_number(self) -> int | None:
        return self.cohort.day_number(self.day)

    @property
    def report(self) -> EndOfDayReport:
        lines = [line for line in self.lines if line.agent.status in ATTENDING]
        return EndOfDayReport(
            cohort=self.cohort,
            day=self.day,
            missing_notes=[line.agent for line in lines if not line.noted],
            not_updated=[line.agent for line in lines if not line.noted and not line.updated_today],
            missing_attendance=[line.agent for line in lines if line.record is None],
            drafts=self.drafts,
            overdue=[(line.agent, task) for line in lines for task in line.overdue],
        )

    @property
    def occurrences(self) -> list[AttendanceRecord]:
        return [line.record for line in self.lines if line.record is not None and line.record.occurrences]

    @property
    def attendance_taken(self) -> int:
        return sum(1 for line in self.lines if line.record is not None)

    @property
    def pending_caps(self) -> int:
        return sum(line.pending_caps for line in self.lines)

    @property
    def open_flags(self) -> int:
        return sum(line.open_flags for line in self.lines)

    @property
    def at_risk_count(self) -> int:
        return sum(1 for line in self.lines if line.risks)

    @property
    def ready_count(self) -> int:
        return sum(1 for line in self.lines if line.agent.status == Agent.Status.READY)

    def completion(self) -> list[tuple[Task, int]]:
        """Percent of agents with each task done."""
        count = len(self.lines) or 1
        return [
            (t, round(100 * sum(1 for x in self.lines if x.statuses.get(t.pk) in DONE) / count))
            for t in self.tasks
        ]

    def overall(self) -> int:
        cells = len(self.lines) * len(self.tasks) or 1
        return round(100 * sum(line.done for line in self.lines) / cells)


def collect(
    cohorts: list[Cohort], *, days: dict[int, datetime.date] | None = None, user=None
) -> list[CohortDay]:
    """One CohortDay per cohort, for `days[cohort.pk]` (default: the cohort's today)."""
    from certifications.services import red_flags_for

    if not cohorts:
        return []
    days = days or {c.pk: c.local_today() for c in cohorts}
    by_pk = {c.pk: c for c in cohorts}
    tasks = list(Task.objects.filter(active=True, required=True))
    agents = list(Agent.objects.filter(cohort__in=cohorts).exclude(status__in=[Agent.Status.WITHDRAWN]))
    for agent in agents:
        agent.cohort = by_pk[agent.cohort_id]
    agent_ids = [a.pk for a in agents]
    # Plain tuples, not model instances: the dashboard reads hundreds of these.
    statuses: dict[int, dict[int, tuple[str, datetime.datetime]]] = defaultdict(dict)
    for agent_id, task_id, value, updated_at in TaskStatus.objects.filter(agent_id__in=agent_ids).values_list(
        "agent_id", "task_id", "status", "updated_at"
    ):
        statuses[agent_id][task_id] = (value, updated_at)
    day_set = set(days.values())
    records = {
        (r.agent_id, r.day): r for r in AttendanceRecord.objects.filter(cohort__in=cohorts, day__in=day_set)
    }
    noted = set(
        DailyNote.objects.filter(agent_id__in=agent_ids, day__in=day_set).values_list("agent_id", "day")
    )
    by_id = {a.pk: a for a in agents}
    drafts = defaultdict(list)
    for ticket in (
        Ticket.objects.filter(cohort__in=cohorts, status=Ticket.Status.DRAFT)
        .select_related("ticket_type")
        .only("cohort_id", "agent_id", "day", "ticket_type__name")
    ):
        if ticket.day <= days[ticket.cohort_id] and ticket.agent_id in by_id:
            ticket.agent = by_id[ticket.agent_id]  # already loaded
            drafts[ticket.cohort_id].append(ticket)
    pending = Counter(
        dict(
            Recommendation.objects.filter(agent_id__in=agent_ids, status=Recommendation.Status.PENDING)
            .values_list("agent_id")
            .annotate(n=Count("id"))
        )
    )
    flag_query = RedFlag.objects.filter(agent_id__in=agent_ids, resolved_at__isnull=True)
    flags = Counter(
        dict(
            (red_flags_for(user, flag_query) if user else flag_query)
            .values_list("agent_id")
            .annotate(n=Count("id"))
        )
    )
    top_rank = dict(
        CorrectiveAction.objects.filter(agent_id__in=agent_ids, status=CorrectiveAction.Status.ACTIVE)
        .values_list("agent_id")
        .annotate(rank=Max("level__rank"))
    )
    failed = defaultdict(dict)
    for agent_id, task_id, n in (
        ExamAttempt.objects.filter(agent_id__in=agent_ids, passed=False)
        .values_list("agent_id", "task_id")
        .annotate(n=Count("id"))
    ):
        failed[agent_id][task_id] = n
    sign_offs = {
        (s.cohort_id, s.day): s
        for s in DaySignOff.objects.filter(cohort__in=cohorts, day__in=day_set).select_related("signed_by")
    }

    result = {c.pk: CohortDay(cohort=c, day=days[c.pk], tasks=tasks, drafts=drafts[c.pk]) for c in cohorts}
    for c in cohorts:
        result[c.pk].sign_off = sign_offs.get((c.pk, days[c.pk]))
    # What every agent of a cohort shares, worked out once per cohort.
    bounds = {}
    for c in cohorts:
        day = days[c.pk]
        due = [t for t in tasks if t.due_date(c) <= day]
        bounds[c.pk] = (
            c.local_datetime(day, datetime.time(0)),
            c.local_datetime(day + datetime.timedelta(days=1), datetime.time(0)),
            due,
            _pace_context(c, day),
        )
    agent_url = _url_pattern("cohorts:agent_detail")
    for agent in agents:
        cohort_day = result[agent.cohort_id]
        day = cohort_day.day
        start, end, due, pace = bounds[agent.cohort_id]
        own = statuses.get(agent.pk, {})
        line = AgentLine(
            agent=agent,
            statuses={task_id: value for task_id, (value, _) in own.items()},
            record=_with_agent(records.get((agent.pk, day)), agent),
            noted=(agent.pk, day) in noted,
            updated_today=any(start <= updated_at < end for _, updated_at in own.values()),
            open_flags=flags.get(agent.pk, 0),
            pending_caps=pending.get(agent.pk, 0),
            cap_rank=top_rank.get(agent.pk, 0),
            failed=failed.get(agent.pk, {}),
        )
        line.url = agent_url(agent.pk)
        if agent.status in ATTENDING:
            line.overdue = [t for t in due if line.statuses.get(t.pk) not in DONE]
        line.risks = _risks(line, cohort_day, pace)
        cohort_day.lines.append(line)
    return [result[c.pk] for c in cohorts]


def _with_agent(record: AttendanceRecord | None, agent: Agent) -> AttendanceRecord | None:
    if record is not None:
        record.agent = agent  # already loaded: no query per record when a page names the agent
    return record


def _url_pattern(name: str):
    """reverse() once for a URL with one id, then fill the id in: cheaper than a reverse per row."""
    from django.urls import reverse

    sentinel = 987654321
    pattern = reverse(name, args=[sentinel])
    return lambda pk: pattern.replace(str(sentinel), str(pk))


def _pace_context(cohort: Cohort, day: datetime.date) -> tuple[int, int]:
    """ESP days elapsed (up to and including `day`) and left after it."""
    elapsed = sum(1 for d in cohort.esp_days if d <= day)
    return elapsed, len(cohort.esp_days) - elapsed


def _risks(line: AgentLine, cohort_day: CohortDay, pace_context: tuple[int, int]) -> list[str]:
    """Why the agent may not finish on time, in plain words (empty when on track)."""
    if line.agent.status not in ATTENDING:
        return []
    risks = []
    if line.overdue:
        risks.append("overdue: " + ", ".join(t.name for t in line.overdue))
    remaining = [t for t in cohort_day.tasks if line.statuses.get(t.pk) not in DONE]
    elapsed, left = pace_context
    if remaining and elapsed:
        pace = line.done / elapsed  # tasks a day so far
        if pace == 0 or len(remaining) / pace > left:
            risks.append(
                f"{len(remaining)} tasks left for {left} day{'s' if left != 1 else ''} at the pace so far"
            )
    for task in cohort_day.tasks:
        if task.attempt_limit and line.statuses.get(task.pk) not in DONE:
            attempts_left = task.attempt_limit - line.failed.get(task.pk, 0)
            if attempts_left <= 1:
                risks.append(
                    f"{task.name}: {max(attempts_left, 0)} attempt{'s' if attempts_left != 1 else ''} left"
                )
    if line.open_flags:
        risks.append(f"{line.open_flags} open red flag{'s' if line.open_flags > 1 else ''}")
    if line.cap_rank >= 2:
        risks.append("on a CAP")
    return risks


def active_cohorts(queryset) -> list[Cohort]:
    """Cohorts in their ESP week, newest first."""
    return list(
        queryset.filter(status=Cohort.Status.ACTIVE).select_related("tl", "pm").order_by("start_date", "name")
    )


def completion_by_day(cohort_day: CohortDay) -> list[tuple[datetime.date, int]]:
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


def occurrence_counts(cohorts: list[Cohort]) -> dict[int, int]:
    """Occurrences in each cohort's ESP week."""
    q = Q(absent=True) | ~Q(arrival_occurrence="") | ~Q(departure_occurrence="")
    return dict(
        AttendanceRecord.objects.filter(cohort__in=cohorts)
        .filter(q)
        .values_list("cohort_id")
        .annotate(n=Count("id"))
    )
