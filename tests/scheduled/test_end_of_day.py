import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.services import Entry, record_attendance
from certifications.models import DailyNote, TaskStatus
from certifications.services import set_task_status
from cohorts.models import Schedule
from desk.endofday import end_of_day_items, escalate_open_items, run_end_of_day_checks
from desk.models import EndOfDayCheck
from notifications.models import Notice
from tests.conftest import MONDAY, TUESDAY, utc
from tests.factories import AgentFactory, CohortFactory
from tickets.models import Ticket
from tickets.services import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def east_west(cohort1, cohort2, tl1, tl2, pm1):
    """East (New York, UTC-5) and West (Los Angeles, UTC-8), both ending at 17:30 local."""
    for user in (tl1, tl2, pm1):
        user.email = f"{user.username}@example.com"
        user.save()
    for cohort in (cohort1, cohort2):
        cohort.start_date = MONDAY
        cohort.save()
        EndOfDayCheck.objects.create(cohort=cohort, day=MONDAY)  # Monday was checked on Monday
    # Wednesday 01:00 in New York, Tuesday 22:00 in Los Angeles: Tuesday is over or nearly.
    with time_machine.travel(utc(datetime.date(2026, 11, 25), 6, 0), tick=False):
        yield cohort1, cohort2


class TestItems:
    def test_each_kind_of_item_on_crafted_data(self, east_west, tl1, tasks):
        east = east_west[0]
        done = AgentFactory(cohort=east, first_name="Done")
        lazy = AgentFactory(cohort=east, first_name="Lazy")
        AgentFactory(cohort=east, first_name="Gone", status="withdrawn")
        for agent in (done, lazy):
            for code in ("equipment", "ahip"):  # due days 1 and 2
                set_task_status(agent=agent, task=tasks[code], status="verified", expected_version=0, by=tl1)
        TaskStatus.objects.filter(agent=lazy, task=tasks["ahip"]).update(status="in_progress")
        # AHIP set done in the grid drafted its completion forms: the TL submitted them that day.
        Ticket.objects.filter(ticket_type__code="carrier-cert-completion").update(status="submitted")
        record_attendance(
            agent=done, day=TUESDAY, entry=Entry(arrival=datetime.time(9)), expected_version=None, by=tl1
        )
        DailyNote.objects.create(agent=done, day=TUESDAY, text="ok", updated_by=tl1)
        draft(type_code="carrier-ticket", agent=lazy, values={}, source_key=None, by=tl1)
        Ticket.objects.update(day=TUESDAY)  # drafted on Tuesday

        report = end_of_day_items(east, TUESDAY)
        names = lambda agents: [a.first_name for a in agents]  # noqa: E731
        assert names(report.missing_attendance) == ["Lazy"]
        assert names(report.missing_notes) == ["Lazy"]
        assert [(a.first_name, c.task.code, c.state) for a, c in report.open_tasks] == [
            ("Lazy", "ahip", "overdue")
        ]
        assert [t.agent.first_name for t in report.drafts] == ["Lazy"]
        assert report.open_count == 4

    def test_a_note_alone_counts_as_updated_but_no_note_is_listed(self, east_west, tl1, tasks):
        east = east_west[0]
        agent = AgentFactory(cohort=east)
        with_status = end_of_day_items(east, TUESDAY)
        assert with_status.not_updated == [agent]

    def test_it_runs_a_fixed_number_of_queries(self, east_west, tl1, tasks, django_assert_max_num_queries):
        east = east_west[0]
        for agent in AgentFactory.create_batch(15, cohort=east):
            set_task_status(
                agent=agent, task=tasks["tbt"], status="blocked", reason="x", expected_version=0, by=tl1
            )
        with django_assert_max_num_queries(12):
            end_of_day_items(east, TUESDAY)

    def test_a_sweep_reads_every_cohort_that_ends_in_the_same_queries_as_one(self, east_west, tl1, tasks):
        """The beat's sweep reads all the cohorts whose day ended together: 50 cohorts ending at
        once cost what one does, so the sweep stays within its time however many there are."""
        east = east_west[0]
        late = utc(datetime.date(2026, 11, 25), 13, 0)  # Tuesday is over in both zones

        def sweep() -> tuple[int, list]:
            with CaptureQueriesContext(connection) as ctx:
                reports = run_end_of_day_checks(now=late, dry_run=True)
            return len(ctx.captured_queries), reports

        AgentFactory.create_batch(3, cohort=east)
        few, reports = sweep()
        assert len(reports) == 2
        for n in range(4):
            more = CohortFactory(name=f"More {n}", tl=tl1, start_date=MONDAY, time_zone="America/Chicago")
            AgentFactory.create_batch(3, cohort=more)
        many, reports = sweep()
        assert len(reports) == 6
        assert {r.day for r in reports} == {TUESDAY}
        assert many == few


class TestTimeZones:
    def test_a_utc_minus_8_cohort_is_not_checked_at_the_end_of_a_utc_minus_5_day(self, east_west):
        east, west = east_west
        # 22:30 UTC on Tuesday: 17:30 in New York, 14:30 in Los Angeles.
        checked = run_end_of_day_checks(now=utc(TUESDAY, 22, 30))
        assert [r.cohort for r in checked] == [east]
        assert [r.day for r in checked] == [TUESDAY]
        # 01:30 UTC on Wednesday: 17:30 Tuesday in Los Angeles; East's Tuesday is done already.
        checked = run_end_of_day_checks(now=utc(datetime.date(2026, 11, 25), 1, 30))
        assert [(r.cohort, r.day) for r in checked] == [(west, TUESDAY)]

    def test_not_before_the_end_of_day_time_an_admin_set(self, east_west):
        east = east_west[0]
        east.end_of_day = datetime.time(18, 30)
        east.save()
        assert run_end_of_day_checks(now=utc(TUESDAY, 22, 45)) == []  # 17:45 in New York
        assert [r.cohort for r in run_end_of_day_checks(now=utc(TUESDAY, 23, 31))] == [east]

    def test_a_day_missed_while_no_worker_ran_is_caught_up_within_a_day(self, east_west):
        east, west = east_west
        # 13:00 UTC Wednesday: 08:00 in New York, 05:00 in Los Angeles; nothing ran on Tuesday.
        checked = run_end_of_day_checks(now=utc(datetime.date(2026, 11, 25), 13, 0))
        assert sorted((r.cohort.name, r.day) for r in checked) == [("East", TUESDAY), ("West", TUESDAY)]
        # Early Friday (UTC) both Thursdays have ended: Wednesday, missed for over a day, is skipped.
        thursday = datetime.date(2026, 11, 26)
        checked = run_end_of_day_checks(now=utc(datetime.date(2026, 11, 27), 4, 0))
        assert sorted((r.cohort.name, r.day) for r in checked) == [("East", thursday), ("West", thursday)]
        assert not EndOfDayCheck.objects.filter(day=datetime.date(2026, 11, 25)).exists()

    def test_no_check_outside_the_esp_days(self, east_west):
        assert run_end_of_day_checks(now=utc(datetime.date(2026, 11, 29), 12, 0)) == []  # Sunday


class TestOnce:
    def test_running_twice_sends_one_email_per_cohort_and_day(
        self, east_west, django_capture_on_commit_callbacks
    ):
        AgentFactory(cohort=east_west[0])
        with django_capture_on_commit_callbacks(execute=True):
            run_end_of_day_checks(now=utc(TUESDAY, 22, 30))
            run_end_of_day_checks(now=utc(TUESDAY, 23, 30))
        assert EndOfDayCheck.objects.filter(day=TUESDAY).count() == 1
        (message,) = mail.outbox
        assert message.to == ["tl1@example.com"]
        assert message.subject == "End of day Tue 24 Nov: East, 4 items"
        assert "Attendance not recorded (1)" in message.body

    def test_the_pm_is_emailed_once_after_the_grace_period_if_items_are_still_open(
        self, east_west, django_capture_on_commit_callbacks
    ):
        Schedule.objects.update(pm_grace_minutes=30)
        AgentFactory(cohort=east_west[0])
        with django_capture_on_commit_callbacks(execute=True):
            run_end_of_day_checks(now=utc(TUESDAY, 22, 30))
            EndOfDayCheck.objects.update(checked_at=utc(TUESDAY, 22, 30))
            assert escalate_open_items(now=utc(TUESDAY, 22, 55)) == 0  # still in the grace period
            assert escalate_open_items(now=utc(TUESDAY, 23, 1)) == 1
            assert escalate_open_items(now=utc(TUESDAY, 23, 30)) == 0
        assert [m.to for m in mail.outbox] == [["tl1@example.com"], ["pm1@example.com"]]
        assert mail.outbox[1].subject.startswith("Still open after end of day")

    def test_the_pm_is_not_emailed_when_the_tl_fixed_everything(
        self, east_west, tl1, tasks, django_capture_on_commit_callbacks
    ):
        Schedule.objects.update(pm_grace_minutes=30)
        agent = AgentFactory(cohort=east_west[0])
        with django_capture_on_commit_callbacks(execute=True):
            run_end_of_day_checks(now=utc(TUESDAY, 22, 30))
        EndOfDayCheck.objects.update(checked_at=utc(TUESDAY, 22, 30))
        record_attendance(
            agent=agent, day=TUESDAY, entry=Entry(arrival=datetime.time(9)), expected_version=None, by=tl1
        )
        DailyNote.objects.create(agent=agent, day=TUESDAY, text="done", updated_by=tl1)
        for code in ("equipment", "ahip"):
            set_task_status(agent=agent, task=tasks[code], status="complete", expected_version=0, by=tl1)
        assert escalate_open_items(now=utc(TUESDAY, 23, 5)) == 0
        assert not Notice.objects.filter(kind=Notice.Kind.END_OF_DAY_PM).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrent transactions")
def test_two_workers_at_once_send_one_email_per_cohort(seeded_rows, cohort1, cohort2, tl1):
    from django.db import connections

    for cohort in (cohort1, cohort2):
        cohort.start_date = MONDAY
        cohort.save()
    tl1.email = "tl1@example.com"
    tl1.save()
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait(timeout=10)
            run_end_of_day_checks(now=utc(datetime.date(2026, 11, 25), 2, 0))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert EndOfDayCheck.objects.count() == 2
    assert Notice.objects.filter(kind=Notice.Kind.END_OF_DAY_TL).count() == 2
    assert sorted(len(m.to) for m in mail.outbox) == [1, 1]


class TestCommand:
    def test_dry_run_records_nothing(self, east_west, capsys):
        AgentFactory(cohort=east_west[0])
        call_command("run_eod_checks", "--date", "2026-11-24", "--cohort", str(east_west[0].pk), "--dry-run")
        out = capsys.readouterr().out
        assert "East 2026-11-24: 4 open items" in out and "would be checked" in out
        assert "open tasks: " in out and "(overdue)" in out and "missing attendance: " in out
        assert not EndOfDayCheck.objects.filter(day=TUESDAY).exists()

    def test_a_date_checks_that_day_once(self, east_west, capsys):
        call_command("run_eod_checks", "--date", "2026-11-24", "--cohort", str(east_west[1].pk))
        call_command("run_eod_checks", "--date", "2026-11-24", "--cohort", str(east_west[1].pk))
        assert EndOfDayCheck.objects.get(day=TUESDAY).cohort == east_west[1]
        assert "0 cohort(s) checked" in capsys.readouterr().out

    def test_a_date_needs_a_cohort(self, db):
        from django.core.management import CommandError

        with pytest.raises(CommandError, match="--date needs --cohort"):
            call_command("run_eod_checks", "--date", "2026-11-23")
