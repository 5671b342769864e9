import csv
import datetime
import io
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import ProtectedError
from django.urls import reverse

from attendance.services import Entry, record_attendance
from cohorts.models import Schedule
from desk.jobs import run_scheduled_jobs
from notifications import messages as emails
from notifications.digest import send_attendance_digest
from notifications.models import Notice
from notifications.tasks import deliver, resend_stuck_notices
from tests.conftest import MONDAY, TUESDAY, utc
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest_week(cohort1, cohort2):
    """The week's cohorts, two WFM addresses and the digest at 23:00; Wednesday 06:00 UTC."""
    for cohort in (cohort1, cohort2):
        cohort.start_date = MONDAY
        cohort.save()
    Schedule.objects.update(
        wfm_emails="wfm-a@example.com\nwfm-b@example.com", digest_time=datetime.time(23, 0)
    )
    with time_machine.travel(utc(datetime.date(2026, 11, 25), 6, 0), tick=False):
        yield


def enter(agent, day, by, version=None, **entry):
    return record_attendance(agent=agent, day=day, entry=Entry(**entry), expected_version=version, by=by)


class TestDigest:
    def test_it_lists_each_cohorts_occurrences_with_a_csv_once_per_day(
        self, digest_week, tl1, tl2, agent1, agent2, django_capture_on_commit_callbacks
    ):
        enter(agent1, TUESDAY, tl1, arrival=datetime.time(9, 20))
        enter(agent2, TUESDAY, tl2, absent=True, excused=True, excused_reason="Jury duty")
        enter(AgentFactory(cohort=agent1.cohort), TUESDAY, tl1, arrival=datetime.time(9))  # no occurrence
        with django_capture_on_commit_callbacks(execute=True):
            assert send_attendance_digest(day=TUESDAY) is not None
            assert send_attendance_digest(day=TUESDAY) is None
        (message,) = mail.outbox
        assert message.to == ["wfm-a@example.com", "wfm-b@example.com"]
        assert message.subject == "Attendance occurrences Tue 24 Nov 2026"
        assert f"Alice Archer ({agent1.employee_id}): Late" in message.body
        assert f"Bob Brown ({agent2.employee_id}): Absent all day - excused: Jury duty" in message.body
        assert message.alternatives[0].mimetype == "text/html"
        name, content, mimetype = message.attachments[0]
        assert (name, mimetype) == ("attendance-2026-11-24.csv", "text/csv")
        rows = list(csv.reader(io.StringIO(content)))
        assert rows[0][:6] == ["Cohort", "Section", "Day", "Agent", "Employee ID", "Occurrences"]
        assert [(r[0], r[1], r[3], r[5], r[6]) for r in rows[1:]] == [
            ("East", "New", "Alice Archer", "Late", "09:20"),
            ("West", "New", "Bob Brown", "Absent all day", ""),
        ]

    def test_corrections_since_the_last_digest_have_their_own_section(
        self, digest_week, tl1, agent1, django_capture_on_commit_callbacks
    ):
        record = enter(agent1, MONDAY, tl1, arrival=datetime.time(9, 30))
        with django_capture_on_commit_callbacks(execute=True):
            send_attendance_digest(day=MONDAY)
            enter(
                agent1, MONDAY, tl1, version=record.version, arrival=datetime.time(9, 5)
            )  # corrected: on time
            send_attendance_digest(day=TUESDAY)
        tuesday = mail.outbox[1]
        assert "Corrections since the last digest:" in tuesday.body
        assert f"Mon 23 Nov  Alice Archer ({agent1.employee_id}): now no occurrence" in tuesday.body
        rows = list(csv.reader(io.StringIO(tuesday.attachments[0][1])))
        assert rows[1][1:3] == ["Correction", "2026-11-23"]

    def test_a_day_without_occurrences_still_gets_a_digest(
        self, digest_week, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            send_attendance_digest(day=TUESDAY)
        (message,) = mail.outbox
        assert message.subject == "Attendance occurrences Tue 24 Nov 2026"
        assert "No attendance occurrences and no corrections to report for Tuesday 24 November 2026" in (
            message.body
        )
        html = message.alternatives[0].content
        assert "<table" not in html and "<th>" not in html  # no table of nothing

    def test_the_title_names_every_day_the_digest_carries_and_the_link_opens_that_day(
        self, digest_week, tl1, agent1, django_capture_on_commit_callbacks
    ):
        enter(agent1, MONDAY, tl1, arrival=datetime.time(9, 30))  # Monday's digest was never sent
        enter(agent1, TUESDAY, tl1, absent=True)
        with django_capture_on_commit_callbacks(execute=True):
            send_attendance_digest(day=TUESDAY)
        (message,) = mail.outbox
        assert message.subject == "Attendance occurrences Mon 23 Nov to Tue 24 Nov 2026"
        assert message.body.startswith(
            "Attendance occurrences of ESP cohorts from Monday 23 November to Tuesday 24"
        )
        assert "http://testserver/attendance/wfm/?day=2026-11-24" in message.body.replace(
            settings.SITE_URL, "http://testserver"
        )

    def test_a_dry_run_prints_the_digest_and_leaves_its_slot(self, digest_week, tl1, agent1, capsys):
        enter(agent1, TUESDAY, tl1, arrival=datetime.time(9, 30))
        call_command("send_attendance_digest", "--date", "2026-11-24", "--dry-run")
        out = capsys.readouterr().out
        assert "Subject: Attendance occurrences Tue 24 Nov 2026" in out
        assert f"Alice Archer ({agent1.employee_id}): Late" in out
        assert "dry run: nothing sent" in out
        assert not Notice.objects.exists()
        assert send_attendance_digest(day=TUESDAY) is not None  # the real one still goes

    def test_a_future_date_is_refused_and_takes_no_slot(self, digest_week):
        # Wednesday 06:00 UTC with the digest at 23:00 New York: Tuesday's is the latest due.
        with pytest.raises(CommandError, match="The digest of Wednesday 25 November 2026 is not due yet"):
            call_command("send_attendance_digest", "--date", "2026-11-25")
        assert not Notice.objects.exists()

    def test_the_scheduled_digest_waits_for_its_time(self, digest_week):
        # 22:59 in New York on Tuesday is 03:59 UTC on Wednesday: Monday's digest is the one due.
        assert (
            send_attendance_digest(now=utc(datetime.date(2026, 11, 25), 3, 59)).key == "wfm-digest:2026-11-23"
        )
        notice = send_attendance_digest(now=utc(datetime.date(2026, 11, 25), 4, 0))
        assert notice.key == "wfm-digest:2026-11-24"
        assert send_attendance_digest(now=utc(datetime.date(2026, 11, 25), 5, 0)) is None

    def test_the_command_sends_a_days_digest_once(self, digest_week, capsys):
        call_command("send_attendance_digest", "--date", "2026-11-24")
        call_command("send_attendance_digest", "--date", "2026-11-24")
        out = capsys.readouterr().out
        assert "Digest queued to wfm-a@example.com, wfm-b@example.com" in out
        assert "Nothing sent" in out
        assert Notice.objects.filter(kind=Notice.Kind.WFM_DIGEST).count() == 1


class TestNotices:
    def test_a_notice_is_made_once_per_key(self, agent1):
        make = lambda: emails.notify(  # noqa: E731
            key="k1", kind=Notice.Kind.RED_FLAG, recipients=["a@example.com"], template="agent-ready",
            context={"agent": agent1, "url": "u", "handoff_url": "h"},
        )  # fmt: skip
        assert make() is not None
        assert make() is None
        assert Notice.objects.count() == 1

    def test_a_mail_failure_keeps_it_unsent_and_a_retry_sends_it_once(self, agent1):
        notice = emails.notify(
            key="k2", kind=Notice.Kind.RED_FLAG, recipients=["a@example.com"], template="agent-ready",
            context={"agent": agent1, "url": "u", "handoff_url": "h"},
        )  # fmt: skip
        with (
            mock.patch(
                "django.core.mail.message.EmailMessage.send", side_effect=ConnectionRefusedError("down")
            ),
            pytest.raises(ConnectionRefusedError),
        ):
            deliver(notice.pk)
        notice.refresh_from_db()
        assert notice.sent_at is None and notice.attempts == 1 and "down" in notice.last_error
        assert deliver(notice.pk) is True
        assert deliver(notice.pk) is False  # never twice
        assert len(mail.outbox) == 1

    def test_a_notice_claimed_by_another_worker_is_left_alone(self, agent1):
        notice = emails.notify(
            key="k3", kind=Notice.Kind.RED_FLAG, recipients=["a@example.com"], template="agent-ready",
            context={"agent": agent1, "url": "u", "handoff_url": "h"},
        )  # fmt: skip
        Notice.objects.filter(pk=notice.pk).update(
            sending_until=datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)
        )
        assert deliver(notice.pk) is False
        assert mail.outbox == []

    def test_stuck_notices_are_queued_again(self, agent1):
        notice = emails.notify(
            key="k4", kind=Notice.Kind.RED_FLAG, recipients=["a@example.com"], template="agent-ready",
            context={"agent": agent1, "url": "u", "handoff_url": "h"},
        )  # fmt: skip
        later = notice.created_at + datetime.timedelta(minutes=11)
        assert resend_stuck_notices(now=notice.created_at) == 0
        assert resend_stuck_notices(now=later) == 1  # the eager test worker delivers it at once
        notice.refresh_from_db()
        assert notice.sent_at is not None
        assert resend_stuck_notices(now=later) == 0

    @pytest.mark.parametrize(
        "kind, after_a_minute", [(Notice.Kind.RED_FLAG, 1), (Notice.Kind.TERM, 1), (Notice.Kind.TICKET, 0)]
    )
    def test_an_urgent_notice_no_worker_took_goes_again_a_minute_later(self, agent1, kind, after_a_minute):
        notice = emails.notify(
            key="k5", kind=kind, recipients=["a@example.com"], template="agent-ready",
            context={"agent": agent1, "url": "u", "handoff_url": "h"},
        )  # fmt: skip
        Notice.objects.filter(pk=notice.pk).update(sent_at=None)  # its delivery message was lost
        assert resend_stuck_notices(now=notice.created_at + datetime.timedelta(seconds=30)) == 0
        minute = notice.created_at + datetime.timedelta(seconds=61)
        assert resend_stuck_notices(now=minute) == after_a_minute
        assert (
            resend_stuck_notices(now=notice.created_at + datetime.timedelta(minutes=11)) == 1 - after_a_minute
        )

    def test_a_notice_being_retried_is_left_to_its_retries(self, agent1):
        notice = emails.notify(
            key="k6", kind=Notice.Kind.RED_FLAG, recipients=["a@example.com"], template="agent-ready",
            context={"agent": agent1, "url": "u", "handoff_url": "h"},
        )  # fmt: skip
        Notice.objects.filter(pk=notice.pk).update(
            sent_at=None, attempts=2, last_error="SMTPServerDisconnected"
        )
        assert resend_stuck_notices(now=notice.created_at + datetime.timedelta(minutes=2)) == 0

    def test_emails_link_back_to_the_app_from_site_url(
        self, agent1, settings, django_capture_on_commit_callbacks
    ):
        settings.SITE_URL = "https://esp.example.com"
        with django_capture_on_commit_callbacks(execute=True):
            emails.agent_ready(agent1)
        assert f"https://esp.example.com/cohorts/agents/{agent1.pk}/" in mail.outbox[0].body


def test_the_scheduled_jobs_run_together_and_say_what_they_did(digest_week, caplog):
    caplog.set_level("INFO", logger="esp.scheduled")
    result = run_scheduled_jobs(now=utc(datetime.date(2026, 11, 25), 6, 0))
    assert result["end_of_day_checks"] == 2 and result["digest_sent"] is True
    assert "Scheduled jobs ran: " in caplog.text


def test_the_schedule_cannot_be_deleted(admin_client):
    schedule = Schedule.objects.get()
    with pytest.raises(ProtectedError):
        schedule.delete()
    with pytest.raises(ProtectedError):
        Schedule.objects.all().delete()
    assert Schedule.objects.count() == 1
    page = admin_client.get(reverse("admin:cohorts_schedule_change", args=[schedule.pk])).content.decode()
    assert reverse("admin:cohorts_schedule_delete", args=[schedule.pk]) not in page
    assert admin_client.post(reverse("admin:cohorts_schedule_delete", args=[schedule.pk])).status_code == 403


def test_without_a_schedule_row_the_jobs_use_the_defaults_and_say_so_once(digest_week, caplog):
    """Should the row be missing all the same (removed in the database by hand), each run logs one
    clear line and the jobs go on with the seeded defaults, instead of failing every minute."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Schedule._meta.db_table}")  # noqa: S608 (a fixed table name)
    caplog.set_level("WARNING", logger="cohorts.models")
    result = run_scheduled_jobs(now=utc(datetime.date(2026, 11, 25), 6, 0))
    assert result["end_of_day_checks"] == 2
    assert result["digest_sent"] is False  # no WFM address chosen: nobody is sent it
    lines = [r.getMessage() for r in caplog.records if r.name == "cohorts.models"]
    assert lines and all(
        line.startswith("No schedule row: the scheduled jobs use the defaults") for line in lines
    )
    assert len(set(lines)) == 1 and "Traceback" not in caplog.text
