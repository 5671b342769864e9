"""A cohort's day as the TL's board, the cohort page, the PM dashboard and the end-of-day checks
read it, for any number of cohorts in a fixed number of queries.

Every fact here comes from the rule that owns it: a task's state from
certifications.selectors.task_cells, the day's blockers from desk.endofday, at-risk reasons
from desk.risk. The pages only show them.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from attendance.models import AttendanceRecord, CorrectiveAction, Recommendation
from certifications.models import DailyNote, Task, TaskTerms
from certifications.selectors import FAILURE_FACTS, STATUS_FACTS, Cell, flag_facts, task_cells
from cohorts.facts import Facts, agent_facts
from cohorts.models import Agent, ClosedDayEdit, Cohort, DaySignOff
from cohorts.selectors import ATTENDING
from core.fragments import digest
from core.urls import UrlPattern
from desk.risk import risks_of
from tickets.models import Ticket


@dataclass
class AgentLine:
    agent: Agent
    cells: list[Cell]
    url: str = ""
    record: AttendanceRecord | None = None
    noted: bool = False
    updated_today: bool = False
    open_flags: int = 0
    pending_caps: int = 0
    cap_rank: int = 0
    risks: list[str] = field(default_factory=list)

    @property
    def attending(self) -> bool:
        return self.agent.status in ATTENDING

    @property
    def done(self) -> int:
        return sum(1 for c in self.cells if c.done)

    @property
    def overdue(self) -> list[Task]:
        return [c.task for c in self.cells if c.overdue]

    @property
    def due_today(self) -> list[Task]:
        return [c.task for c in self.cells if c.due_today]

    @property
    def open_cells(self) -> list[Cell]:
        """Due by now and not done: what the TL must set, or carry over, before logging off."""
        return [c for c in self.cells if c.open] if self.attending else []

    @property
    def absent(self) -> bool:
        return bool(self.record and self.record.absent)

    def carried_on(self, day: datetime.date) -> list[Cell]:
        return [c for c in self.cells if c.carried and c.carried.day == day]

    @property
    def statuses(self) -> dict[int, str]:
        return {c.task.pk: c.status for c in self.cells}

    @property
    def signature(self) -> str:
        """A digest of everything the board shows of this agent: the key the agent's parts of a
        card are cached under, so that after a write only the changed agents' parts render."""
        a, r = self.agent, self.record
        return digest(
            (a.pk, a.first_name, a.last_name, a.status, a.cohort_id, self.url),
            [(c.task.pk, c.task.name, c.status, c.state, c.carried) for c in self.cells],
            (r.pk, r.version, r.absent, r.excused) if r else None,
            (self.open_flags, self.pending_caps, self.cap_rank),
        )


def pace_on(cohort: Cohort, tasks: list[Task], day: datetime.date) -> int:
    """Percent of the cohort's task cells that should be done by the end of `day`, by the
    tasks' due days (the same for every agent)."""
    due = sum(1 for t in tasks if t.due_date(cohort) <= day)
    return round(100 * due / len(tasks)) if tasks else 0


@dataclass
class CohortDay:
    cohort: Cohort
    day: datetime.date
    now: datetime.datetime
    tasks: list[Task]
    lines: list[AgentLine] = field(default_factory=list)
    drafts: list[Ticket] = field(default_factory=list)
    sign_off: DaySignOff | None = None

    @property
    def day_number(self) -> int | None:
        return self.cohort.day_number(self.day)

    @property
    def attending(self) -> list[AgentLine]:
        return [line for line in self.lines if line.attending]

    @property
    def report(self) -> "EndOfDayReport":
        return EndOfDayReport.of(self)

    @property
    def occurrences(self) -> list[AttendanceRecord]:
        return [line.record for line in self.lines if line.record is not None and line.record.occurrences]

    @property
    def attendance_taken(self) -> int:
        return sum(1 for line in self.attending if line.record is not None)

    @property
    def pending_caps(self) -> int:
        return sum(line.pending_caps for line in self.lines)

    @property
    def open_flags(self) -> int:
        return sum(line.open_flags for line in self.lines)

    @property
    def at_risk(self) -> list[AgentLine]:
        return [line for line in self.lines if line.risks]

    @property
    def at_risk_count(self) -> int:
        return len(self.at_risk)

    @property
    def ready(self) -> list[AgentLine]:
        return [line for line in self.lines if line.agent.status == Agent.Status.READY]

    @property
    def ready_count(self) -> int:
        return len(self.ready)

    @property
    def overdue_lines(self) -> list[AgentLine]:
        """Agents with a task overdue: what the tracker's "Overdue tasks" filter shows."""
        return [line for line in self.attending if line.overdue]

    @property
    def overdue_cells(self) -> int:
        return sum(len(line.overdue) for line in self.attending)

    @property
    def due_today_cells(self) -> int:
        return sum(len(line.due_today) for line in self.attending)

    def carried_from(self, day: datetime.date) -> list[tuple[AgentLine, Cell]]:
        return [(line, cell) for line in self.lines for cell in line.carried_on(day)]

    @property
    def carried_yesterday(self) -> list[tuple[AgentLine, Cell]]:
        """What was carried over from the previous ESP day into this one."""
        earlier = [d for d in self.cohort.esp_days if d < self.day]
        return self.carried_from(earlier[-1]) if earlier else []

    def completion(self) -> list[tuple[Task, int]]:
        """Percent of agents with each task done."""
        count = len(self.lines) or 1
        by_task = Counter(c.task.pk for line in self.lines for c in line.cells if c.done)
        return [(t, round(100 * by_task[t.pk] / count)) for t in self.tasks]

    def pace(self) -> int:
        """Percent of the cohort's task cells that should be done by the end of today, by the
        due days: where the cohort should be."""
        return pace_on(self.cohort, self.tasks, self.day)

    def overall(self) -> int:
        cells = len(self.lines) * len(self.tasks) or 1
        return round(100 * sum(line.done for line in self.lines) / cells)


@dataclass
class EndOfDayReport:
    """What the TL must not log off without, for one cohort and day: the close-the-day blockers,
    each something the TL can act on today (record it, write it, submit it, set the task's true
    status, or carry it over with a reason), and what was carried over."""

    cohort: Cohort
    day: datetime.date
    missing_attendance: list[Agent] = field(default_factory=list)
    missing_notes: list[Agent] = field(default_factory=list)
    not_updated: list[Agent] = field(default_factory=list)  # no status change and no note that day
    open_tasks: list[tuple[Agent, Cell]] = field(default_factory=list)  # due by now, not done
    drafts: list[Ticket] = field(default_factory=list)
    carried: list[tuple[Agent, Cell]] = field(default_factory=list)  # carried over from this day

    @classmethod
    def of(cls, cohort_day: "CohortDay") -> "EndOfDayReport":
        lines = cohort_day.attending
        return cls(
            cohort=cohort_day.cohort,
            day=cohort_day.day,
            missing_attendance=[line.agent for line in lines if line.record is None],
            missing_notes=[line.agent for line in lines if not line.noted],
            not_updated=[line.agent for line in lines if not line.noted and not line.updated_today],
            open_tasks=[(line.agent, cell) for line in lines for cell in line.open_cells],
            drafts=cohort_day.drafts,
            carried=[(line.agent, cell) for line, cell in cohort_day.carried_from(cohort_day.day)],
        )

    @property
    def overdue(self) -> list[tuple[Agent, Cell]]:
        return [(agent, cell) for agent, cell in self.open_tasks if cell.overdue]

    @property
    def open_count(self) -> int:
        return (
            len(self.missing_notes) + len(self.missing_attendance) + len(self.drafts) + len(self.open_tasks)
        )

    def agents_with_open_tasks(self) -> list[Agent]:
        seen = {}
        for agent, _ in self.open_tasks:
            seen.setdefault(agent.pk, agent)
        return list(seen.values())

    def as_dict(self) -> dict:
        return {
            "missing_attendance": [a.full_name for a in self.missing_attendance],
            "missing_notes": [a.full_name for a in self.missing_notes],
            "not_updated": [a.full_name for a in self.not_updated],
            "open_tasks": [
                f"{a.full_name}: {c.task.name} ({c.state_label.lower()})" for a, c in self.open_tasks
            ],
            "drafts": [f"{t.title}: {t.agent.full_name}" for t in self.drafts],
            "carried_over": [f"{a.full_name}: {c.task.name} ({c.carried.reason})" for a, c in self.carried],
        }


def _facts(days: dict[int, datetime.date], user, sees_confidential: bool) -> dict[str, Facts]:
    """What collect reads of each agent, each kind cached per agent (cohorts.facts): read for the
    agents whose rows of that kind changed (`missing`, with their cohorts loaded)."""

    def ids(missing) -> list[int]:
        return [a.pk for a in missing]

    def on_days(missing) -> set[datetime.date]:
        return {days[a.cohort_id] for a in missing}

    def records(missing):
        wanted = {(a.pk, a.cohort_id, days[a.cohort_id]) for a in missing}
        rows = AttendanceRecord.objects.filter(agent_id__in=ids(missing), day__in=on_days(missing))
        return {r.agent_id: r for r in rows if (r.agent_id, r.cohort_id, r.day) in wanted}

    def noted(missing):
        wanted = {(a.pk, days[a.cohort_id]) for a in missing}
        rows = DailyNote.objects.filter(agent_id__in=ids(missing), day__in=on_days(missing))
        return {
            agent_id: True
            for agent_id, day in rows.values_list("agent_id", "day")
            if (agent_id, day) in wanted
        }

    def unsubmitted(missing):
        tickets = defaultdict(list)
        rows = (
            Ticket.objects.filter(agent_id__in=ids(missing))
            .unsubmitted()
            .select_related("ticket_type")
            .only("cohort_id", "agent_id", "day", "data", "ticket_type__name")
        )
        for ticket in rows:
            tickets[ticket.agent_id].append(ticket)
        return tickets

    def pending(missing):
        rows = Recommendation.objects.filter(agent_id__in=ids(missing), status=Recommendation.Status.PENDING)
        return dict(rows.values_list("agent_id").annotate(n=Count("id")))

    def ranks(missing):
        top = {}  # the ladder as it stands on each cohort's day (one query per distinct day)
        for day in on_days(missing):
            on_day = [a.pk for a in missing if days[a.cohort_id] == day]
            top |= CorrectiveAction.objects.filter(agent_id__in=on_day).ladder_ranks(day)
        return top

    return {
        "statuses": STATUS_FACTS,
        "failures": FAILURE_FACTS,
        "record": Facts(AttendanceRecord, records, None, per_day=True),
        "noted": Facts(DailyNote, noted, False, per_day=True),
        "drafts": Facts(Ticket, unsubmitted, []),
        "pending": Facts(Recommendation, pending, 0),
        "flags": flag_facts(user, sees_confidential),
        "rank": Facts(CorrectiveAction, ranks, 0, per_day=True),
    }


def collect(
    cohorts: list[Cohort],
    *,
    user,
    sees_confidential: bool,
    days: dict[int, datetime.date] | None = None,
    now: datetime.datetime | None = None,
) -> list[CohortDay]:
    """One CohortDay per cohort at `now`, for `days[cohort.pk]` (default: the cohort's today)."""
    if not cohorts:
        return []
    now = now or timezone.now()
    days = days or {c.pk: now.astimezone(c.tzinfo).date() for c in cohorts}
    by_pk = {c.pk: c for c in cohorts}
    # Each cohort's tasks as its version of the task terms holds them (due days, attempt limits).
    tasks = TaskTerms.objects.tasks_held(cohorts, list(Task.objects.filter(active=True, required=True)))
    agents = list(Agent.objects.filter(cohort__in=cohorts).exclude(status=Agent.Status.WITHDRAWN))
    for agent in agents:
        agent.cohort = by_pk[agent.cohort_id]
    # A past day is seen as it stood at its end of day (what its end-of-day check reports).
    moments = {
        c.pk: min(now, c.local_datetime(days[c.pk], c.end_of_day_time))
        for c in cohorts
        if days[c.pk] < now.astimezone(c.tzinfo).date()
    }
    day_set = set(days.values())
    facts = agent_facts(agents, _facts(days, user, sees_confidential), days=days)
    cells = task_cells(agents, tasks, now=now, moments=moments, stored=(facts["statuses"], facts["failures"]))
    drafts = defaultdict(list)
    for agent in agents:
        for ticket in facts["drafts"][agent.pk]:
            if ticket.cohort_id in by_pk and ticket.day <= days[ticket.cohort_id]:
                ticket.agent = agent  # already loaded
                drafts[ticket.cohort_id].append(ticket)
    sign_offs = {
        (s.cohort_id, s.day): s
        for s in DaySignOff.objects.filter(cohort__in=cohorts, day__in=day_set).select_related("signed_by")
    }
    result = {
        c.pk: CohortDay(
            cohort=c,
            day=days[c.pk],
            now=moments.get(c.pk, now),
            tasks=tasks[c.pk],
            drafts=drafts[c.pk],
            sign_off=sign_offs.get((c.pk, days[c.pk])),
        )
        for c in cohorts
    }
    day_bounds = {
        c.pk: (
            c.local_datetime(days[c.pk], datetime.time(0)),
            c.local_datetime(days[c.pk] + datetime.timedelta(days=1), datetime.time(0)),
        )
        for c in cohorts
    }
    agent_url = UrlPattern("desk:agent")
    for agent in agents:
        cohort_day = result[agent.cohort_id]
        start, end = day_bounds[agent.cohort_id]
        own = cells[agent.pk]
        record = facts["record"][agent.pk]
        if record is not None:
            record.agent = agent  # already loaded: no query per record when a page names the agent
        line = AgentLine(
            agent=agent,
            cells=own,
            url=agent_url(agent.pk),
            record=record,
            noted=facts["noted"][agent.pk],
            updated_today=any(c.updated_at and start <= c.updated_at < end for c in own),
            open_flags=facts["flags"][agent.pk],
            pending_caps=facts["pending"][agent.pk],
            cap_rank=facts["rank"][agent.pk],
        )
        line.risks = risks_of(line, cohort_day)
        cohort_day.lines.append(line)
    return [result[c.pk] for c in cohorts]


# What a cached page's key needs of a cohort: its revision and its phase (Cohort.phase).
KEY_FIELDS = ("revision", "time_zone", "end_of_day", "shift_end")


def active_cohorts(queryset, *, for_key: bool = False, people: bool = True) -> list[Cohort]:
    """Cohorts in their ESP week, by start date: with their TL and PM (unless a page that names
    neither says `people=False`), or (`for_key`) only what a cached page's key needs, for a page
    that reads them in full only when its cache misses."""
    active = queryset.filter(status=Cohort.Status.ACTIVE).order_by("start_date", "name")
    if for_key:
        return list(active.only(*KEY_FIELDS))
    return list(active.select_related("tl", "pm") if people else active)


@dataclass(frozen=True)
class BarCounts:
    """What the cohort bar shows open on each page, from the cohort's day (its end-of-day report):
    the same figures as the board's "before you log off"."""

    in_esp_week: bool
    attendance: int = 0  # agents without today's attendance
    open_tasks: int = 0  # tasks due by now, not done
    notes: int = 0  # agents without today's note
    tickets: int = 0  # tickets not submitted
    agents: int = 0  # agents still in ESP
    closed: bool = False  # the TL has closed today

    @property
    def checklist_open(self) -> int:
        """Lines of "before you log off" still open (attendance, tasks, notes, tickets)."""
        return sum(1 for n in (self.attendance, self.open_tasks, self.notes, self.tickets) if n)


def bar_counts(cohort: Cohort, *, user, sees_confidential: bool) -> BarCounts:
    """The cohort bar's counts, cached under the cohort's revision and phase (so a write, or the
    end of day, gives new ones): a fixed number of queries when it misses, none when it hits."""
    key = "cohort-bar:" + digest(
        cohort.pk, cohort.revision, cohort.phase(), "all" if sees_confidential else user.pk
    )
    found = cache.get(key)
    if found is not None:
        return found
    if cohort.day_number(cohort.local_today()) is None:
        counts = BarCounts(
            in_esp_week=False, agents=Agent.objects.filter(cohort=cohort, status__in=ATTENDING).count()
        )
    else:
        (day,) = collect([cohort], user=user, sees_confidential=sees_confidential)
        report = day.report
        counts = BarCounts(
            in_esp_week=True,
            attendance=len(report.missing_attendance),
            open_tasks=len(report.open_tasks),
            notes=len(report.missing_notes),
            tickets=len(report.drafts),
            agents=len(day.attending),
            closed=day.sign_off is not None,
        )
    cache.set(key, counts, settings.PAGE_CACHE_SECONDS)
    return counts


def closed_day_edits(cohorts: list[Cohort]) -> dict[int, list[ClosedDayEdit]]:
    """The changes made after a close, with their reasons, of each cohort's previous ESP day and
    of today: what the board shows the next morning. One query."""
    wanted = set()
    for cohort in cohorts:
        today = cohort.local_today()
        earlier = [d for d in cohort.esp_days if d < today]
        wanted |= {(cohort.pk, today), *((cohort.pk, d) for d in earlier[-1:])}
    found: dict[int, list[ClosedDayEdit]] = defaultdict(list)
    if not wanted:
        return found
    edits = (
        ClosedDayEdit.objects.filter(cohort__in=cohorts, day__in={day for _, day in wanted})
        .select_related("by")
        .order_by("day", "at")
    )
    for edit in edits:
        if (edit.cohort_id, edit.day) in wanted:
            found[edit.cohort_id].append(edit)
    return found
