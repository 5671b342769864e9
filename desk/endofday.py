"""End of day: what the TL must not log off without, closing the day, carrying open items over,
and the checks the scheduled jobs run at each cohort's end of day and after the PM's grace
period. The blockers are desk.board.EndOfDayReport's, the same everywhere they are shown."""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from attendance.tasks import refresh_cohort_rules_later
from certifications.models import DailyNote, Task
from certifications.services import TrackerError, carry_over, save_note
from cohorts.models import Agent, Cohort, Schedule
from cohorts.services import sign_off_day
from core.events import unit
from desk.board import CohortDay, EndOfDayReport, collect
from desk.models import EndOfDayCheck
from notifications import messages

logger = logging.getLogger(__name__)

CATCH_UP = datetime.timedelta(hours=24)  # a day whose end passed while no worker ran is still checked


class DayNotClosed(ValueError):
    """The day cannot be closed yet; the message says what is still open."""


def cohort_day(cohort: Cohort, day: datetime.date, *, now: datetime.datetime | None = None) -> CohortDay:
    (result,) = collect([cohort], user=None, sees_confidential=False, days={cohort.pk: day}, now=now)
    return result


def end_of_day_items(cohort: Cohort, day: datetime.date, *, now=None) -> EndOfDayReport:
    """What the TL must not log off without, for one cohort and day, in a fixed number of queries."""
    return cohort_day(cohort, day, now=now).report


def close_day(*, cohort: Cohort, by, now: datetime.datetime | None = None):
    """The TL signs off the cohort's today once nothing is open; DayNotClosed says what is."""
    now = now or timezone.now()
    today = now.astimezone(cohort.tzinfo).date()
    if cohort.day_number(today) is None:
        raise DayNotClosed("Today is not one of this cohort's ESP days.")
    report = end_of_day_items(cohort, today, now=now)
    if report.open_count:
        raise DayNotClosed(
            f"{report.open_count} item{'s are' if report.open_count > 1 else ' is'} still open; set "
            "each one, or carry it over with a reason, and the day closes."
        )
    return sign_off_day(cohort=cohort, day=today, by=by)


def carry_over_agent(
    *, agent: Agent, day: datetime.date, reason: str, by, tasks: list[Task] | None = None, now=None
) -> int:
    """One action for all the agent's open items of the day (an absent agent, say): the open
    tasks are carried over to the next ESP day with the reason, and a missing note for the day
    records it. Returns how many tasks were carried."""
    reason = reason.strip()
    if not reason:
        raise TrackerError("Say why the open items are carried over, so the next day (or the new TL) knows.")
    if tasks is None:
        (line,) = [line for line in cohort_day(agent.cohort, day, now=now).lines if line.agent.pk == agent.pk]
        tasks = [cell.task for cell in line.open_cells]
    with unit():
        carried = carry_over(agent=agent, tasks=tasks, day=day, reason=reason, by=by)
        if not DailyNote.objects.filter(agent=agent, day=day).exists():
            names = ", ".join(t.name for t in tasks)
            text = f"Carried over{': ' + names if names else ''}. {reason}"
            save_note(agent=agent, day=day, text=text, by=by)
    return len(carried)


# --- The scheduled checks ------------------------------------------------------------------------


def _candidate_cohorts(now: datetime.datetime, only: int | None):
    """Cohorts whose ESP week may include today somewhere: a bounded set whatever the history."""
    cohorts = Cohort.objects.exclude(status=Cohort.Status.CANCELLED).select_related("tl", "pm")
    if only is not None:
        return cohorts.filter(pk=only)
    today = now.date()
    return cohorts.filter(
        start_date__lte=today + datetime.timedelta(days=1),
        start_date__gte=today - datetime.timedelta(days=21),
    )


def last_ended_day(cohort: Cohort, now: datetime.datetime) -> datetime.date | None:
    """The latest ESP day whose end of day (in the cohort's zone) passed in the last 24 hours."""
    ended = [
        d for d in cohort.esp_days if now - CATCH_UP < cohort.local_datetime(d, cohort.end_of_day_time) <= now
    ]
    return max(ended, default=None)


def run_end_of_day_checks(
    *,
    now: datetime.datetime | None = None,
    day: datetime.date | None = None,
    cohort_id: int | None = None,
    dry_run: bool = False,
) -> list[EndOfDayReport]:
    """Check each cohort whose end of day has passed in its own zone, once per cohort and day.

    A day whose end passed while no worker ran is caught up within 24 hours. With `day`, check
    that ESP day whatever the time (the command's --date).
    """
    now = now or timezone.now()
    reports = []
    cohorts = (
        Cohort.objects.filter(pk=cohort_id).select_related("tl", "pm")
        if day
        else _candidate_cohorts(now, cohort_id)
    )
    due = {}
    for cohort in cohorts:
        check_day = day if day is not None else last_ended_day(cohort, now)
        if check_day is not None and cohort.day_number(check_day) is not None:
            due[cohort] = check_day
    # Every due cohort's day read at once: a fixed number of queries however many cohorts end now.
    days = collect(
        list(due), user=None, sees_confidential=False, days={c.pk: d for c, d in due.items()}, now=now
    )
    for (cohort, check_day), read in zip(due.items(), days, strict=True):
        report = read.report
        if dry_run:
            reports.append(report)
            continue
        try:
            with transaction.atomic():
                check = EndOfDayCheck.objects.create(
                    cohort=cohort,
                    day=check_day,
                    checked_at=now,
                    items=report.as_dict(),
                    open_count=report.open_count,
                )
                messages.end_of_day_summary(check, report)
        except IntegrityError:
            continue  # checked already, by an earlier run or another worker
        refresh_cohort_rules_later(cohort.pk)  # time passing makes tasks overdue
        reports.append(report)
        logger.info("End-of-day check of %s on %s: %d open items", cohort, check_day, report.open_count)
    return reports


def escalate_open_items(*, now: datetime.datetime | None = None) -> int:
    """Email the PM of each check whose items are still open once the grace period is over."""
    now = now or timezone.now()
    grace = datetime.timedelta(minutes=Schedule.current().pm_grace_minutes)
    sent = 0
    due = EndOfDayCheck.objects.filter(
        pm_checked_at__isnull=True, open_count__gt=0, checked_at__lte=now - grace
    )
    for check in due.select_related("cohort__tl", "cohort__pm"):
        if not EndOfDayCheck.objects.filter(pk=check.pk, pm_checked_at__isnull=True).update(
            pm_checked_at=now
        ):
            continue  # another worker got there first
        report = end_of_day_items(check.cohort, check.day, now=now)
        if report.open_count:
            messages.end_of_day_to_pm(check, report)
            sent += 1
    return sent
