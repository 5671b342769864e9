"""The WFM attendance digest: each cohort's occurrences WFM has not been sent, and corrections
to those already sent, once a day after the digest time, with a CSV."""

import csv
import datetime
import io

from django.db import transaction
from django.utils import timezone

from attendance.services import mark_reported, occurrences_for_wfm
from cohorts.models import Cohort, Schedule
from core.exports import neutralised
from core.tables import NO, YES
from notifications import messages
from notifications.models import Notice
from notifications.outbox import render

CSV_HEADER = [
    "Cohort",
    "Section",
    "Day",
    "Agent",
    "Employee ID",
    "Occurrences",
    "Arrived",
    "Left",
    "Excused",
    "Reason",
]


def digest_csv(groups) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for group in groups:
        tz = group.cohort.tzinfo
        for section, records in (("New", group.new), ("Correction", group.corrected)):
            for r in records:
                writer.writerow(
                    neutralised(
                        [
                            group.cohort.name,
                            section,
                            r.day.isoformat(),
                            r.agent.full_name,
                            r.agent.employee_id,
                            "; ".join(r.occurrence_labels()) or "none (corrected)",
                            r.arrived_at.astimezone(tz).strftime("%H:%M") if r.arrived_at else "",
                            r.departed_at.astimezone(tz).strftime("%H:%M") if r.departed_at else "",
                            YES if r.excused else NO,
                            r.excused_reason,
                        ]
                    )
                )
    return out.getvalue()


def digest_day(now: datetime.datetime, schedule: Schedule) -> datetime.date:
    """The latest day whose digest time has passed: today after it, yesterday before it, so a
    digest missed while no worker ran is still sent."""
    local = now.astimezone(Cohort(time_zone=schedule.digest_time_zone).tzinfo)
    return local.date() if local.time() >= schedule.digest_time else local.date() - datetime.timedelta(days=1)


class DigestNotDue(ValueError):
    """The digest of a day whose digest time has not come (sending it would take its slot)."""


def latest_digest_day(now: datetime.datetime | None = None) -> datetime.date:
    return digest_day(now or timezone.now(), Schedule.current())


def check_due(day: datetime.date, *, now: datetime.datetime | None = None) -> None:
    schedule = Schedule.current()
    if day > digest_day(now or timezone.now(), schedule):
        raise DigestNotDue(
            f"The digest of {day:%A %-d %B %Y} is not due yet: it goes once that day's digest time "
            f"({schedule.digest_time:%H:%M} {schedule.digest_time_zone}) has passed. "
            "Use --dry-run to see it now."
        )


def preview_attendance_digest(day: datetime.date) -> tuple[str, str]:
    """The subject and text of the digest of `day` as it would go now; nothing sent or marked."""
    subject, text, _ = render("wfm-digest", messages.digest_context(day, occurrences_for_wfm(day)))
    return subject, text


def send_attendance_digest(
    *, day: datetime.date | None = None, now: datetime.datetime | None = None
) -> Notice | None:
    """The WFM digest of `day`, once; without `day`, of the latest day whose digest time passed."""
    now = now or timezone.now()
    schedule = Schedule.current()
    day = day or digest_day(now, schedule)
    if Notice.objects.filter(key=messages.digest_key(day)).exists():
        return None
    with transaction.atomic():
        groups = occurrences_for_wfm(day)
        notice = messages.attendance_digest(day, groups, digest_csv(groups), schedule.wfm_addresses)
        if notice is not None:
            mark_reported([r for g in groups for r in (*g.new, *g.corrected)], now)
    return notice


def send_test_digest(*, to, now: datetime.datetime | None = None) -> Notice | None:
    """The digest as it would go now (the latest day whose digest time passed), to `to` alone:
    nothing is marked as told to WFM, and the day's real digest still goes."""
    now = now or timezone.now()
    day = digest_day(now, Schedule.current())
    groups = occurrences_for_wfm(day)
    key = f"wfm-digest-test:{to.pk}:{now.isoformat()}"
    return messages.attendance_digest(day, groups, digest_csv(groups), [to.email], test_key=key)
