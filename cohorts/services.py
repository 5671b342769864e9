"""The cohorts app's writers: cohorts and agents, roster import, the status refresh by the calendar,
agents' status changes, and the day's sign-off."""

import datetime
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Exists
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cohorts.access import Role, roles_of
from cohorts.events import AgentStatusChanged, DaySignedOff
from cohorts.models import Agent, ClosedDayEdit, Cohort, DaySignOff, PersonChange
from cohorts.revision import touch_cohorts
from core.events import emit, unit
from core.uploads import NotATable, as_sentence, numbered_rows

logger = logging.getLogger(__name__)

# The tracking sheet's roster columns, with the spellings people use for each header.
ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "first"),
    "last_name": ("last name", "lastname", "last", "surname"),
    "employee_id": ("employee id", "employeeid", "employee", "emp id", "employee number"),
    "email": ("email", "e-mail", "email address"),
    "phone": ("phone", "phone number", "telephone", "mobile"),
    "equipment": ("equipment", "equipment source", "equipment type"),
}
REQUIRED_VALUES = ("first_name", "last_name", "employee_id", "email", "equipment")
EQUIPMENT_WORDS = {
    "company": Agent.Equipment.COMPANY,
    "company equipment": Agent.Equipment.COMPANY,
    "cxp": Agent.Equipment.COMPANY,
    "cxp equipment": Agent.Equipment.COMPANY,
    "personal": Agent.Equipment.PERSONAL,
    "personal equipment": Agent.Equipment.PERSONAL,
    "own": Agent.Equipment.PERSONAL,
}
LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "employee_id": "employee ID",
    "email": "email",
    "phone": "phone",
    "equipment": "equipment",
}


@dataclass
class RosterRow:
    row: int  # the row number as the spreadsheet shows it (the header is row 1)
    first_name: str
    last_name: str
    employee_id: str
    email: str
    phone: str
    equipment_source: str


@dataclass
class RowError:
    row: int | None  # None for a problem with the whole file
    message: str


@dataclass
class RosterResult:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def rows_as_dicts(self) -> list[dict]:
        return [asdict(r) for r in self.rows]


def _normalise_header(value) -> str:
    return " ".join(str(value or "").replace("_", " ").strip().lower().split())


def read_roster(content: bytes) -> RosterResult:
    """Parse and check a roster file; every problem is reported with its row number."""
    result = RosterResult()
    try:
        numbered = numbered_rows(content)
    except NotATable as exc:
        result.errors.append(RowError(None, str(exc)))
        return result
    if not numbered:
        result.errors.append(RowError(None, "The file is empty."))
        return result
    header_row, header = numbered[0]
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _normalise_header(cell)
        for key, spellings in ROSTER_COLUMNS.items():
            if name in spellings and key not in positions:
                positions[key] = index
    missing = [LABELS[k] for k in ROSTER_COLUMNS if k not in positions]
    if missing:
        found = ", ".join(str(c) for c in header if str(c).strip()) or "none"
        result.errors.append(
            RowError(
                None,
                f"Wrong columns: missing {', '.join(missing)}. The first row must name the "
                f"columns first name, last name, employee ID, email, phone, equipment "
                f"(found: {found}).",
            )
        )
        return result
    data = numbered[1:]
    if not data:
        result.errors.append(RowError(None, "The file has a header row but no agents."))
        return result

    max_lengths = {
        "first_name": Agent._meta.get_field("first_name").max_length,
        "last_name": Agent._meta.get_field("last_name").max_length,
        "employee_id": Agent._meta.get_field("employee_id").max_length,
        "email": Agent._meta.get_field("email").max_length,
        "phone": Agent._meta.get_field("phone").max_length,
    }
    first_seen: dict[str, int] = {}
    for row_number, cells in data:
        values = {
            key: (str(cells[pos]).strip() if pos < len(cells) else "") for key, pos in positions.items()
        }
        problems = [f"{LABELS[k]} is missing" for k in REQUIRED_VALUES if not values[k]]
        for key, limit in max_lengths.items():
            if len(values[key]) > limit:
                problems.append(f"{LABELS[key]} is longer than {limit} characters")
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                problems.append(f"email “{values['email']}” is not a valid email address")
        equipment = EQUIPMENT_WORDS.get(_normalise_header(values["equipment"]))
        if values["equipment"] and equipment is None:
            problems.append(f"equipment “{values['equipment']}” must be Company or Personal")
        employee_id = values["employee_id"]
        if employee_id:
            if employee_id in first_seen:
                problems.append(f"employee ID {employee_id} is also on row {first_seen[employee_id]}")
            else:
                first_seen[employee_id] = row_number
        if problems:
            result.errors.append(RowError(row_number, as_sentence(problems)))
            continue
        result.rows.append(
            RosterRow(
                row=row_number,
                first_name=values["first_name"],
                last_name=values["last_name"],
                employee_id=employee_id,
                email=values["email"],
                phone=values["phone"],
                equipment_source=equipment,
            )
        )
    _check_existing_ids(result)
    result.errors.sort(key=lambda e: e.row or 0)
    return result


def _check_existing_ids(result: RosterResult) -> None:
    """Report rows whose employee ID is already in the database, in one query."""
    ids = [r.employee_id for r in result.rows]
    taken = dict(Agent.objects.filter(employee_id__in=ids).values_list("employee_id", "cohort__name"))
    if not taken:
        return
    kept = []
    for row in result.rows:
        if row.employee_id in taken:
            result.errors.append(
                RowError(
                    row.row,
                    f"Employee ID {row.employee_id} already belongs to an agent in "
                    f"cohort {taken[row.employee_id]}.",
                )
            )
        else:
            kept.append(row)
    result.rows = kept


def rows_from_dicts(items: list[dict]) -> list[RosterRow]:
    return [RosterRow(**item) for item in items]


def import_roster(*, cohort: Cohort, rows: list[RosterRow], by) -> list[Agent]:
    """Create the agents of a checked roster in one transaction, with their history rows."""
    ids = Counter(r.employee_id for r in rows)
    if not rows or any(n > 1 for n in ids.values()):
        raise ValueError("import_roster needs a non-empty roster with unique employee IDs")
    agents = [
        Agent(
            cohort=cohort,
            first_name=r.first_name,
            last_name=r.last_name,
            employee_id=r.employee_id,
            email=r.email,
            phone=r.phone,
            equipment_source=r.equipment_source,
        )
        for r in rows
    ]
    with unit():
        created = bulk_create_with_history(
            agents, Agent, default_user=by, default_change_reason="Roster import"
        )
        touch_cohorts([cohort.pk])  # a bulk insert sends no signals
    logger.info("Imported %d agents into cohort %s", len(created), cohort.pk)
    return created


def refresh_cohort_statuses(today_for=None) -> int:
    """Move cohorts between planned, active and completed by each one's local date.

    Returns how many cohorts changed. `today_for` (cohort -> date) lets tests fix the date.
    """
    today_for = today_for or (lambda cohort: cohort.local_today())
    changed = 0
    open_statuses = [Cohort.Status.PLANNED, Cohort.Status.ACTIVE]
    for cohort in Cohort.objects.filter(status__in=open_statuses):
        new_status = cohort.status_on(today_for(cohort))
        if new_status == cohort.status:
            continue
        # Claim the change: a concurrent run that got there first updates nothing.
        claimed = Cohort.objects.filter(pk=cohort.pk, status=cohort.status).update(status=new_status)
        if claimed:
            old_status = cohort.status
            cohort.status = new_status
            cohort._change_reason = f"Calendar: {old_status} → {new_status}"
            cohort.save(update_fields=["status", "updated_at"])
            changed += 1
            logger.info("Cohort %s is now %s", cohort.pk, new_status)
    return changed


class DayClosed(ValueError):
    """A change to a closed day without a reason."""


def lock_agent(agent: Agent) -> None:
    """Hold the agent's row until the commit, so that writes of one kind about the agent (an
    exam attempt, a red flag) go one at a time: reads its id only."""
    list(Agent.objects.select_for_update().filter(pk=agent.pk).values_list("pk", flat=True))


def day_closed(cohort: Cohort, day: datetime.date) -> Exists:
    """Whether the TL has closed the cohort's `day`, as an expression: a write selects it with
    the row it locks (one query for both) and gives it to check_closed_day."""
    return Exists(DaySignOff.objects.of(cohort, day))


def check_closed_day(
    *, cohort: Cohort, day: datetime.date, reason: str, what: str, by, closed: bool | None = None
) -> bool:
    """After the TL closed the day, a change needs a reason, and the change is logged: True when
    it was (the caller then keeps the reason in the record's history too). `closed`: day_closed
    as the caller's own query read it, if it did; else it is asked here."""
    if closed is None:
        closed = DaySignOff.objects.of(cohort, day).exists()
    if not closed:  # the common case
        return False
    sign_off = DaySignOff.objects.of(cohort, day).select_related("signed_by").get()
    if not reason.strip():
        who = sign_off.signed_by.get_full_name() or sign_off.signed_by.username
        at = timezone.localtime(sign_off.signed_at, cohort.tzinfo)
        raise DayClosed(f"{who} closed {day:%a %-d %b} at {at:%H:%M %Z}; give a reason for changing it.")
    ClosedDayEdit.objects.create(cohort=cohort, day=day, what=what[:200], reason=reason.strip()[:300], by=by)
    return True


def save_cohort(*, cohort: Cohort, by) -> Cohort:
    """Create or change a cohort (from its form); its status follows the calendar at once, so a
    cohort starting today is active the moment it is made."""
    with unit():
        if cohort.status != Cohort.Status.CANCELLED:
            cohort.status = cohort.status_on(cohort.local_today())
        cohort.save()
    return cohort


def save_agent(*, agent: Agent, by) -> Agent:
    with unit():
        agent.save()
    return agent


def set_agent_status(*, agent: Agent, status: str, reason: str, by=None, **fields) -> Agent:
    """Move an agent to `status` (with any fields that go with it), keeping why in history."""
    old = agent.status
    with unit():
        agent.status = status
        for name, value in fields.items():
            setattr(agent, name, value)
        agent._change_reason = reason
        agent.save(update_fields=["status", *fields, "updated_at"])
        if old != status:
            emit(AgentStatusChanged(agent=agent, old=old, new=status, reason=reason, by=by))
    return agent


def sign_off_day(*, cohort: Cohort, day: datetime.date, by) -> tuple[DaySignOff, bool]:
    """Record that the TL closed the day; (the sign-off, whether it is new)."""
    with unit():
        sign_off, created = DaySignOff.objects.get_or_create(
            cohort=cohort, day=day, defaults={"signed_by": by}
        )
        if created:
            emit(DaySignedOff(cohort=cohort, day=day, by=by))
    return sign_off, created


def save_schedule(*, schedule, by):
    """An admin changes the scheduled jobs' times and addresses (kept in the schedule's history)."""
    with unit():
        schedule._history_user = by
        schedule.save()
    return schedule


class PersonError(ValueError):
    """A change to a person that would leave a cohort without its TL or PM; `field` is the form
    field it concerns."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _shown(value) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else (value or "—")


def _names(cohorts) -> str:
    return ", ".join(sorted(c.name for c in cohorts)) or "none"


def save_person(
    *, person, roles: set[str], admin: bool, leads: set[Cohort], manages: set[Cohort], by
) -> list[str]:
    """An ESP admin creates or changes a person: names and address (already on `person`), roles,
    admin rights, the cohorts they lead (TL) and manage (PM), active or not. A cohort always has
    its TL and PM: one is handed over by choosing it on the new person's page, never by taking it
    away here. Each change is kept (PersonChange): what, by whom, when. Returns the changes."""
    new = person.pk is None
    before_roles = set() if new else set(roles_of(person))
    led_before = set() if new else set(person.led_cohorts.all())
    managed_before = set() if new else set(person.managed_cohorts.all())
    if led_before - leads:
        raise PersonError(
            f"Every cohort needs its TL: to hand {_names(led_before - leads)} over, choose it on the new "
            "TL's page.",
            "leads",
        )
    if managed_before - manages:
        raise PersonError(
            f"Every cohort needs its PM: to hand {_names(managed_before - manages)} over, choose it on "
            "the new PM's page.",
            "manages",
        )
    if leads and Role.TL not in roles:
        raise PersonError("Only a TL leads cohorts: give the TL role too.", "roles")
    if manages and Role.PM not in roles:
        raise PersonError("Only a PM manages cohorts: give the PM role too.", "roles")
    running = [c for c in leads | manages if c.status in (Cohort.Status.PLANNED, Cohort.Status.ACTIVE)]
    if not person.is_active and running:
        raise PersonError(
            f"{person.get_full_name() or person.username} still leads or manages {_names(running)}: hand "
            "them over first.",
            "is_active",
        )
    changes = []
    with unit():
        if new:
            person.set_unusable_password()  # they set their own from the invitation
            changes.append("Created")
        else:
            old = type(person).objects.get(pk=person.pk)
            for f in ("first_name", "last_name", "username", "email", "is_active"):
                if getattr(old, f) != getattr(person, f):
                    label = (
                        "Active" if f == "is_active" else str(type(person)._meta.get_field(f).verbose_name)
                    )
                    changes.append(
                        f"{label.capitalize()}: {_shown(getattr(old, f))} → {_shown(getattr(person, f))}"
                    )
            if old.is_staff != admin:
                changes.append(f"Admin: {'yes' if old.is_staff else 'no'} → {'yes' if admin else 'no'}")
        person.is_staff = admin
        person.save()
        if set(roles) != before_roles:
            person.groups.set([Group.objects.get_or_create(name=r)[0] for r in sorted(roles)])
            person._esp_roles = frozenset(roles)
            changes.append(
                f"Roles: {', '.join(sorted(before_roles)) or 'none'} → {', '.join(sorted(roles)) or 'none'}"
            )
        for cohort in leads - led_before:
            changes.append(f"Leads {cohort.name} (was {cohort.tl.get_full_name() or cohort.tl.username})")
            cohort.tl = person
            cohort.save(update_fields=["tl"])
        for cohort in manages - managed_before:
            changes.append(f"Manages {cohort.name} (was {cohort.pm.get_full_name() or cohort.pm.username})")
            cohort.pm = person
            cohort.save(update_fields=["pm"])
        if changes:
            PersonChange.objects.create(person=person, by=by, what="\n".join(changes))
    return changes
