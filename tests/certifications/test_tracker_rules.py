import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certifications.models import Proof, RedFlag, TaskState, TaskStatus
from certifications.services import (
    StaleStatus,
    TrackerError,
    acknowledge_handoff,
    clear_duplicate,
    raise_red_flag,
    record_attempt,
    resolve_red_flag,
    review_proof,
    set_task_status,
    upload_proof,
)
from cohorts.models import Agent
from desk.readiness import move_to_production, readiness_blockers, recompute_readiness
from notifications.models import Notice
from tests.certifications.conftest import PNG
from tests.factories import UserFactory
from tickets.models import Ticket
from tickets.services import submit_ticket

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


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


class TestTaskState:
    """AHIP is due on ESP day 2: Tuesday 24 November for a cohort starting Monday 23rd. Both
    cohorts end their day at 17:30, New York's at 22:30 UTC, Los Angeles' at 01:30 UTC."""

    def test_due_today_until_the_cohorts_end_of_day_then_overdue(self, cohort1, cohort2, tasks):
        ahip = tasks["ahip"]
        for cohort in (cohort1, cohort2):
            cohort.start_date = datetime.date(2026, 11, 23)
        monday_evening = utc(2026, 11, 23, 23, 0)  # 18:00 Monday in New York
        assert ahip.state(Status.IN_PROGRESS, cohort1, monday_evening) == TaskState.UPCOMING
        tuesday_1729 = utc(2026, 11, 24, 22, 29)
        assert ahip.state(Status.IN_PROGRESS, cohort1, tuesday_1729) == TaskState.DUE_TODAY
        tuesday_1730 = utc(2026, 11, 24, 22, 30)
        assert ahip.state(Status.IN_PROGRESS, cohort1, tuesday_1730) == TaskState.OVERDUE
        # At that moment it is 14:30 in Los Angeles: still due today there.
        assert ahip.state(Status.IN_PROGRESS, cohort2, tuesday_1730) == TaskState.DUE_TODAY
        assert ahip.state(Status.NOT_STARTED, cohort2, utc(2026, 11, 25, 1, 30)) == TaskState.OVERDUE
        assert ahip.state(Status.COMPLETE, cohort2, utc(2026, 11, 25, 8)) == TaskState.DONE
        assert ahip.state(Status.VERIFIED, cohort2, utc(2026, 11, 25, 8)) == TaskState.DONE

    def test_an_end_of_day_of_its_own_moves_the_moment(self, cohort1, tasks):
        cohort1.start_date = datetime.date(2026, 11, 23)
        cohort1.end_of_day = datetime.time(16, 0)
        assert tasks["ahip"].state(Status.NOT_STARTED, cohort1, utc(2026, 11, 24, 21, 0)) == TaskState.OVERDUE

    def test_a_carried_over_task_is_due_on_the_next_esp_day(self, cohort1, tasks):
        cohort1.start_date = datetime.date(2026, 11, 23)
        ahip, tuesday = tasks["ahip"], datetime.date(2026, 11, 24)
        wednesday = datetime.date(2026, 11, 25)
        assert (
            ahip.state(Status.NOT_STARTED, cohort1, utc(2026, 11, 24, 23), wednesday)
            == TaskState.CARRIED_OVER
        )
        assert (
            ahip.state(Status.NOT_STARTED, cohort1, utc(2026, 11, 25, 15), wednesday) == TaskState.DUE_TODAY
        )
        assert ahip.state(Status.NOT_STARTED, cohort1, utc(2026, 11, 25, 23), wednesday) == TaskState.OVERDUE
        assert tuesday < wednesday

    def test_the_due_day_skips_the_weekend(self, cohort1, tasks):
        cohort1.start_date = datetime.date(2026, 11, 26)  # a Thursday: day 3 is Monday 30th
        assert tasks["tbt"].due_date(cohort1) == datetime.date(2026, 11, 30)
        assert tasks["tbt"].state(Status.NOT_STARTED, cohort1, utc(2026, 11, 29, 20)) == TaskState.UPCOMING


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
                recompute_readiness([agent1.pk])
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

    def test_a_confidential_flag_is_named_only_to_those_who_may_see_it(self, agent1, tl1, tl2, pm1, tasks):
        finish_everything(agent1, tl1, tasks)
        raise_red_flag(agent=agent1, category="background_check", details="x", confidential=True, by=pm1)
        agent1.refresh_from_db()
        assert agent1.status == Agent.Status.IN_ESP
        assert readiness_blockers(agent1, user=pm1, sees_confidential=True) == ["1 red flag open"]
        assert readiness_blockers(agent1, user=tl1, sees_confidential=False) == ["waiting for the PM"]
        assert "red flag" not in agent1.history.latest().history_change_reason

    def test_the_production_tl_is_emailed_and_has_the_agent_on_their_board_until_acknowledged(
        self, client_for, agent1, pm1, tl1, tl2, tasks, mailoutbox, django_capture_on_commit_callbacks
    ):
        finish_everything(agent1, tl1, tasks)
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            handoff = move_to_production(agent=agent1, production_tl=tl2, note="Strong on Aetna", by=pm1)
        (sent,) = mailoutbox  # to the production TL only: not to the PM who moved the agent
        assert sent.to == [tl2.email] and sent.subject.startswith(f"Handed to you: {agent1.full_name}")
        assert "Strong on Aetna" in sent.body and f"/tracker/agents/{agent1.pk}/handoff/" in sent.body
        board = client_for(tl2).get(reverse("desk:board")).content.decode()
        assert "Handed to you (1)" in board and agent1.full_name in board
        with CaptureQueriesContext(connection) as read:
            assert "Handed to you" not in client_for(tl1).get(reverse("desk:board")).content.decode()
        # None for tl1: asked with a plain EXISTS, never read with their agents and people.
        asked = [q["sql"] for q in read.captured_queries if '"certifications_handoff"' in q["sql"]]
        assert len(asked) == 1 and asked[0].startswith('SELECT 1 AS "a"'), asked
        acknowledge_handoff(handoff=handoff, by=tl2)
        assert "Handed to you" not in client_for(tl2).get(reverse("desk:board")).content.decode()

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

    def test_a_duplicate_is_verified_only_once_it_is_explained(self, agent1, agent2, tl1, tl2, tasks):
        upload_proof(
            agent=agent2, task=tasks["ahip"], upload=SimpleUploadedFile("b.png", PNG + b"same"), by=tl2
        )
        proof = upload_proof(
            agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG + b"same"), by=tl1
        )
        with pytest.raises(TrackerError, match="same file was uploaded for another agent"):
            review_proof(proof=proof, verified=True, by=tl1)
        clear_duplicate(
            proof=proof, reason="Both screenshots are of the shared training room certificate", by=tl1
        )
        review_proof(proof=proof, verified=True, by=tl1)
        assert Proof.objects.get(pk=proof.pk).review == Proof.Review.VERIFIED

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
