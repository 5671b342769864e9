"""Attendance use cases: the roll call, imports of timekeeping reports, reclassification, WFM."""

import copy
import datetime
import functools
import itertools
import operator
from dataclasses import asdict, dataclass, field

from django.db import IntegrityError
from django.db.models import F, Q
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from attendance.events import AttendanceChanged
from attendance.models import (
    AttendanceGap,
    AttendancePolicy,
    AttendanceRecord,
    MeetAlias,
    Occurrence,
    Reclassification,
    RecordSource,
)
from cohorts.models import Agent, Cohort
from cohorts.revision import touch_cohorts
from cohorts.selectors import ATTENDING
from cohorts.services import check_closed_day, day_closed
from core.converters import parse_clock
from core.events import emit, unit
from core.uploads import NotATable, as_sentence, numbered_rows


class DayNotAllowed(ValueError):
    """A day on which this cohort's attendance cannot be taken; the message says why."""


class StaleRecord(Exception):
    """Someone saved the record after the editor loaded it."""

    def __init__(self, current: AttendanceRecord):
        super().__init__("The attendance record changed since it was loaded.")
        self.current = current


def check_day(cohort: Cohort, day: datetime.date, today: datetime.date | None = None) -> AttendancePolicy:
    """The policy in force on `day`; DayNotAllowed for a day outside the cohort's ESP days, after
    its today, or before any policy."""
    check_esp_day(cohort, day, today)
    return policy_on(day)


def check_esp_day(cohort: Cohort, day: datetime.date, today: datetime.date | None = None) -> None:
    """DayNotAllowed for a day outside the cohort's ESP days or after its today."""
    today = today or cohort.local_today()
    if cohort.day_number(day) is None:
        first, last = cohort.esp_days[0], cohort.end_date
        raise DayNotAllowed(
            f"{day:%a %-d %b %Y} is not one of {cohort}'s ESP days "
            f"({first:%a %-d %b} to {last:%a %-d %b %Y}, business days only)."
        )
    if day > today:
        raise DayNotAllowed(
            f"{day:%a %-d %b %Y} is in the future: attendance can be taken up to today "
            f"({today:%a %-d %b} in {cohort.time_zone})."
        )


def policy_on(day: datetime.date) -> AttendancePolicy:
    """The policy in force on `day`; DayNotAllowed before any policy."""
    try:
        return AttendancePolicy.in_force(day)
    except AttendancePolicy.DoesNotExist:
        raise DayNotAllowed(
            f"No attendance policy is in force on {day:%a %-d %b %Y}: an admin must add one before "
            "attendance can be taken."
        ) from None


def taken_days(cohort: Cohort, today: datetime.date | None = None) -> list[datetime.date]:
    """The cohort's ESP days up to its today, the days whose attendance may be taken."""
    today = today or cohort.local_today()
    return [d for d in cohort.esp_days if d <= today]


def scheduled_for(agent: Agent, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = agent.scheduled_shift()
    return agent.cohort.local_datetime(day, start), agent.cohort.local_datetime(day, end)


def new_record(agent: Agent, day: datetime.date, policy: AttendancePolicy) -> AttendanceRecord:
    start, end = scheduled_for(agent, day)
    return AttendanceRecord(
        cohort=agent.cohort,
        agent=agent,
        day=day,
        scheduled_start_at=start,
        scheduled_end_at=end,
        policy=policy,
        version=0,
    )


@dataclass
class Entry:
    """What a TL enters for one agent and day; times are local to the cohort."""

    arrival: datetime.time | None = None
    departure: datetime.time | None = None
    absent: bool = False
    excused: bool = False
    excused_reason: str = ""


def record_attendance(
    *, agent: Agent, day: datetime.date, entry: Entry, expected_version: int | None, by, reason: str = ""
) -> AttendanceRecord:
    """Save one agent's day; StaleRecord if it changed since `expected_version` was read.

    A record keeps the policy version that first classified it (read with it): an edit never
    moves it to a newer policy (that is what `reclassify` is for).
    """
    cohort = agent.cohort
    check_esp_day(cohort, day)
    try:
        with unit():
            record = (
                AttendanceRecord.objects.select_for_update(of=("self",))
                .select_related("policy")
                .filter(agent=agent, day=day)
                .annotate(day_closed=day_closed(cohort, day))
                .first()
            )
            if record is None:
                record = new_record(agent, day, policy_on(day))
                record.day_closed = None  # asked by check_closed_day
            record.agent = agent
            loaded_version = record.version if record.pk else 0
            if loaded_version != (expected_version or 0):
                raise StaleRecord(record)
            before = record.rule_facts()  # a new record's: no occurrence, as with no record
            check_closed_day(
                cohort=cohort,
                day=day,
                reason=reason,
                what=f"Attendance of {agent}",
                by=by,
                closed=record.day_closed,
            )
            record.absent = entry.absent
            record.arrived_at = (
                None if entry.absent or not entry.arrival else cohort.local_datetime(day, entry.arrival)
            )
            record.departed_at = (
                None if entry.absent or not entry.departure else cohort.local_datetime(day, entry.departure)
            )
            record.excused = entry.excused
            record.excused_reason = entry.excused_reason if entry.excused else ""
            record.source = RecordSource.ROLL_CALL
            record._change_reason = "Roll call"
            record.touch(by)
            record.save()
            changed = record.rule_facts() != before
            emit(
                AttendanceChanged(
                    agent_ids=frozenset([agent.pk]), source="roll call", rule_facts_changed=changed
                )
            )
    except IntegrityError:
        # Another editor created the record between our read and our insert.
        raise StaleRecord(AttendanceRecord.objects.get(agent=agent, day=day)) from None
    return record


def mark_all_present(*, cohort: Cohort, day: datetime.date, by, reason: str = "") -> int:
    """Record every attending agent with no record yet as arrived at their shift start."""
    policy = check_day(cohort, day)
    check_closed_day(cohort=cohort, day=day, reason=reason, what="Mark all present", by=by)
    agents = (
        Agent.objects.filter(cohort=cohort, status__in=ATTENDING)
        .exclude(attendance_records__day=day)
        .select_related("cohort")
    )
    records = []
    for agent in agents:
        record = new_record(agent, day, policy)
        record.arrived_at = record.scheduled_start_at
        record.touch(by)
        records.append(record)
    if records:
        with unit():
            bulk_create_with_history(records, AttendanceRecord, default_user=by)
            touch_cohorts([cohort.pk])  # bulk writes send no signals
            emit(AttendanceChanged(agent_ids=frozenset(r.agent_id for r in records), source="roll call"))
    return len(records)


# --- What an import may change ---------------------------------------------------------------


def import_change(
    record: AttendanceRecord | None,
    *,
    arrived_at: datetime.datetime | None,
    departed_at: datetime.datetime | None,
    source: str,
) -> str:
    """What a report (login or Meet) would do to a day, the one rule both imports follow: "new"
    (no record yet), "same" (nothing to do), "update" (the same report's earlier times, or what
    was left empty), or "choose": a value entered another way (by hand, from the other report)
    or an excused day, which the report changes only when the TL ticks it, both values shown."""
    if record is None:
        return "new"
    if (record.arrived_at, record.departed_at, record.absent) == (arrived_at, departed_at, False):
        return "same"
    overwrites = bool(
        record.absent
        or (record.arrived_at is not None and record.arrived_at != arrived_at)
        or (record.departed_at is not None and record.departed_at != departed_at)
    )
    if record.excused or (record.source != source and overwrites):
        return "choose"
    return "update"


# --- Timekeeping report import --------------------------------------------------------------

TIMEKEEPING_COLUMNS = {
    "employee_id": ("employee id", "employeeid", "employee", "emp id", "employee number"),
    "date": ("date", "day", "work date"),
    "first_login": ("first login", "login", "first log in", "clock in", "first punch"),
    "last_logout": ("last logout", "logout", "last log out", "clock out", "last punch"),
}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")


@dataclass
class Punch:
    row: int
    agent_id: int
    employee_id: str
    day: str  # ISO date
    arrival: str  # HH:MM:SS, cohort-local
    departure: str  # HH:MM:SS or ""


@dataclass
class TimekeepingResult:
    rows: list[Punch] = field(default_factory=list)
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    skipped: int = 0  # rows of people who are not agents of the cohort (a company-wide report)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def rows_as_dicts(self) -> list[dict]:
        return [asdict(r) for r in self.rows]


def parse_date(text: str) -> datetime.date | None:
    text = text.strip()[:10]
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def read_timekeeping(
    content: bytes, *, cohort: Cohort, start: datetime.date, end: datetime.date
) -> TimekeepingResult:
    """Check a login report for `cohort` between `start` and `end`; every bad row is named."""
    result = TimekeepingResult()
    try:
        numbered = numbered_rows(content)
    except NotATable as exc:
        result.errors.append((None, str(exc)))
        return result
    if len(numbered) < 2:
        result.errors.append((None, "The file has no rows of logins."))
        return result
    header = [" ".join(str(c).replace("_", " ").lower().split()) for c in numbered[0][1]]
    positions = {}
    for key, spellings in TIMEKEEPING_COLUMNS.items():
        for index, name in enumerate(header):
            if name in spellings:
                positions[key] = index
                break
    missing = [k.replace("_", " ") for k in TIMEKEEPING_COLUMNS if k not in positions]
    if missing:
        result.errors.append(
            (
                None,
                f"Wrong columns: missing {', '.join(missing)}. The first row must name the columns "
                "employee ID, date, first login, last logout.",
            )
        )
        return result

    agents = {a.employee_id: a.pk for a in Agent.objects.filter(cohort=cohort).only("pk", "employee_id")}
    today = cohort.local_today()
    seen: dict[tuple[str, datetime.date], int] = {}
    for row_number, cells in numbered[1:]:
        values = {k: (str(cells[p]).strip() if p < len(cells) else "") for k, p in positions.items()}
        problems = []
        employee_id = values["employee_id"]
        if not employee_id:
            problems.append("employee ID is missing")
        elif employee_id not in agents:
            result.skipped += 1  # someone else's: skipped and counted, not the whole file refused
            continue
        day = parse_date(values["date"])
        if day is None:
            problems.append(f"date “{values['date']}” is not a date (use YYYY-MM-DD or MM/DD/YYYY)")
        elif not start <= day <= end:
            problems.append(f"date {day} is outside the chosen range {start} to {end}")
        else:
            try:
                check_day(cohort, day, today)
            except DayNotAllowed as exc:
                problems.append(str(exc)[0].lower() + str(exc)[1:].rstrip("."))
        arrival = parse_clock(values["first_login"])
        if not values["first_login"]:
            problems.append("first login is missing")
        elif arrival is None:
            problems.append(f"first login “{values['first_login']}” is not a time (use HH:MM)")
        departure = parse_clock(values["last_logout"]) if values["last_logout"] else None
        if values["last_logout"] and departure is None:
            problems.append(f"last logout “{values['last_logout']}” is not a time (use HH:MM)")
        if arrival and departure and departure <= arrival:
            problems.append("last logout is not after first login")
        if employee_id and day:
            key = (employee_id, day)
            if key in seen:
                problems.append(f"{employee_id} on {day} is also on row {seen[key]}")
            else:
                seen[key] = row_number
        if problems:
            result.errors.append((row_number, as_sentence(problems)))
            continue
        result.rows.append(
            Punch(
                row=row_number,
                agent_id=agents[employee_id],
                employee_id=employee_id,
                day=day.isoformat(),
                arrival=arrival.isoformat(),
                departure=departure.isoformat() if departure else "",
            )
        )
    if not result.rows and not result.errors:
        result.errors.append(
            (
                None,
                f"No row of the report is an agent of {cohort} ({result.skipped} "
                f"row{'s' if result.skipped != 1 else ''} of other people skipped).",
            )
        )
    return result


@dataclass
class PunchLine:
    """A login report's row against the record there now (import_change says what it does)."""

    punch: Punch
    agent: Agent
    record: AttendanceRecord | None
    arrived_at: datetime.datetime
    departed_at: datetime.datetime | None
    replace: bool = False

    @property
    def key(self) -> str:
        return f"{self.punch.agent_id}|{self.punch.day}"

    @property
    def state(self) -> str:
        return import_change(
            self.record,
            arrived_at=self.arrived_at,
            departed_at=self.departed_at,
            source=RecordSource.LOGIN_REPORT,
        )

    @property
    def writes(self) -> bool:
        return self.state in ("new", "update") or (self.state == "choose" and self.replace)


def timekeeping_lines(
    *, cohort: Cohort, punches: list[Punch], replace: frozenset[str] = frozenset(), lock: bool = False
) -> list[PunchLine]:
    """Each checked row of a login report beside the record of that agent and day."""
    agents = {a.pk: a for a in Agent.objects.filter(cohort=cohort, pk__in=[p.agent_id for p in punches])}
    days = {datetime.date.fromisoformat(p.day) for p in punches}
    records = AttendanceRecord.objects.filter(agent_id__in=agents, day__in=days).select_related("policy")
    if lock:
        records = records.select_for_update(of=("self",))
    existing = {(r.agent_id, r.day): r for r in records}
    lines = []
    for punch in punches:
        agent, day = agents[punch.agent_id], datetime.date.fromisoformat(punch.day)
        agent.cohort = cohort
        departure = datetime.time.fromisoformat(punch.departure) if punch.departure else None
        line = PunchLine(
            punch=punch,
            agent=agent,
            record=existing.get((agent.pk, day)),
            arrived_at=cohort.local_datetime(day, datetime.time.fromisoformat(punch.arrival)),
            departed_at=cohort.local_datetime(day, departure) if departure else None,
        )
        line.replace = line.key in replace
        lines.append(line)
    return lines


def import_timekeeping(
    *, cohort: Cohort, punches: list[Punch], by, replace: frozenset[str] = frozenset()
) -> tuple[int, int]:
    """Fill arrival and departure from a checked report, all rows or none: (created, updated).
    A day already as the report says is left alone; times entered another way, or an excused
    day, change only for the rows the TL ticked (`replace`: PunchLine.key)."""
    days = {datetime.date.fromisoformat(p.day) for p in punches}
    policies = {day: check_day(cohort, day) for day in days}
    with unit():
        created, updated = [], []
        for line in timekeeping_lines(cohort=cohort, punches=punches, replace=replace, lock=True):
            if not line.writes:
                continue
            day = datetime.date.fromisoformat(line.punch.day)
            record = line.record
            if record is None:
                record = new_record(line.agent, day, policies[day])
                created.append(record)
            else:
                updated.append(record)
            record.absent = False
            record.source = RecordSource.LOGIN_REPORT
            record.arrived_at, record.departed_at = line.arrived_at, line.departed_at
            record.touch(by)
        if created:
            bulk_create_with_history(
                created, AttendanceRecord, default_user=by, default_change_reason="Timekeeping import"
            )
        if updated:
            bulk_update_with_history(
                updated,
                AttendanceRecord,
                ["absent", "arrived_at", "departed_at", "source", *AttendanceRecord.TOUCHED_FIELDS],
                default_user=by,
                default_change_reason="Timekeeping import",
            )
        if created or updated:
            touch_cohorts([cohort.pk])  # bulk writes send no signals
            emit(
                AttendanceChanged(
                    agent_ids=frozenset(r.agent_id for r in created + updated), source="login report"
                )
            )
    return len(created), len(updated)


# --- Google Meet attendance report --------------------------------------------------------------

MEET_SOURCE = "Google Meet report"


@dataclass
class MeetLine:
    """What a Meet report says of one agent's day, against the record already there."""

    agent: Agent
    sessions: list[tuple[datetime.datetime, datetime.datetime]]  # merged, in order
    gaps: list[tuple[datetime.datetime, datetime.datetime]]  # away at least the tardy threshold
    record: AttendanceRecord | None  # as it is now
    proposed: AttendanceRecord  # what the report would record (not saved)
    replace: bool = False  # the TL chose the report's times over entered ones

    @property
    def first_join(self) -> datetime.datetime:
        return self.sessions[0][0]

    @property
    def last_exit(self) -> datetime.datetime:
        return self.sessions[-1][1]

    @property
    def state(self) -> str:
        """new, same, update or choose: import_change, the rule both imports follow."""
        p = self.proposed
        return import_change(
            self.record, arrived_at=p.arrived_at, departed_at=p.departed_at, source=RecordSource.MEET_REPORT
        )

    @property
    def writes(self) -> bool:
        return self.state in ("new", "update") or (self.state == "choose" and self.replace)


@dataclass
class MeetPreview:
    day: datetime.date
    policy: AttendancePolicy
    lines: list[MeetLine]
    unmatched: list  # attendance.meet.Participant: nobody known by that address yet
    ignored: list  # Participant: ignored once for the cohort, and so always
    not_in_report: list[Agent]  # attending agents the report does not list


def _merged(sessions: list[tuple[datetime.datetime, datetime.datetime]], away: datetime.timedelta) -> list:
    """The times present, in order: Meet's sessions (a rejoin is a new one) merged where they
    overlap or were apart less than `away` (a dropped connection, not a time away)."""
    merged: list[list[datetime.datetime]] = []
    for joined, exited in sorted(sessions):
        if merged and joined - merged[-1][1] < away:
            merged[-1][1] = max(merged[-1][1], exited)
        else:
            merged.append([joined, exited])
    return [(a, b) for a, b in merged]


def meet_preview(
    *,
    cohort: Cohort,
    day: datetime.date,
    participants: dict,
    matches: dict[str, int | None] | None = None,
    replace: frozenset[int] = frozenset(),
    lock: bool = False,
) -> MeetPreview:
    """What importing a Meet report (attendance.meet.read_meet_report's participants) would
    record: each agent's sessions merged, first join and last exit against their shift under the
    policy in force that day, gaps of at least the tardy threshold, and the record there now.
    Addresses are matched by the agent's email or by what the TL decided for the cohort before
    (`matches`: decisions made in this preview, not saved yet); never by a display name."""
    policy = check_day(cohort, day)
    known = {a.address: a.agent_id for a in MeetAlias.objects.filter(cohort=cohort)} | (matches or {})
    agents = {a.pk: a for a in Agent.objects.filter(cohort=cohort)}
    for agent in agents.values():
        agent.cohort = cohort
    by_email = {a.email.lower(): a.pk for a in agents.values() if a.email}
    sessions: dict[int, list] = {}
    unmatched, ignored = [], []
    for key, participant in sorted(participants.items()):
        agent_id = by_email.get(key) if participant.email else None
        if agent_id is None and key in known:
            agent_id = known[key]
            if agent_id is None or agent_id not in agents:
                ignored.append(participant)
                continue
        if agent_id is None:
            unmatched.append(participant)
            continue
        for joined, exited in participant.sessions:
            start = cohort.local_datetime(day, datetime.time.fromisoformat(joined))
            end = cohort.local_datetime(day, datetime.time.fromisoformat(exited))
            sessions.setdefault(agent_id, []).append((start, end))
    records = AttendanceRecord.objects.filter(cohort=cohort, day=day).select_related("policy")
    if lock:
        records = records.select_for_update(of=("self",))
    existing = {r.agent_id: r for r in records}
    lines = []
    for agent_id, taken in sessions.items():
        agent, merged = agents[agent_id], _merged(taken, policy.tardy)
        gaps = [(a[1], b[0]) for a, b in itertools.pairwise(merged)]  # each at least the threshold
        record = existing.get(agent_id)
        if record is None:
            proposed = new_record(agent, day, policy)
        else:
            record.agent = agent
            proposed = copy.copy(record)
            proposed._state = copy.copy(record._state)
        proposed.absent, proposed.arrived_at, proposed.departed_at = False, merged[0][0], merged[-1][1]
        proposed.classify()
        lines.append(MeetLine(agent, merged, gaps, record, proposed, replace=agent_id in replace))
    lines.sort(key=lambda line: (line.agent.last_name, line.agent.first_name))
    not_in_report = [
        a for a in sorted(agents.values(), key=lambda a: (a.last_name, a.first_name))
        if a.status in ATTENDING and a.pk not in sessions
    ]  # fmt: skip
    return MeetPreview(day, policy, lines, unmatched, ignored, not_in_report)


@dataclass
class MeetImported:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # entered times the TL kept
    remembered: int = 0  # addresses matched or ignored for the cohort
    gaps: int = 0


def import_meet_report(
    *,
    cohort: Cohort,
    day: datetime.date,
    participants: dict,
    matches: dict[str, int | None],
    replace: frozenset[int],
    gaps: frozenset[tuple[int, str]],
    file_name: str,
    by,
) -> MeetImported:
    """Record a previewed Meet report, all of it or nothing: the TL's matches first (remembered
    for the cohort), then each agent's day as the preview showed it, and the gaps the TL
    confirmed (`gaps`: agent id and the time they left, ISO). Importing the same file again
    changes nothing."""
    result = MeetImported()
    reason = f"{MEET_SOURCE}: {file_name}"[:300]
    with unit():
        agents = set(
            Agent.objects.filter(cohort=cohort, pk__in=[v for v in matches.values() if v]).values_list(
                "pk", flat=True
            )
        )
        for key, agent_id in matches.items():
            if agent_id is not None and agent_id not in agents:
                raise DayNotAllowed("An address was matched to an agent who is not in this cohort.")
            _, made = MeetAlias.objects.get_or_create(
                cohort=cohort, address=key, defaults={"agent_id": agent_id, "decided_by": by}
            )
            result.remembered += made
        preview = meet_preview(cohort=cohort, day=day, participants=participants, replace=replace, lock=True)
        created, updated = [], []
        for line in preview.lines:
            # The longest time away the TL confirmed (now or before): an occurrence only if the
            # day's policy says so (AttendancePolicy.time_away_counts), kept with the day always.
            before = line.record.time_away if line.record else None
            confirmed = [back - left for left, back in line.gaps if (line.agent.pk, left.isoformat()) in gaps]
            away = max(filter(None, [before, *confirmed]), default=None)
            if not line.writes and away == before:
                if line.state == "same":
                    result.unchanged += 1
                else:
                    result.kept += 1
                continue
            record = line.record or line.proposed
            if line.writes:
                record.absent, record.arrived_at, record.departed_at = False, line.first_join, line.last_exit
                record.source = RecordSource.MEET_REPORT
            record.time_away = away
            record.touch(by)
            (created if line.record is None else updated).append(record)
        if created:
            bulk_create_with_history(created, AttendanceRecord, default_user=by, default_change_reason=reason)
        if updated:
            bulk_update_with_history(
                updated,
                AttendanceRecord,
                [
                    "absent",
                    "arrived_at",
                    "departed_at",
                    "source",
                    "time_away",
                    *AttendanceRecord.TOUCHED_FIELDS,
                ],
                default_user=by,
                default_change_reason=reason,
            )
        result.created, result.updated = len(created), len(updated)
        records = {r.agent_id: r for r in AttendanceRecord.objects.filter(cohort=cohort, day=day)}
        for line in preview.lines:
            for left, returned in line.gaps:
                if (line.agent.pk, left.isoformat()) not in gaps:
                    continue
                _, made = AttendanceGap.objects.get_or_create(
                    record=records[line.agent.pk],
                    left_at=left,
                    defaults={"cohort": cohort, "returned_at": returned, "confirmed_by": by},
                )
                result.gaps += made
        changed = frozenset(r.agent_id for r in created + updated)
        if changed:
            touch_cohorts([cohort.pk])  # bulk writes send no signals
            emit(AttendanceChanged(agent_ids=changed, source="Meet report"))
    return result


# --- Reclassification -------------------------------------------------------------------------


def _classes(record: AttendanceRecord) -> list[str]:
    return [Occurrence(k).label for k in record.occurrences] or ["none"]


@dataclass
class ClassChange:
    """A record whose occurrences the version in force on its day classifies otherwise."""

    record: AttendanceRecord  # classified anew, not saved
    before: list[str]
    after: list[str]
    policy_before: AttendancePolicy
    policy_after: AttendancePolicy

    @property
    def reported(self) -> bool:
        """WFM was told of it before: a change goes out as a correction."""
        return self.record.reported_version is not None

    def as_dict(self) -> dict:
        return {
            "record": self.record.pk,
            "agent": self.record.agent.full_name,
            "day": self.record.day.isoformat(),
            "before": self.before,
            "after": self.after,
            "policy_before": str(self.policy_before),
            "policy_after": str(self.policy_after),
        }


def class_changes(records, policies: list[AttendancePolicy]) -> list[ClassChange]:
    """The one rule of every reclassification, previewed or done, and of a draft policy's what-if:
    each record is classified by the version in force on its day among `policies`; those whose
    occurrences change are returned classified anew (not saved), the others are left as they were,
    with the version that classified them."""
    ordered = sorted(policies, key=lambda p: p.effective_from, reverse=True)
    changes = []
    for record in records:
        policy = next((p for p in ordered if p.effective_from <= record.day), None)
        if policy is None:
            continue
        before_policy, before = record.policy, (record.arrival_occurrence, record.departure_occurrence)
        before_labels = _classes(record)
        record.policy = policy
        record.classify()
        if (record.arrival_occurrence, record.departure_occurrence) == before:
            record.policy = before_policy
            continue
        changes.append(ClassChange(record, before_labels, _classes(record), before_policy, policy))
    return changes


def records_between(start: datetime.date, end: datetime.date, cohort: Cohort | None = None, *, lock=False):
    records = AttendanceRecord.objects.filter(day__range=(start, end)).select_related(
        "agent__cohort", "policy"
    )
    if lock:
        records = records.select_for_update(of=("self",))
    return records.filter(cohort=cohort) if cohort is not None else records


def preview_reclassify(*, start: datetime.date, end: datetime.date, cohort: Cohort | None = None):
    """What reclassifying the range would change, nothing written: (records checked, changes)."""
    records = list(records_between(start, end, cohort))
    return len(records), class_changes(records, list(AttendancePolicy.objects.all()))


def reclassify(
    *, start: datetime.date, end: datetime.date, reason: str, by, cohort: Cohort | None = None
) -> Reclassification:
    """Re-run the policy in force on each day over a range, on purpose, and log it.

    A record whose occurrences change takes the version in force, is listed before -> after and
    goes to WFM as a correction; a record the version in force classifies the same is left as it
    is, with the version that classified it.
    """
    with unit():
        records = list(records_between(start, end, cohort, lock=True))
        changes = class_changes(records, list(AttendancePolicy.objects.all()))
        changed = [c.record for c in changes]
        for record in changed:
            record.touch(by)
        if changed:
            bulk_update_with_history(
                changed,
                AttendanceRecord,
                ["policy", *AttendanceRecord.TOUCHED_FIELDS],
                default_user=by,
                default_change_reason=f"Reclassified: {reason}",
            )
        touch_cohorts({r.cohort_id for r in changed})
        if changed:
            emit(
                AttendanceChanged(agent_ids=frozenset(r.agent_id for r in changed), source="reclassification")
            )
        return Reclassification.objects.create(
            start=start,
            end=end,
            cohort=cohort,
            reason=reason,
            records_checked=len(records),
            records_changed=len(changed),
            changes=[c.as_dict() for c in changes],
            by=by,
        )


def publish_policy(*, draft: AttendancePolicy, by) -> AttendancePolicy:
    """A new version of the attendance policy, in force from its date. The past is not rewritten:
    records keep the version that classified them until a range is reclassified on purpose."""
    with unit():
        draft.created_by = by
        draft.full_clean()
        draft.save()
    return draft


# --- What WFM is told -------------------------------------------------------------------------


@dataclass
class CohortOccurrences:
    cohort: Cohort
    new: list[AttendanceRecord] = field(default_factory=list)
    corrected: list[AttendanceRecord] = field(default_factory=list)


def occurrences_for_wfm(day: datetime.date) -> list[CohortOccurrences]:
    """Per cohort, the occurrences up to `day` that WFM has not been sent, and the corrections
    to records already sent (including a correction that removed the occurrence)."""
    records = (
        AttendanceRecord.objects.filter(wfm_pending=True, day__lte=day)
        .select_related("cohort", "agent", "policy")
        .order_by("cohort__name", "day", "agent__last_name", "agent__first_name")
    )
    grouped: dict[int, CohortOccurrences] = {}
    for record in records:
        entry = grouped.setdefault(record.cohort_id, CohortOccurrences(cohort=record.cohort))
        (entry.corrected if record.reported_version is not None else entry.new).append(record)
    return list(grouped.values())


def mark_reported(records: list[AttendanceRecord], at: datetime.datetime) -> int:
    """Note that WFM was sent these versions; a record edited since stays pending."""
    if not records:
        return 0
    sent = functools.reduce(operator.or_, (Q(pk=r.pk, version=r.version) for r in records))
    return AttendanceRecord.objects.filter(sent).update(
        reported_version=F("version"), reported_at=at, wfm_pending=False
    )


def save_ladder(*, levels, by) -> None:
    """An ESP admin changes the ladder's steps: names, approval, windows (kept in history). Steps
    are not added or taken away here: the rules and the actions on record depend on them."""
    with unit():
        levels.save()
