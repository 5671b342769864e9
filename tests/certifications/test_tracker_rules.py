import datetime

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from certifications.models import Proof, RedFlag, TaskStatus
from certifications.services import (
    StaleStatus,
    TrackerError,
    is_overdue,
    move_to_production,
    raise_red_flag,
    readiness_blockers,
    recompute_readiness,
    record_attempt,
    resolve_red_flag,
    review_proof,
    set_task_status,
    upload_proof,
)
from cohorts.models import Agent, Notice
from tests.certifications.conftest import PNG
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = TaskStatus.Status


class TestStatuses:
    def test_a_status_change_keeps_history_with_who(self, agent1, tl1, pm1, tasks):
        cell = set_task_status(
            agent=agent1, task=tasks["tbt"], status=Status.IN_PROGRESS, expected_version=0, by=tl1
        )
        set_task_status(
            agent=agent1, task=tasks["tbt"], status=Status.COMPLETE, expected_version=cell.version, by=pm1
        )
        history = list(TaskStatus.objects.get().history.order_by("history_id"))
        assert [(h.status, h.history_user) for h in history] == [
            (Status.IN_PROGRESS, tl1),
            (Status.COMPLETE, pm1),
        ]

    def test_blocked_needs_a_reason(self, agent1, tl1, tasks):
        with pytest.raises(TrackerError, match="Say what blocks the task"):
            set_task_status(
                agent=agent1, task=tasks["tbt"], status=Status.BLOCKED, expected_version=0, by=tl1
            )

    def test_a_second_editor_is_refused(self, agent1, tl1, pm1, tasks):
        set_task_status(
            agent=agent1, task=tasks["tbt"], status=Status.IN_PROGRESS, expected_version=0, by=tl1
        )
        with pytest.raises(StaleStatus) as excinfo:
            set_task_status(
                agent=agent1, task=tasks["tbt"], status=Status.COMPLETE, expected_version=0, by=pm1
            )
        assert excinfo.value.current.updated_by == tl1


class TestOverdue:
    """AHIP is due on ESP day 2: Tuesday 24 November for a cohort starting Monday 23rd."""

    def test_overdue_only_after_the_due_days_end_in_the_cohorts_zone(self, cohort1, cohort2, tasks):
        ahip = tasks["ahip"]
        for cohort in (cohort1, cohort2):
            cohort.start_date = datetime.date(2026, 11, 23)
        # 04:30 UTC on Wednesday: 23:30 Tuesday in New York... wait, 04:30 UTC is 23:30 NY (UTC-5).
        with time_machine.travel(datetime.datetime(2026, 11, 25, 4, 30, tzinfo=datetime.UTC)):
            assert not is_overdue(ahip, Status.IN_PROGRESS, cohort1, cohort1.local_today())
        # 05:30 UTC: 00:30 Wednesday in New York, but still 21:30 Tuesday in Los Angeles.
        with time_machine.travel(datetime.datetime(2026, 11, 25, 5, 30, tzinfo=datetime.UTC)):
            assert is_overdue(ahip, Status.IN_PROGRESS, cohort1, cohort1.local_today())
            assert not is_overdue(ahip, Status.IN_PROGRESS, cohort2, cohort2.local_today())
        with time_machine.travel(datetime.datetime(2026, 11, 25, 8, 30, tzinfo=datetime.UTC)):
            assert is_overdue(ahip, Status.NOT_STARTED, cohort2, cohort2.local_today())
            assert not is_overdue(ahip, Status.COMPLETE, cohort2, cohort2.local_today())
            assert not is_overdue(ahip, Status.VERIFIED, cohort2, cohort2.local_today())

    def test_the_due_day_skips_the_weekend(self, cohort1, tasks):
        cohort1.start_date = datetime.date(2026, 11, 26)  # a Thursday: day 3 is Monday 30th
        assert tasks["tbt"].due_date(cohort1) == datetime.date(2026, 11, 30)
        assert not is_overdue(tasks["tbt"], Status.NOT_STARTED, cohort1, datetime.date(2026, 11, 29))


class TestExamAttempts:
    def test_the_attempt_limit_is_enforced_and_flagged(self, agent1, tl1, tasks, week):
        aetna = tasks["aetna"]
        for _ in range(aetna.attempt_limit):
            record_attempt(
                agent=agent1, task=aetna, taken_on=datetime.date(2026, 11, 24), score=60, passed=False, by=tl1
            )
        assert TaskStatus.objects.get(agent=agent1, task=aetna).status == Status.FAILED
        with pytest.raises(TrackerError, match=r"failed Aetna 3 times.*\(3\)"):
            record_attempt(
                agent=agent1, task=aetna, taken_on=datetime.date(2026, 11, 25), score=90, passed=True, by=tl1
            )
        assert agent1.exam_attempts.count() == 3

    def test_an_edited_limit_applies(self, agent1, tl1, tasks, week):
        aetna = tasks["aetna"]
        aetna.attempt_limit = 1
        aetna.save()
        record_attempt(
            agent=agent1, task=aetna, taken_on=datetime.date(2026, 11, 24), score=60, passed=False, by=tl1
        )
        with pytest.raises(TrackerError):
            record_attempt(
                agent=agent1, task=aetna, taken_on=datetime.date(2026, 11, 24), score=60, passed=False, by=tl1
            )

    def test_a_pass_completes_the_task(self, agent1, tl1, tasks, week):
        record_attempt(
            agent=agent1,
            task=tasks["ahip"],
            taken_on=datetime.date(2026, 11, 24),
            score=91,
            passed=True,
            by=tl1,
        )
        assert TaskStatus.objects.get(agent=agent1, task=tasks["ahip"]).status == Status.COMPLETE

    def test_only_exams_take_attempts(self, agent1, tl1, tasks):
        with pytest.raises(TrackerError, match="not an exam"):
            record_attempt(
                agent=agent1,
                task=tasks["tbt"],
                taken_on=datetime.date(2026, 11, 24),
                score=None,
                passed=True,
                by=tl1,
            )


def finish_everything(agent, by, tasks):
    """Every required task verified, every proof verified, every drafted ticket submitted."""
    from tickets.models import Ticket
    from tickets.services import submit_ticket

    for task in tasks.values():
        if task.requires_proof:
            proof = upload_proof(
                agent=agent, task=task, upload=SimpleUploadedFile("p.png", PNG + task.code.encode()), by=by
            )
            review_proof(proof=proof, verified=True, by=by)
        cell = TaskStatus.objects.filter(agent=agent, task=task).first()
        set_task_status(
            agent=agent,
            task=task,
            status=Status.VERIFIED,
            expected_version=cell.version if cell else 0,
            by=by,
        )
    for ticket in Ticket.objects.filter(agent=agent, status=Ticket.Status.DRAFT):
        submit_ticket(
            ticket=ticket, data={"certifier": "Cert One", "certification_date": "2026-11-24"}, by=by
        )


class TestReadiness:
    def test_the_pm_is_told_once_when_readiness_becomes_true(
        self, agent1, tl1, pm1, tasks, django_capture_on_commit_callbacks
    ):
        pm1.email = "pm1@example.com"
        pm1.save()
        with django_capture_on_commit_callbacks(execute=True):
            finish_everything(agent1, tl1, tasks)
            for _ in range(3):
                recompute_readiness(agent1)
        agent1.refresh_from_db()
        assert agent1.status == Agent.Status.READY
        ready_mail = [m for m in mail.outbox if m.subject.startswith("Ready for production")]
        assert len(ready_mail) == 1
        assert ready_mail[0].to == ["pm1@example.com"]
        assert "http://127.0.0.1:8000/cohorts/agents/" in ready_mail[0].body
        assert Notice.objects.get(kind=Notice.Kind.AGENT_READY).sent_at is not None

    def test_the_notice_is_not_repeated_when_readiness_flips(
        self, agent1, tl1, tasks, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            finish_everything(agent1, tl1, tasks)
            flag = raise_red_flag(agent=agent1, category="conduct", details="x", confidential=False, by=tl1)
            agent1.refresh_from_db()
            assert agent1.status == Agent.Status.IN_ESP
            resolve_red_flag(flag=flag, resolution="talked", by=tl1)
        agent1.refresh_from_db()
        assert agent1.status == Agent.Status.READY
        assert Notice.objects.filter(kind=Notice.Kind.AGENT_READY).count() == 1

    def test_blockers_say_what_is_missing(self, agent1, tl1, tasks):
        blockers = readiness_blockers(agent1)
        assert "AHIP is not started, not verified" in blockers
        assert "AHIP proof is not verified" in blockers
        raise_red_flag(agent=agent1, category="other", details="x", confidential=True, by=tl1)
        assert "1 red flag open" in readiness_blockers(agent1)

    def test_an_agent_must_be_ready_to_move(self, agent1, pm1, tl2):
        with pytest.raises(TrackerError, match="not ready for production"):
            move_to_production(agent=agent1, production_tl=tl2, by=pm1)

    def test_the_production_tl_must_be_a_tl(self, agent1, pm1, tl1, wfm1, tasks):
        finish_everything(agent1, tl1, tasks)
        with pytest.raises(TrackerError, match="not a team lead"):
            move_to_production(agent=agent1, production_tl=wfm1, by=pm1)


class TestProofRules:
    def test_a_rejection_needs_a_reason(self, agent1, tl1, tasks):
        proof = upload_proof(
            agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG), by=tl1
        )
        with pytest.raises(TrackerError, match="Say why"):
            review_proof(proof=proof, verified=False, reason=" ", by=tl1)
        review_proof(proof=proof, verified=False, reason="blurry", by=tl1)
        assert Proof.objects.get().review == Proof.Review.REJECTED

    def test_tasks_without_proof_take_none(self, agent1, tl1, tasks):
        with pytest.raises(TrackerError, match="takes no proof"):
            upload_proof(agent=agent1, task=tasks["tbt"], upload=SimpleUploadedFile("a.png", PNG), by=tl1)


class TestRedFlagEmail:
    def test_the_pm_and_esp_managers_are_emailed_at_once(
        self, agent1, tl1, pm1, mgr1, django_capture_on_commit_callbacks
    ):
        pm1.email, mgr1.email = "pm1@example.com", "mgr1@example.com"
        pm1.save()
        mgr1.save()
        UserFactory(username="mgr2", email="", roles=["ESP manager"])  # no address: skipped
        with django_capture_on_commit_callbacks(execute=True):
            raise_red_flag(
                agent=agent1,
                category="background_check",
                details="Court record found",
                confidential=True,
                by=tl1,
            )
        (message,) = mail.outbox
        assert sorted(message.to) == ["mgr1@example.com", "pm1@example.com"]
        assert "Background check" in message.subject
        assert "Court record found" not in message.body  # confidential details stay in the app
        assert RedFlag.objects.get().is_open
