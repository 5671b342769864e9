"""The scheduled jobs: end-of-day checks per cohort in its own zone, the PM escalation after the
grace period, the WFM attendance digest, and a resend of notices a lost message left unsent.

Each job claims what it does with a unique row (EndOfDayCheck per cohort and day, Notice per
message), so repeated or overlapping runs never do a thing twice.
"""

import csv
import datetime
import io
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from attendance.services import mark_reported, occurrences_for_wfm
from cohorts.models import Cohort, EndOfDayCheck, Notice, Schedule
from cohorts.services import refresh_cohort_statuses
from esp.board import EndOfDayReport, collect

logger = logging.getLogger(__name__)

STUCK_AFTER = datetime.timedelta(minutes=10)  # a notice unsent this long lost its message
CATCH_UP = datetime.timedelta(hours=24)  # a day whose end passed while no worker ran is still checked


def end_of_day_items(cohort: Cohort, day: datetime.date) -> EndOfDayReport:
    """What the TL must not log off without, for one cohort and day, in a fixed number of queries."""
    (cohort_day,) = collect([cohort], days={cohort.pk: day})
    return cohort_day.report


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
    from cohorts.tasks import refresh_recommendations_task
    from esp import emails

    now = now or timezone.now()
    reports = []
    cohorts = (
        Cohort.objects.filter(pk=cohort_id).select_related("tl", "pm")
        if day
        else _candidate_cohorts(now, cohort_id)
    )
    for cohort in cohorts:
        check_day = day if day is not None else last_ended_day(cohort, now)
        if check_day is None or cohort.day_number(check_day) is None:
            continue
        report = end_of_day_items(cohort, check_day)
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
        except IntegrityError:
            continue  # checked already, by an earlier run or another worker
        emails.end_of_day_summary(check, report)
        transaction.on_commit(lambda cohort_id=cohort.pk: refresh_recommendations_task.delay(cohort_id))
        reports.append(report)
        logger.info("End-of-day check of %s on %s: %d open items", cohort, check_day, report.open_count)
    return reports


def escalate_open_items(*, now: datetime.datetime | None = None) -> int:
    """Email the PM of each check whose items are still open once the grace period is over."""
    from esp import emails

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
        report = end_of_day_items(check.cohort, check.day)
        if report.open_count:
            emails.end_of_day_to_pm(check, report)
            sent += 1
    return sent


def digest_csv(groups) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
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
    )
    for group in groups:
        for section, records in (("New", group.new), ("Correction", group.corrected)):
            for r in records:
                tz = group.cohort.tzinfo
                writer.writerow(
                    [
                        group.cohort.name,
                        section,
                        r.day.isoformat(),
                        r.agent.full_name,
                        r.agent.employee_id,
                        "; ".join(r.occurrence_labels()) or "none (corrected)",
                        r.arrived_at.astimezone(tz).strftime("%H:%M") if r.arrived_at else "",
                        r.departed_at.astimezone(tz).strftime("%H:%M") if r.departed_at else "",
                        "yes" if r.excused else "no",
                        r.excused_reason,
                    ]
                )
    return out.getvalue()


def send_attendance_digest(
    *, day: datetime.date | None = None, now: datetime.datetime | None = None
) -> Notice | None:
    """The WFM digest of `day`, once; without `day`, of the latest day whose digest time passed."""
    from esp import emails

    now = now or timezone.now()
    schedule = Schedule.current()
    if day is None:
        # The latest day whose digest time has passed: today after it, yesterday before it, so a
        # digest missed while no worker ran is still sent.
        local = now.astimezone(Cohort(time_zone=schedule.digest_time_zone).tzinfo)
        day = (
            local.date()
            if local.time() >= schedule.digest_time
            else local.date() - datetime.timedelta(days=1)
        )
    if Notice.objects.filter(key=emails.digest_key(day)).exists():
        return None
    with transaction.atomic():
        groups = occurrences_for_wfm(day)
        notice = emails.attendance_digest(day, groups, digest_csv(groups), schedule.wfm_addresses)
        if notice is not None:
            mark_reported([r for g in groups for r in (*g.new, *g.corrected)], now)
    return notice


def resend_stuck_notices(*, now: datetime.datetime | None = None) -> int:
    """Queue again the notices whose delivery message was lost (a broker restart, say)."""
    from cohorts.tasks import deliver_notice_task

    now = now or timezone.now()
    stuck = list(
        Notice.objects.filter(sent_at__isnull=True, created_at__lte=now - STUCK_AFTER)
        .exclude(sending_until__gt=now)
        .values_list("pk", flat=True)
    )
    for pk in stuck:
        deliver_notice_task.delay(pk)
    return len(stuck)


def run_scheduled_jobs(*, now: datetime.datetime | None = None) -> dict:
    """Everything the beat runs each minute; idempotent."""
    now = now or timezone.now()
    result = {
        "statuses_changed": refresh_cohort_statuses(),
        "end_of_day_checks": len(run_end_of_day_checks(now=now)),
        "pm_escalations": escalate_open_items(now=now),
        "digest_sent": send_attendance_digest(now=now) is not None,
        "notices_requeued": resend_stuck_notices(now=now),
    }
    logger.info("Scheduled jobs ran: %s", ", ".join(f"{k}={v}" for k, v in result.items()))
    return result
