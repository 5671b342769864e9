"""A cohort's day as the TL's board, the cohort page, the PM dashboard and the end-of-day checks
read it, for any number of cohorts in a fixed number of queries.

Every fact here comes from the rule that owns it: a task's state from
certifications.selectors.task_cells, the day's blockers from desk.endofday, at-risk reasons
from desk.risk. The pages only show them.
"""

import copy
import dataclasses
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from attendance.models import AttendanceRecord, CorrectiveAction, Recommendation
from certifications.models import DailyNote, Task
from certifications.selectors import FAILURE_FACTS, STATUS_FACTS, Cell, cohorts_tasks, flag_facts, task_cells
from cohorts.facts import Facts, agent_facts
from cohorts.models import Agent, ClosedDayEdit, Cohort, DaySignOff
from cohorts.selectors import ATTENDING, sign_offs_of
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
    tasks = {pk: [t for t in held if t.required] for pk, held in cohorts_tasks(cohorts).items()}
    agents = list(Agent.objects.filter(cohort__in=cohorts).exclude(status=Agent.Status.WITHDRAWN).for_rows())
    for agent in agents:
        agent.cohort = by_pk[agent.cohort_id]
    # A past day is seen as it stood at its end of day (what its end-of-day check reports).
    moments = {
        c.pk: min(now, c.local_datetime(days[c.pk], c.end_of_day_time))
        for c in cohorts
        if days[c.pk] < now.astimezone(c.tzinfo).date()
    }
    sign_offs = sign_offs_of(cohorts, days)
    result = {
        c.pk: CohortDay(
            cohort=c,
            day=days[c.pk],
            now=moments.get(c.pk, now),
            tasks=tasks[c.pk],
            sign_off=sign_offs[c.pk],
        )
        for c in cohorts
    }
    lines = _stored_lines(agents, result, user=user, sees_confidential=sees_confidential)
    agent_url = UrlPattern("desk:agent")
    for agent in agents:
        cohort_day = result[agent.cohort_id]
        line, drafts = lines[agent.pk].attach(agent, cohort_day.tasks, agent_url(agent.pk))
        cohort_day.lines.append(line)
        for ticket in drafts:  # on the day of the cohort it was drafted in
            result[ticket.cohort_id].drafts.append(ticket)
    return [result[c.pk] for c in cohorts]


@dataclass(frozen=True, slots=True)
class StoredLine:
    """What the cache keeps of an agent's line and tickets not submitted: plain values and the
    rows they came from, without the agent, its cohort or the tasks (the reader has them, and
    unpickling them for every agent would cost more than reading the facts again)."""

    cells: tuple[tuple, ...]  # (task id, then Cell's other fields in order)
    record: AttendanceRecord | None
    noted: bool
    updated_today: bool
    open_flags: int
    pending_caps: int
    cap_rank: int
    risks: tuple[str, ...]
    drafts: tuple[Ticket, ...]

    @classmethod
    def of(cls, line: AgentLine, drafts: list[Ticket]) -> "StoredLine":
        return cls(
            cells=tuple((c.task.pk, *(getattr(c, f) for f in CELL_FIELDS)) for c in line.cells),
            record=line.record,
            risks=tuple(line.risks),
            drafts=tuple(drafts),
            **{name: getattr(line, name) for name in LINE_FACTS},
        )

    def fits(self, tasks: list[Task]) -> bool:
        return [pk for pk, *_ in self.cells] == [t.pk for t in tasks]

    def copied(self) -> "StoredLine":
        """The same line with rows of its own, for a page to attach its agent to."""
        record = copy.copy(self.record) if self.record is not None else None
        return dataclasses.replace(self, record=record, drafts=tuple(copy.copy(t) for t in self.drafts))

    def attach(self, agent: Agent, tasks: list[Task], url: str) -> tuple[AgentLine, list[Ticket]]:
        """The line and the tickets, for the agent and its cohort's tasks as the page has them.
        The rows become the page's (their agent set): a line read from the cache was unpickled for
        this read, one worked out now is a copy of what was cached (_stored_lines)."""
        record = self.record
        if record is not None:
            record.agent = agent  # no query per record when a page names the agent
        drafts = list(self.drafts)
        for ticket in drafts:
            ticket.agent = agent
        line = AgentLine(
            agent=agent,
            cells=[Cell(task, *values[1:]) for task, values in zip(tasks, self.cells, strict=True)],
            url=url,
            record=record,
            risks=list(self.risks),
            **{name: getattr(self, name) for name in LINE_FACTS},
        )
        return line, drafts


CELL_FIELDS = tuple(f.name for f in dataclasses.fields(Cell) if f.name != "task")
# What a line and its stored form hold alike, as they are.
LINE_FACTS = ("noted", "updated_today", "open_flags", "pending_caps", "cap_rank")


def _stored_lines(
    agents: list[Agent], days: dict[int, CohortDay], *, user, sees_confidential: bool
) -> dict[int, StoredLine]:
    """Each agent's line on its cohort's day, cached under the agent's revision (every write about
    the agent renews it), its cohort's shared one (the cohort, its task terms, the configuration),
    the day and its phase (tasks turn overdue at the end of day), and who may see which red flags:
    after a write, only the lines of the agents written about are worked out again, from their
    facts (cohorts.facts), read only for the kinds of rows that changed."""
    viewer = "all" if sees_confidential else getattr(user, "pk", None)
    keys = {}
    for agent in agents:
        day = days[agent.cohort_id]
        phase = agent.cohort.phase(day.now)
        keys[agent.pk] = "board-line:" + digest(
            agent.pk, agent.revision, agent.cohort.shared_revision, day.day, phase, viewer
        )
    found = cache.get_many(list(keys.values()))
    lines = {
        a.pk: found[keys[a.pk]]
        for a in agents
        if keys[a.pk] in found and found[keys[a.pk]].fits(days[a.cohort_id].tasks)
    }
    fresh = [a for a in agents if a.pk not in lines]
    if fresh:
        made = _lines_of(fresh, days, user=user, sees_confidential=sees_confidential)
        cache.set_many({keys[pk]: line for pk, line in made.items()}, settings.PAGE_CACHE_SECONDS)
        # What is cached (and sent to Redis once the answer has gone) keeps its rows as they are.
        lines |= {pk: line.copied() for pk, line in made.items()}
    return lines


def _lines_of(
    agents: list[Agent], days: dict[int, CohortDay], *, user, sees_confidential: bool
) -> dict[int, StoredLine]:
    """The agents' lines from their facts, in a fixed number of queries however many they are."""
    on_day = {cohort_id: day.day for cohort_id, day in days.items()}
    facts = agent_facts(agents, _facts(on_day, user, sees_confidential), days=on_day)
    tasks = {cohort_id: day.tasks for cohort_id, day in days.items()}
    moments = {cohort_id: day.now for cohort_id, day in days.items()}  # every cohort's: `now` is unused
    stored = (facts["statuses"], facts["failures"])
    cells = task_cells(agents, tasks, now=max(moments.values()), moments=moments, stored=stored)
    lines = {}
    for agent in agents:
        cohort_day = days[agent.cohort_id]
        start = agent.cohort.local_datetime(cohort_day.day, datetime.time(0))
        end = agent.cohort.local_datetime(cohort_day.day + datetime.timedelta(days=1), datetime.time(0))
        own = cells[agent.pk]
        line = AgentLine(
            agent=agent,
            cells=own,
            record=facts["record"][agent.pk],
            noted=facts["noted"][agent.pk],
            updated_today=any(c.updated_at and start <= c.updated_at < end for c in own),
            open_flags=facts["flags"][agent.pk],
            pending_caps=facts["pending"][agent.pk],
            cap_rank=facts["rank"][agent.pk],
        )
        line.risks = risks_of(line, cohort_day)
        drafts = [
            t for t in facts["drafts"][agent.pk] if t.cohort_id in days and t.day <= days[t.cohort_id].day
        ]
        lines[agent.pk] = StoredLine.of(line, drafts)
    return lines


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


def active_and_upcoming(queryset, *, upcoming: int) -> tuple[list[Cohort], list[Cohort]]:
    """The cohorts in their ESP week (active_cohorts, without their people) and the first
    `upcoming` of those still planned, by start date: one query for both."""
    both = queryset.filter(status__in=(Cohort.Status.ACTIVE, Cohort.Status.PLANNED))
    both = list(both.order_by("start_date", "name"))
    planned = [c for c in both if c.status == Cohort.Status.PLANNED]
    return [c for c in both if c.status == Cohort.Status.ACTIVE], planned[:upcoming]


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
    of today: what the board shows the next morning. Cached under the cohort's revision of what
    concerns it as a whole (an edit after a close is such a write) and the days; one query for
    all the cohorts the cache misses."""
    wanted: dict[int, set[datetime.date]] = {}
    for cohort in cohorts:
        today = cohort.local_today()
        wanted[cohort.pk] = {today, *[d for d in cohort.esp_days if d < today][-1:]}
    keys = {c.pk: "closed-edits:" + digest(c.pk, c.revision_of(), sorted(wanted[c.pk])) for c in cohorts}
    found = cache.get_many(list(keys.values()))
    edits = {c.pk: found[keys[c.pk]] for c in cohorts if keys[c.pk] in found}
    missing = [c for c in cohorts if c.pk not in edits]
    if missing:
        made: dict[int, list[ClosedDayEdit]] = {c.pk: [] for c in missing}
        read = (
            ClosedDayEdit.objects.filter(
                cohort__in=missing, day__in=set().union(*(wanted[c.pk] for c in missing))
            )
            .select_related("by")
            .order_by("day", "at")
        )
        for edit in read:
            if edit.day in wanted[edit.cohort_id]:
                made[edit.cohort_id].append(edit)
        cache.set_many({keys[pk]: listed for pk, listed in made.items()}, settings.PAGE_CACHE_SECONDS)
        edits |= made
    return edits
