"""Google Meet's attendance report, read as Meet produces it: the summary (one row per
participant: first join, last exit, time in the call) or the per-session form (one row per join, a
new row at each rejoin). Columns: First name, Last name, Email, Duration ("1 hr 5 min"), Time
joined, Time exited. The meeting's date is in the file's name ("2026-11-25 09:00 ESP East -
Attendance Report.csv"); when the name lacks it the TL gives it.

This module only reads the file: which agent an address is and what is recorded are
attendance.services' (meet_preview, import_meet_report)."""

import datetime
import re
from dataclasses import dataclass, field

from core.converters import parse_clock
from core.uploads import NotATable, as_sentence, numbered_rows

COLUMNS = {
    "first_name": ("first name", "given name"),
    "last_name": ("last name", "family name", "surname"),
    "email": ("email", "email address", "participant email"),
    "duration": ("duration", "attendance duration", "time in call"),
    "joined": ("time joined", "joined", "join time", "first seen"),
    "exited": ("time exited", "exited", "leave time", "time left", "last seen"),
}
NEEDED = ("email", "duration", "joined", "exited")
DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
DURATION_PART = re.compile(r"(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b")
UNITS = {"h": "hours", "m": "minutes", "s": "seconds"}


def day_from_name(file_name: str) -> datetime.date | None:
    """The meeting's date in the report's file name, as Meet names it (YYYY-MM-DD first)."""
    match = DATE_IN_NAME.search(file_name or "")
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_duration(text: str) -> datetime.timedelta | None:
    """ "1 hr 5 min", "45 min", "30 sec", "2 hours", or "1:05:00"; None if it is none of them."""
    text = text.strip().lower()
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
        parts = [int(p) for p in text.split(":")] + [0]
        return datetime.timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])
    parts = DURATION_PART.findall(text)
    if not parts or DURATION_PART.sub("", text).strip(" ,"):
        return None
    total = datetime.timedelta()
    for number, word in parts:
        unit = word[0]
        total += datetime.timedelta(**{UNITS[unit]: int(number)})
    return total


@dataclass
class Participant:
    """Everyone the report lists under one address (or, without one, one name): their sessions
    as (joined, exited) local times, in the order of the file."""

    key: str  # the lower-case email, or "phone: <name>" for a joiner without one
    name: str
    email: str
    sessions: list[tuple[str, str]] = field(default_factory=list)  # ISO times, cohort-local


@dataclass
class MeetReport:
    day: datetime.date | None
    participants: dict[str, Participant] = field(default_factory=dict)
    errors: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.participants)


def _header_positions(header: list[str]) -> dict[str, int]:
    names = [" ".join(str(c).replace("_", " ").lower().split()) for c in header]
    positions = {}
    for key, spellings in COLUMNS.items():
        for index, name in enumerate(names):
            if name in spellings:
                positions[key] = index
                break
    return positions


def read_meet_report(content: bytes, *, file_name: str, day: datetime.date | None) -> MeetReport:
    """Check a Meet attendance report; every bad row is named. `day` is the meeting's date when
    the file's name does not carry it (the name's date wins when both are there)."""
    report = MeetReport(day=day_from_name(file_name) or day)
    try:
        numbered = numbered_rows(content)
    except NotATable as exc:
        report.errors.append((None, str(exc)))
        return report
    # Meet may put the meeting's name and date above the table: the header is the first row that
    # names the columns.
    start = next((i for i, (_, row) in enumerate(numbered) if len(_header_positions(row)) >= 3), None)
    if start is None:
        report.errors.append(
            (None, "This is not a Google Meet attendance report: no row names the columns "
             "First name, Last name, Email, Duration, Time joined, Time exited.")
        )  # fmt: skip
        return report
    positions = _header_positions(numbered[start][1])
    missing = [k.replace("_", " ") for k in NEEDED if k not in positions]
    if missing:
        report.errors.append((None, f"The report has no column for {', '.join(missing)}."))
        return report
    if len(numbered) == start + 1:
        report.errors.append((None, "The report lists nobody."))
        return report
    for row_number, cells in numbered[start + 1 :]:
        values = {k: (str(cells[p]).strip() if p < len(cells) else "") for k, p in positions.items()}
        problems = []
        name = (
            " ".join(filter(None, (values.get("first_name", ""), values.get("last_name", "")))) or "(no name)"
        )
        email = values["email"].lower()
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            problems.append(f"email “{values['email']}” is not an address")
        if parse_duration(values["duration"]) is None:
            problems.append(f"duration “{values['duration']}” is not a duration like “1 hr 5 min”")
        joined = parse_clock(values["joined"], report.day)
        exited = parse_clock(values["exited"], report.day)
        if joined is None:
            problems.append(f"time joined “{values['joined']}” is not a time of the meeting's day")
        if exited is None:
            problems.append(f"time exited “{values['exited']}” is not a time of the meeting's day")
        if joined and exited and exited < joined:
            problems.append("time exited is before time joined")
        if problems:
            report.errors.append((row_number, as_sentence(problems)))
            continue
        key = email or f"phone: {name}"
        participant = report.participants.setdefault(key, Participant(key=key, name=name, email=email))
        participant.sessions.append((joined.isoformat(), exited.isoformat()))
    return report
