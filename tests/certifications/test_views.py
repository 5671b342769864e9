import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from attendance.services import Entry, record_attendance
from certifications.models import DailyNote, Handoff, Proof, RedFlag, Task, TaskStatus
from certifications.services import raise_red_flag, record_attempt, set_task_status, upload_proof
from cohorts.models import Agent
from tests.certifications.conftest import JPEG, PDF, PNG
from tests.certifications.test_tracker_rules import finish_everything
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
Status = TaskStatus.Status


def tracker_url(cohort):
    return reverse("certifications:tracker", args=[cohort.pk])


class TestGrid:
    @pytest.mark.parametrize(
        "who, status",
        [
            ("tl1", 200),
            ("pm1", 200),
            ("mgr1", 200),
            ("staff", 200),
            ("tl2", 404),
            ("pm2", 404),
            ("wfm1", 404),
        ],
    )
    def test_access(self, request, client_for, who, status, cohort1):
        assert client_for(request.getfixturevalue(who)).get(tracker_url(cohort1)).status_code == status

    def test_anonymous_is_sent_to_login(self, client_for, cohort1):
        assert client_for(None).get(tracker_url(cohort1)).status_code == 302

    def test_it_marks_overdue_cells_and_shows_statuses(self, client_for, tl1, agent1, tasks, week):
        set_task_status(
            agent=agent1, task=tasks["equipment"], status=Status.VERIFIED, expected_version=0, by=tl1
        )
        html = client_for(tl1).get(tracker_url(agent1.cohort)).content.decode()

        def cell(code):
            return f'id="cell-{agent1.pk}-{tasks[code].pk}" class="'

        assert cell("equipment") + 'cell st-verified"' in html  # verified, not overdue
        assert (
            cell("ahip") + 'cell st-not_started table-danger cell-open"' in html
        )  # due day 2 (Tuesday) has ended in New York
        assert (
            cell("aetna") + 'cell st-not_started cell-due cell-open"' in html
        )  # due today: not overdue before the end of day
        assert cell("rts") + 'cell st-not_started"' in html  # due Friday

    def test_filters_and_sorts(self, client_for, tl1, cohort1, tasks, week):
        done = AgentFactory(cohort=cohort1, first_name="Done")
        AgentFactory(cohort=cohort1, first_name="Fresh")
        for code in ("ahip", "equipment"):
            set_task_status(agent=done, task=tasks[code], status=Status.COMPLETE, expected_version=0, by=tl1)
        client = client_for(tl1)
        names = lambda r: [row.agent.full_name.split()[0] for row in r.context["grid"]()["rows"]]  # noqa: E731
        assert names(client.get(tracker_url(cohort1), {"q": "fre"})) == ["Fresh"]
        assert names(client.get(tracker_url(cohort1), {"sort": "-progress"}))[0] == "Done"
        assert names(client.get(tracker_url(cohort1), {"sort": "progress"}))[0] == "Fresh"

    def test_csv_export_follows_the_sheets_column_order(self, client_for, tl1, agent1, tasks, week):
        set_task_status(
            agent=agent1, task=tasks["tbt"], status=Status.IN_PROGRESS, expected_version=0, by=tl1
        )
        response = client_for(tl1).get(tracker_url(agent1.cohort), {"_export": "csv"})
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == [
            "Agent", "Employee ID", "AHIP", "Aetna", "TBT", "Call Certification", "Equipment",
            "RTS / No More Forms", "Notes 2026-11-25",
        ]  # fmt: skip
        assert rows[1][:5] == [
            "Alice Archer",
            agent1.employee_id,
            "Not started (overdue)",
            "Not started (due today)",
            "In progress (due today)",
        ]

    def test_xlsx_export_has_the_same_columns(self, client_for, tl1, agent1, week):
        from openpyxl import load_workbook

        response = client_for(tl1).get(tracker_url(agent1.cohort), {"_export": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert [c.value for c in sheet[1]][:3] == ["Agent", "Employee ID", "AHIP"]

    def test_queries_do_not_grow_with_agents_or_tasks(
        self, client_for, tl1, cohort1, tasks, week, count_queries
    ):
        client = client_for(tl1)
        AgentFactory.create_batch(5, cohort=cohort1)
        few = count_queries(lambda: client.get(tracker_url(cohort1)))
        for agent in AgentFactory.create_batch(45, cohort=cohort1):
            set_task_status(
                agent=agent, task=tasks["tbt"], status=Status.IN_PROGRESS, expected_version=0, by=tl1
            )
            record_attempt(
                agent=agent,
                task=tasks["ahip"],
                taken_on=datetime.date(2026, 11, 24),
                score=50,
                passed=False,
                by=tl1,
            )
            DailyNote.objects.create(agent=agent, day=datetime.date(2026, 11, 25), text="ok", updated_by=tl1)
        Task.objects.create(name="Extra", code="extra", position=70, due_day=5)
        many = count_queries(lambda: client.get(tracker_url(cohort1)))
        assert few == many <= 20


class TestCellSave:
    def url(self, agent, task):
        return reverse("certifications:cell_save", args=[agent.pk, task.pk])

    def data(self, agent, task, status, version=0, reason=""):
        prefix = f"c{agent.pk}-{task.pk}-"
        return {prefix + "status": status, prefix + "version": version, prefix + "blocked_reason": reason}

    def test_a_cell_saves_in_place(self, client_for, tl1, agent1, tasks, week):
        tbt = tasks["tbt"]
        response = client_for(tl1).post(self.url(agent1, tbt), self.data(agent1, tbt, "complete"), **HTMX)
        assert response.status_code == 200
        assert response.content.decode().lstrip().startswith(f'<td id="cell-{agent1.pk}-{tbt.pk}"')
        assert TaskStatus.objects.get(agent=agent1, task=tbt).status == Status.COMPLETE

    def test_blocked_without_reason_is_refused_and_writes_nothing(self, client_for, tl1, agent1, tasks, week):
        tbt = tasks["tbt"]
        response = client_for(tl1).post(self.url(agent1, tbt), self.data(agent1, tbt, "blocked"), **HTMX)
        assert response.status_code == 400
        assert "Say what blocks the task." in response.content.decode()
        assert not TaskStatus.objects.exists()

    def test_an_unknown_status_is_refused(self, client_for, tl1, agent1, tasks, week):
        tbt = tasks["tbt"]
        assert (
            client_for(tl1)
            .post(self.url(agent1, tbt), self.data(agent1, tbt, "nonsense"), **HTMX)
            .status_code
            == 400
        )

    def test_a_stale_version_gets_409(self, client_for, tl1, pm1, agent1, tasks, week):
        tbt = tasks["tbt"]
        set_task_status(agent=agent1, task=tbt, status=Status.IN_PROGRESS, expected_version=0, by=pm1)
        response = client_for(tl1).post(self.url(agent1, tbt), self.data(agent1, tbt, "complete", 0), **HTMX)
        assert response.status_code == 409
        assert TaskStatus.objects.get().status == Status.IN_PROGRESS

    @pytest.mark.parametrize("who", ["tl2", "mgr1", "wfm1"])
    def test_others_get_404(self, request, client_for, who, agent1, tasks, week):
        tbt = tasks["tbt"]
        response = client_for(request.getfixturevalue(who)).post(
            self.url(agent1, tbt), self.data(agent1, tbt, "complete")
        )
        assert response.status_code == 404
        assert not TaskStatus.objects.exists()

    def test_get_is_refused(self, client_for, tl1, agent1, tasks):
        assert client_for(tl1).get(self.url(agent1, tasks["tbt"])).status_code == 405

    def test_a_task_taken_off_the_tracker_saves_no_more_at_once(self, client_for, tl1, agent1, tasks, week):
        """The tasks a save looks up are cached under the cohort's shared revision: a change to
        the tasks renews it, so the first save after it already knows."""
        client, tbt = client_for(tl1), tasks["tbt"]
        assert client.get(tracker_url(agent1.cohort)).status_code == 200
        assert (
            client.post(self.url(agent1, tbt), self.data(agent1, tbt, "in_progress"), **HTMX).status_code
            == 200
        )
        tbt.active = False
        tbt.save()
        response = client.post(self.url(agent1, tbt), self.data(agent1, tbt, "complete", 1), **HTMX)
        assert response.status_code == 404
        assert TaskStatus.objects.get(agent=agent1, task=tbt).status == Status.IN_PROGRESS


class TestNotes:
    def url(self, agent, day=datetime.date(2026, 11, 25)):
        return reverse("certifications:note_save", args=[agent.pk, day])

    def test_a_note_saves_with_history_and_shows_on_the_agent_page(self, client_for, tl1, agent1, week):
        client = client_for(tl1)
        for version, text in enumerate(["Finished AHIP module 2", "Finished AHIP modules 2 and 3"]):
            data = {f"n{agent1.pk}-text": text, f"n{agent1.pk}-version": version}
            assert client.post(self.url(agent1), data, **HTMX).status_code == 200
        note = DailyNote.objects.get()
        assert note.history.count() == 2 and note.history.first().history_user == tl1
        page = client.get(agent1.get_absolute_url()).content.decode()
        assert "Finished AHIP modules 2 and 3" in page

    def test_a_future_day_is_refused(self, client_for, tl1, agent1, week):
        response = client_for(tl1).post(
            self.url(agent1, datetime.date(2026, 11, 26)),
            {f"n{agent1.pk}-text": "x", f"n{agent1.pk}-version": 0},
            **HTMX,
        )
        assert response.status_code == 400
        assert not DailyNote.objects.exists()

    def test_another_tl_gets_404(self, client_for, tl2, agent1, week):
        data = {f"n{agent1.pk}-text": "x", f"n{agent1.pk}-version": 0}
        assert client_for(tl2).post(self.url(agent1), data).status_code == 404


class TestProofViews:
    def upload(self, client, agent, task, content, name="proof.png"):
        return client.post(
            reverse("certifications:proof_upload", args=[agent.pk]),
            {"task": task.pk, "file": SimpleUploadedFile(name, content)},
        )

    @pytest.mark.parametrize("content", [PNG, JPEG, PDF])
    def test_png_jpeg_and_pdf_are_accepted_and_stored_under_an_unguessable_name(
        self, client_for, tl1, agent1, tasks, content
    ):
        response = self.upload(client_for(tl1), agent1, tasks["ahip"], content, name="my screenshot.png")
        assert response.status_code == 302
        proof = Proof.objects.get()
        assert proof.original_name == "my screenshot.png"
        assert "screenshot" not in proof.file.name and len(proof.file.name.split("/")[-1]) >= 32
        assert not proof.file.name.startswith(("static", "media/public"))

    def test_an_executable_renamed_png_is_refused(self, client_for, tl1, agent1, tasks):
        response = self.upload(
            client_for(tl1), agent1, tasks["ahip"], b"MZ\x90\x00\x03" + b"\x00" * 100, name="cert.png"
        )
        assert response.status_code == 400
        assert "PNG or JPEG screenshot or a PDF" in response.content.decode()
        assert not Proof.objects.exists()

    def test_an_oversize_file_is_refused(self, client_for, tl1, agent1, tasks, settings):
        settings.PROOF_UPLOAD_MAX_BYTES = 50
        response = self.upload(client_for(tl1), agent1, tasks["ahip"], PNG + b"\x00" * 100)
        assert response.status_code == 400
        assert "proof may be at most" in response.content.decode()
        assert not Proof.objects.exists()

    def test_the_file_is_served_only_to_users_with_access(
        self, client_for, tl1, tl2, pm1, wfm1, agent1, tasks
    ):
        proof = upload_proof(
            agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG), by=tl1
        )
        url = reverse("certifications:proof_file", args=[proof.pk])
        response = client_for(pm1).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG
        assert client_for(tl2).get(url).status_code == 404
        assert client_for(wfm1).get(url).status_code == 404
        assert client_for(None).get(url).status_code == 302

    def test_the_same_file_for_two_agents_is_flagged(self, client_for, tl1, pm1, agent1, tasks):
        other = AgentFactory(cohort=agent1.cohort, first_name="Copy", last_name="Cat")
        upload_proof(agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG), by=tl1)
        copy = upload_proof(agent=other, task=tasks["ahip"], upload=SimpleUploadedFile("b.png", PNG), by=tl1)
        own = upload_proof(agent=other, task=tasks["aetna"], upload=SimpleUploadedFile("c.png", JPEG), by=tl1)
        html = client_for(pm1).get(other.get_absolute_url()).content.decode()
        assert f'id="dup-{copy.pk}">The same file was uploaded for Alice Archer (' in html
        assert f'id="dup-{own.pk}"' not in html

    def test_review_verifies_or_rejects_with_reason(self, client_for, tl1, agent1, tasks):
        proof = upload_proof(
            agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG), by=tl1
        )
        client = client_for(tl1)
        url = reverse("certifications:proof_review", args=[proof.pk])
        assert client.post(url, {"decision": "reject", "reason": ""}).status_code == 400
        assert client.post(url, {"decision": "reject", "reason": "Cut off"}).status_code == 302
        proof.refresh_from_db()
        assert (proof.review, proof.rejection_reason, proof.reviewed_by) == ("rejected", "Cut off", tl1)

    def test_another_tl_cannot_review(self, client_for, tl1, tl2, agent1, tasks):
        proof = upload_proof(
            agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG), by=tl1
        )
        assert (
            client_for(tl2)
            .post(reverse("certifications:proof_review", args=[proof.pk]), {"decision": "verify"})
            .status_code
            == 404
        )


class TestAttemptView:
    def test_the_limit_message_shows_beside_the_field(self, client_for, tl1, agent1, tasks, week):
        aetna = tasks["aetna"]
        client = client_for(tl1)
        url = reverse("certifications:attempt_add", args=[agent1.pk])
        for _ in range(3):
            assert (
                client.post(
                    url, {"task": aetna.pk, "taken_on": "2026-11-24", "score": "55", "passed": "0"}
                ).status_code
                == 302
            )
        response = client.post(
            url, {"task": aetna.pk, "taken_on": "2026-11-25", "score": "85", "passed": "1"}
        )
        assert response.status_code == 400
        assert "no further attempt can be recorded" in response.context["attempt_form"].errors["task"][0]
        assert "3/3 failed: limit" in client.get(agent1.get_absolute_url()).content.decode()

    def test_bad_input_in_place_answers_with_the_form_only(self, client_for, tl1, agent1, tasks, week):
        url = reverse("certifications:attempt_add", args=[agent1.pk])
        response = client_for(tl1).post(
            url, {"task": tasks["ahip"].pk, "taken_on": "", "passed": "1"}, headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert response.status_code == 400 and html.lstrip().startswith("<form")
        assert "This field is required" in html and "<html" not in html

    def test_a_future_date_and_a_bad_score_are_refused(self, client_for, tl1, agent1, tasks, week):
        url = reverse("certifications:attempt_add", args=[agent1.pk])
        response = client_for(tl1).post(
            url, {"task": tasks["ahip"].pk, "taken_on": "2026-11-30", "score": "140", "passed": "1"}
        )
        assert response.status_code == 400
        errors = response.context["attempt_form"].errors
        assert "future" in errors["taken_on"][0] and "score" in errors


class TestRedFlagVisibility:
    @pytest.fixture
    def flags(self, agent1, tl1, pm1):
        raise_red_flag(
            agent=agent1, category="background_check", details="Sealed record", confidential=True, by=pm1
        )
        raise_red_flag(
            agent=agent1, category="equipment", details="Laptop broken", confidential=False, by=tl1
        )

    def test_a_confidential_flag_is_hidden_from_tls(self, client_for, tl1, agent1, flags):
        html = client_for(tl1).get(agent1.get_absolute_url()).content.decode()
        assert "Laptop broken" in html and "Sealed record" not in html
        assert "1 red flag open" in html  # the one the TL may see; nothing says another exists
        handoff = client_for(tl1).get(reverse("desk:handoff", args=[agent1.pk])).content.decode()
        assert "Sealed record" not in handoff

    def test_the_tl_who_raised_a_confidential_flag_still_sees_it(self, client_for, tl1, tl2, agent1):
        raise_red_flag(
            agent=agent1, category="conduct", details="Said in confidence", confidential=True, by=tl1
        )
        html = client_for(tl1).get(agent1.get_absolute_url()).content.decode()
        assert "Said in confidence" in html and "confidential</span>" in html
        board = client_for(tl1).get(reverse("desk:board")).content.decode()
        assert "Open red flags: <strong>1</strong>" in board

    @pytest.mark.parametrize("who", ["pm1", "mgr1", "staff"])
    def test_pms_managers_and_admins_see_it(self, request, client_for, who, agent1, flags):
        html = client_for(request.getfixturevalue(who)).get(agent1.get_absolute_url()).content.decode()
        assert "Sealed record" in html and "Laptop broken" in html

    def test_wfm_sees_no_red_flags(self, client_for, wfm1, agent1, flags):
        assert client_for(wfm1).get(agent1.get_absolute_url()).status_code == 404
        assert client_for(wfm1).get(tracker_url(agent1.cohort)).status_code == 404

    def test_a_tl_cannot_resolve_a_flag_they_cannot_see(self, client_for, tl1, agent1, flags):
        hidden = RedFlag.objects.get(confidential=True)
        url = reverse("certifications:red_flag_resolve", args=[hidden.pk])
        assert client_for(tl1).post(url, {"resolution": "x"}).status_code == 404
        assert RedFlag.objects.get(pk=hidden.pk).is_open

    def test_raising_needs_details(self, client_for, tl1, agent1):
        url = reverse("certifications:red_flag_raise", args=[agent1.pk])
        response = client_for(tl1).post(url, {"category": "conduct", "details": ""})
        assert response.status_code == 400
        assert "details" in response.context["red_flag_form"].errors
        assert not RedFlag.objects.exists()


class TestProductionAndHandoff:
    @pytest.fixture
    def ready(self, agent1, tl1, tasks, week):
        finish_everything(agent1, tl1, tasks)
        agent1.refresh_from_db()
        assert agent1.status == Agent.Status.READY
        return agent1

    def move_url(self, agent):
        return reverse("desk:move", args=[agent.pk])

    def test_the_pm_moves_and_the_new_tl_acknowledges(self, client_for, pm1, tl1, tl2, ready, week):
        record_attendance(
            agent=ready,
            day=datetime.date(2026, 11, 24),
            entry=Entry(arrival=datetime.time(9, 25)),
            expected_version=0,
            by=tl1,
        )
        DailyNote.objects.create(
            agent=ready, day=datetime.date(2026, 11, 24), text="Strong on compliance", updated_by=tl1
        )
        raise_red_flag(
            agent=ready, category="equipment", details="Headset replaced", confidential=False, by=tl1
        )
        RedFlag.objects.update(
            resolution="New headset", resolved_at=datetime.datetime(2026, 11, 25, tzinfo=datetime.UTC)
        )
        ready.status = Agent.Status.READY
        ready.save()

        response = client_for(pm1).post(
            self.move_url(ready), {"production_tl": tl2.pk, "note": "Pair with Sam"}
        )
        assert response.status_code == 302
        ready.refresh_from_db()
        assert ready.status == Agent.Status.IN_PRODUCTION and ready.production_tl == tl2

        client = client_for(tl2)
        page = client.get(reverse("desk:handoff", args=[ready.pk]))
        html = page.content.decode()
        for text in (
            "Every ESP task is done",
            "Tue 24 Nov: Late",
            "arrived 09:25",
            "Strong on compliance",
            "Headset replaced",
            "resolved: New headset",
            "Pair with Sam",
            "No coaching or CAPs recorded",
        ):
            assert text in html, text
        assert page.context["can_acknowledge"]
        acknowledged = client.post(reverse("desk:handoff_acknowledge", args=[ready.pk]), follow=True)
        assert Handoff.objects.get().acknowledged_at is not None
        html = acknowledged.content.decode()  # back on the handoff, with a message that never prints
        assert '<div aria-live="polite" class="no-print">' in html and "You acknowledged the handoff" in html
        assert client.post(reverse("desk:handoff_acknowledge", args=[ready.pk])).status_code == 403

    def test_the_handoff_holds_the_done_tasks_with_dates_and_the_verified_proofs(
        self, client_for, pm1, tl1, ready, tasks, week
    ):
        client = client_for(pm1)
        html = client.get(reverse("desk:handoff", args=[ready.pk])).content.decode()
        for task in tasks.values():
            assert f"<li><strong>{task.name}</strong>: verified on Wed 25 Nov</li>" in html, task.name
        proofs = [t for t in tasks.values() if t.requires_proof]
        assert proofs and all(f"<li><strong>{t.name}</strong>: p.png, verified by" in html for t in proofs)
        pdf = client.get(reverse("desk:handoff", args=[ready.pk]), {"format": "pdf"})
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf["Content-Disposition"] == f'attachment; filename="handoff-{ready.employee_id}.pdf"'
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        for words in (
            "Handoff: Alice Archer",
            "Tasks done",
            "Verified proofs",
            "Exam attempts",
            "Daily notes",
        ):
            assert words in text, words
        assert "Log out" not in text and "ESP Tracker — onboarding week" not in text  # no page furniture

    def test_the_handoff_lists_tasks_not_done_and_why(self, client_for, tl1, agent1, tasks, week):
        set_task_status(
            agent=agent1,
            task=tasks["equipment"],
            status=Status.BLOCKED,
            reason="Laptop not shipped",
            expected_version=0,
            by=tl1,
        )
        html = client_for(tl1).get(reverse("desk:handoff", args=[agent1.pk])).content.decode()
        assert "<strong>Equipment</strong>: blocked, because Laptop not shipped" in html

    def test_a_tl_cannot_move_agents(self, client_for, tl1, tl2, ready):
        assert client_for(tl1).post(self.move_url(ready), {"production_tl": tl2.pk}).status_code == 403
        ready.refresh_from_db()
        assert ready.status == Agent.Status.READY

    def test_a_pm_of_another_cohort_gets_404(self, client_for, pm2, tl2, ready):
        assert client_for(pm2).post(self.move_url(ready), {"production_tl": tl2.pk}).status_code == 404

    def test_someone_else_cannot_acknowledge(self, client_for, pm1, tl1, tl2, ready):
        client_for(pm1).post(self.move_url(ready), {"production_tl": tl2.pk})
        assert client_for(tl1).post(reverse("desk:handoff_acknowledge", args=[ready.pk])).status_code == 403
        assert Handoff.objects.get().acknowledged_at is None

    def test_an_agent_not_ready_is_refused_with_the_reasons(self, client_for, pm1, tl2, agent1):
        response = client_for(pm1).post(self.move_url(agent1), {"production_tl": tl2.pk})
        assert response.status_code == 400
        assert "is not ready for production" in response.context["move_form"].non_field_errors()[0]


def test_the_agent_page_queries_do_not_grow_with_records(client_for, tl1, agent1, tasks, week, count_queries):
    client = client_for(tl1)

    def add(n):
        upload_proof(
            agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG + bytes([n])), by=tl1
        )
        record_attempt(
            agent=agent1,
            task=tasks["ahip"],
            taken_on=datetime.date(2026, 11, 24),
            score=40,
            passed=False,
            by=tl1,
        )
        raise_red_flag(agent=agent1, category="other", details=f"flag {n}", confidential=False, by=tl1)
        day = datetime.date(2026, 11, 23) + datetime.timedelta(days=n)
        DailyNote.objects.create(agent=agent1, day=day, text="n", updated_by=tl1)

    add(0)  # the first attempt sets the exam's status; the later ones leave it as it is
    client.get(agent1.get_absolute_url())  # what stays cached across the agent's writes (the tasks)
    add(1)
    few = count_queries(lambda: client.get(agent1.get_absolute_url()))
    add(2)
    many = count_queries(lambda: client.get(agent1.get_absolute_url()))
    assert few == many


class TestNoteConflicts:
    """Finding 1 of the hardening issue: two people saving the same day's note, or one from a
    stale page, were both told "Saved" and the first text was gone; a post without the text
    field saved an empty note over the existing one."""

    def url(self, agent):
        return reverse("certifications:note_save", args=[agent.pk, datetime.date(2026, 11, 25)])

    def post(self, client, agent, text, version):
        return client.post(
            self.url(agent), {f"n{agent.pk}-text": text, f"n{agent.pk}-version": version}, **HTMX
        )

    def test_notes_are_overwritten_silently_no_more(self, client_for, tl1, pm1, agent1, week):
        assert self.post(client_for(pm1), agent1, "PM: call me about AHIP", 0).status_code == 200
        tl = client_for(tl1)
        response = self.post(tl, agent1, "TL: shadowed two calls", 0)  # from a page loaded before
        assert response.status_code == 409
        html = response.content.decode()
        assert "PM: call me about AHIP" in html  # the other person's note, in the box
        assert "TL: shadowed two calls" in html and "changed this note while you were writing" in html
        assert DailyNote.objects.get().text == "PM: call me about AHIP"
        # With the version now shown, the TL's save goes through.
        assert self.post(tl, agent1, "TL: shadowed two calls", 1).status_code == 200
        assert DailyNote.objects.get().text == "TL: shadowed two calls"

    @pytest.mark.parametrize("missing", ["text", "version"])
    def test_a_post_without_its_fields_is_a_400_not_an_empty_save(
        self, client_for, tl1, agent1, week, missing
    ):
        client = client_for(tl1)
        assert self.post(client, agent1, "Finished AHIP module 2", 0).status_code == 200
        data = {f"n{agent1.pk}-text": "", f"n{agent1.pk}-version": 1}
        del data[f"n{agent1.pk}-{missing}"]
        response = client.post(self.url(agent1), data, **HTMX)
        assert response.status_code == 400
        assert DailyNote.objects.get().text == "Finished AHIP module 2"

    def test_clearing_a_note_on_purpose_still_works(self, client_for, tl1, agent1, week):
        client = client_for(tl1)
        self.post(client, agent1, "typo", 0)
        assert self.post(client, agent1, "", 1).status_code == 200
        assert DailyNote.objects.get().text == ""
