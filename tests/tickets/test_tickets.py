import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certifications.events import ExamAttemptRecorded, ProofUploaded
from certifications.models import TaskStatus
from certifications.services import record_attempt, review_proof, set_task_status, upload_proof
from core.events import emit
from desk.board import collect
from desk.readiness import readiness_blockers
from tests.certifications.conftest import PNG
from tests.conftest import TUESDAY
from tests.factories import AgentFactory
from tickets.models import Playbook, PlaybookContact, StepOutcome, Ticket, TicketType
from tickets.services import (
    TicketError,
    TicketIncomplete,
    draft_carrier_ticket,
    submit_ticket,
    unsubmitted_count,
)

pytestmark = pytest.mark.django_db
Status = TaskStatus.Status


@pytest.fixture
def destinations(db):
    TicketType.objects.update(destination_email="forms@example.com")


def codes(agent):
    return sorted(Ticket.objects.filter(agent=agent).values_list("ticket_type__code", flat=True))


class TestDraftsFromEvents:
    def test_a_failed_attempt_drafts_one_failed_exam_ticket_even_when_processed_twice(
        self, agent1, tl1, tasks
    ):
        attempt = record_attempt(
            agent=agent1,
            task=tasks["aetna"],
            taken_on=datetime.date(2026, 11, 24),
            score=61,
            passed=False,
            by=tl1,
        )
        emit(ExamAttemptRecorded(attempt=attempt, failed=1, limit_reached=False))  # the same event again
        (ticket,) = Ticket.objects.all()
        assert ticket.ticket_type.code == "failed-carrier-cert-exams"
        assert ticket.data["carrier"] == "Aetna" and ticket.data["score"] == "61"
        assert ticket.data["attempt"] == "1" and ticket.data["exam_date"] == "2026-11-24"
        assert ticket.data["employee_id"] == agent1.employee_id and ticket.status == Ticket.Status.DRAFT

    def test_a_passed_exam_drafts_a_completion_form(self, agent1, tl1, tasks):
        record_attempt(
            agent=agent1,
            task=tasks["ahip"],
            taken_on=datetime.date(2026, 11, 24),
            score=92,
            passed=True,
            by=tl1,
        )
        assert codes(agent1) == ["carrier-cert-completion"]

    def test_a_proof_drafts_one_esp_tracker_form(self, agent1, tl1, tasks):
        proof = upload_proof(
            agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("shot.png", PNG), by=tl1
        )
        emit(ProofUploaded(proof=proof))  # the same event again
        (ticket,) = Ticket.objects.all()
        assert ticket.ticket_type.code == "esp-tracker-form" and ticket.data["file_name"] == "shot.png"

    def test_a_rejected_proof_withdraws_its_draft(self, agent1, tl1, tasks):
        proof = upload_proof(
            agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("shot.png", PNG), by=tl1
        )
        review_proof(proof=proof, verified=False, reason="The screenshot is cut off", by=tl1)
        (ticket,) = Ticket.objects.all()
        assert ticket.status == Ticket.Status.WITHDRAWN
        assert ticket.withdrawn_reason == "The proof was rejected: The screenshot is cut off"
        with pytest.raises(TicketError, match="withdrawn"):
            submit_ticket(ticket=ticket, data={}, by=tl1)
        assert unsubmitted_count(agent1.cohort) == 0

    def test_a_call_certification_drafts_one_form_however_often_it_is_saved(self, agent1, tl1, tasks):
        cell = set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        set_task_status(
            agent=agent1,
            task=tasks["call-cert"],
            status=Status.VERIFIED,
            expected_version=cell.version,
            by=tl1,
        )
        assert codes(agent1) == ["call-certification"]

    def test_other_statuses_draft_nothing(self, agent1, tl1, tasks):
        set_task_status(agent=agent1, task=tasks["tbt"], status=Status.COMPLETE, expected_version=0, by=tl1)
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.IN_PROGRESS, expected_version=0, by=tl1
        )
        assert codes(agent1) == []

    def test_a_switched_off_form_drafts_nothing(self, agent1, tl1, tasks):
        TicketType.objects.filter(code="failed-carrier-cert-exams").update(active=False)
        record_attempt(
            agent=agent1,
            task=tasks["aetna"],
            taken_on=datetime.date(2026, 11, 24),
            score=50,
            passed=False,
            by=tl1,
        )
        assert codes(agent1) == []


class TestSubmit:
    def test_required_fields_are_checked_and_a_second_submit_refused(
        self, agent1, tl1, tasks, destinations, django_capture_on_commit_callbacks
    ):
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        ticket = Ticket.objects.get()
        with pytest.raises(TicketIncomplete) as excinfo:
            submit_ticket(ticket=ticket, data={}, by=tl1)
        assert excinfo.value.errors == {"certifier": "Certifier is required."}
        assert Ticket.objects.get().status == Ticket.Status.DRAFT
        with django_capture_on_commit_callbacks(execute=True):
            submit_ticket(ticket=ticket, data={"certifier": "Dana Cert"}, by=tl1)
        with pytest.raises(TicketError, match="already submitted"):
            submit_ticket(ticket=Ticket.objects.get(), data={}, by=tl1)
        (message,) = mail.outbox
        assert message.to == ["forms@example.com"]
        assert message.subject == f"Call Certification Form: Alice Archer ({agent1.employee_id})"
        assert "Certifier: Dana Cert" in message.body

    def test_the_ahip_and_aetna_emails_name_their_carrier(
        self, agent1, tl1, tasks, destinations, django_capture_on_commit_callbacks
    ):
        for code in ("ahip", "aetna"):
            record_attempt(
                agent=agent1,
                task=tasks[code],
                taken_on=datetime.date(2026, 11, 24),
                score=95,
                passed=True,
                by=tl1,
            )
        with django_capture_on_commit_callbacks(execute=True):
            for ticket in Ticket.objects.filter(ticket_type__code="carrier-cert-completion"):
                try:
                    submit_ticket(ticket=ticket, data={}, by=tl1)
                except TicketIncomplete as missing:  # fill what the form requires
                    submit_ticket(ticket=ticket, data=dict.fromkeys(missing.errors, "x"), by=tl1)
        subjects = sorted(m.subject for m in mail.outbox)
        assert subjects == [
            f"Carrier Cert Completion Form · AHIP: Alice Archer ({agent1.employee_id})",
            f"Carrier Cert Completion Form · Aetna: Alice Archer ({agent1.employee_id})",
        ]

    def submit_all(self, tickets, tl1):
        for ticket in tickets:
            try:
                submit_ticket(ticket=ticket, data={}, by=tl1)
            except TicketIncomplete as missing:  # fill what the form requires
                submit_ticket(ticket=ticket, data=dict.fromkeys(missing.errors, "x"), by=tl1)

    def test_the_proof_forms_email_carries_the_screenshot(
        self, agent1, tl1, tasks, destinations, django_capture_on_commit_callbacks
    ):
        upload_proof(agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("shot.png", PNG), by=tl1)
        with django_capture_on_commit_callbacks(execute=True):
            self.submit_all(Ticket.objects.filter(ticket_type__code="esp-tracker-form"), tl1)
        (message,) = mail.outbox
        assert message.attachments == [("shot.png", PNG, "image/png")]

    def test_a_proof_too_large_to_attach_is_left_to_the_link(
        self, agent1, tl1, tasks, destinations, settings, django_capture_on_commit_callbacks
    ):
        settings.EMAIL_ATTACHMENT_MAX_BYTES = len(PNG) - 1
        upload_proof(agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("shot.png", PNG), by=tl1)
        with django_capture_on_commit_callbacks(execute=True):
            self.submit_all(Ticket.objects.filter(ticket_type__code="esp-tracker-form"), tl1)
        (message,) = mail.outbox
        assert message.attachments == [] and "/tickets/" in message.body

    def test_the_form_shows_required_errors_beside_the_fields(self, client_for, tl1, agent1, tasks):
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        ticket = Ticket.objects.get()
        response = client_for(tl1).post(
            reverse("tickets:detail", args=[ticket.pk]), {"submit": "1", "certifier": ""}
        )
        assert response.status_code == 400
        assert response.context["form"].errors["certifier"] == ["Certifier is required."]

    def test_a_correction_keeps_history_and_is_emailed_again(
        self, client_for, tl1, agent1, tasks, destinations, django_capture_on_commit_callbacks
    ):
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        ticket = Ticket.objects.get()
        client = client_for(tl1)
        url = reverse("tickets:detail", args=[ticket.pk])
        base = {**ticket.data, "certifier": "Dana Cert"}
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {**base, "submit": "1"}).status_code == 302
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {**base, "certifier": "Dana Certa", "save": "1"}).status_code == 302
        ticket.refresh_from_db()
        assert ticket.data["certifier"] == "Dana Certa" and ticket.submissions == 2
        assert ticket.history.filter(history_change_reason="Correction").exists()
        assert [m.subject.startswith("Correction: ") for m in mail.outbox] == [False, True]

    def test_an_unsubmitted_ticket_blocks_readiness(self, agent1, tl1, tasks):
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        assert "1 ticket not submitted" in readiness_blockers(agent1)


def playbook_steps(*, skip: dict | None = None, leave: tuple = ()) -> dict:
    """The form data marking every step of the playbooks that end in the Carrier Ticket: tried,
    or skipped with the reason given in `skip` (by step text); steps in `leave` unmarked."""
    skip, data = skip or {}, {}
    for playbook in Playbook.objects.opening("carrier-ticket"):
        for n, step in enumerate(playbook.step_list, start=1):
            if step in leave:
                continue
            if step in skip:
                data[f"step_{playbook.pk}_{n}"], data[f"reason_{playbook.pk}_{n}"] = "skipped", skip[step]
            else:
                data[f"step_{playbook.pk}_{n}"] = "tried"
    return data


class TestCarrierTicketFromPlaybook:
    def url(self, agent):
        return reverse("tickets:carrier_ticket", args=[agent.pk])

    def test_each_step_tried_or_skipped_is_carried_into_the_draft_once(self, client_for, tl1, agent1):
        data = {
            "carrier": "AHIP",
            "issue": "Exam page freezes at question 12",
            "token": "6f1c9a2e-7d0b-4a57-9b1e-2c1e1f9d1a11",
            **playbook_steps(skip={"TL called AHIP or Aetna directly": "AHIP's line closes at 8 pm"}),
        }
        client = client_for(tl1)
        response = client.post(self.url(agent1), data)
        client.post(self.url(agent1), data)  # a double click
        ticket = Ticket.objects.get()
        assert response.url == reverse("tickets:detail", args=[ticket.pk])
        assert ticket.ticket_type.code == "carrier-ticket"
        assert ticket.data["steps_tried"].splitlines() == [
            "Tried: Tried all the general troubleshooting steps (AHIP/Aetna troubleshooting)",
            "Tried: Cleared cache and cookies and refreshed (AHIP/Aetna troubleshooting)",
            "Tried: Agent contacted AHIP or Aetna support and reported back (AHIP/Aetna troubleshooting)",
            "Skipped: TL called AHIP or Aetna directly (AHIP/Aetna troubleshooting), because AHIP's line "
            "closes at 8 pm",
        ]
        assert ticket.data["issue"] == "Exam page freezes at question 12" and ticket.data["carrier"] == "AHIP"

    def test_it_does_not_open_until_every_step_is_marked(self, client_for, tl1, agent1):
        """It used to open after one ticked step."""
        data = {
            "carrier": "AHIP",
            "issue": "x",
            "token": "6f1c9a2e-7d0b-4a57-9b1e-2c1e1f9d1a11",
            **playbook_steps(
                skip={"TL called AHIP or Aetna directly": " "},
                leave=("Cleared cache and cookies and refreshed",),
            ),
        }
        response = client_for(tl1).post(self.url(agent1), data)
        assert response.status_code == 400
        html = response.content.decode()
        playbook = Playbook.objects.get(code="ahip-aetna")
        assert f'id="carrier_step_{playbook.pk}_2-error">Mark this step tried or skipped.' in html
        assert f'id="carrier_reason_{playbook.pk}_4-error">Say why this step was skipped.' in html
        assert html.count("text-danger small") == 2 and not Ticket.objects.exists()

    def test_the_service_refuses_an_incomplete_run_too(self, tl1, agent1):
        with pytest.raises(TicketError, match="Mark every troubleshooting step"):
            draft_carrier_ticket(
                agent=agent1,
                carrier="AHIP",
                issue="x",
                outcomes=[
                    StepOutcome("AHIP/Aetna troubleshooting", "Cleared cache and cookies and refreshed", True)
                ],
                token="t",
                by=tl1,
            )

    def test_the_playbooks_show_their_contacts(self, client_for, tl1, agent1):
        contact = PlaybookContact.objects.get(label="AHIP support phone")
        page = client_for(tl1).get(agent1.get_absolute_url()).content.decode()
        assert 'AHIP support phone: <span class="text-body-secondary">not set yet' in page
        contact.value = "866.234.6909"
        contact.full_clean()
        contact.save()
        page = client_for(tl1).get(agent1.get_absolute_url()).content.decode()
        assert 'AHIP support phone: <a href="tel:8662346909">866.234.6909</a>' in page

    @pytest.mark.parametrize(
        "label, value",
        [("AHIP support phone", "call them"), ("AHIP support email", "support at ahip"),
         ("Company IT chat, for agents using company equipment", "javascript:alert(1)")],
    )  # fmt: skip
    def test_a_contact_address_is_checked_for_its_kind(self, label, value):
        contact = PlaybookContact.objects.get(label=label)
        contact.value = value
        with pytest.raises(ValidationError) as error:
            contact.full_clean()
        assert "value" in error.value.message_dict

    def test_another_tl_gets_404(self, client_for, tl2, agent1):
        assert client_for(tl2).post(self.url(agent1), {"carrier": "AHIP"}).status_code == 404

    def test_a_carrier_ticket_is_resolved_after_submission(self, client_for, tl1, agent1):
        client = client_for(tl1)
        client.post(
            self.url(agent1),
            {
                "carrier": "AHIP",
                "issue": "Frozen",
                "token": "6f1c9a2e-7d0b-4a57-9b1e-2c1e1f9d1a12",
                **playbook_steps(),
            },
        )
        ticket = Ticket.objects.get()
        detail = reverse("tickets:detail", args=[ticket.pk])
        assert client.post(detail, {**ticket.data, "submit": "1"}).status_code == 302
        assert (
            client.post(
                reverse("tickets:resolve", args=[ticket.pk]), {"resolution": "AHIP reset the exam"}
            ).status_code
            == 302
        )
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.RESOLVED and ticket.resolved_by == tl1


def test_a_type_added_in_the_admin_works_end_to_end(
    client_for, staff, tl1, agent1, django_capture_on_commit_callbacks
):
    admin = client_for(staff)
    response = admin.post(
        reverse("admin:tickets_tickettype_add"),
        {
            "name": "Background Check Form",
            "code": "background-check",
            "description": "",
            "destination_email": "bg@example.com",
            "position": 90,
            "active": "on",
            "fields-TOTAL_FORMS": "2",
            "fields-INITIAL_FORMS": "0",
            "fields-MIN_NUM_FORMS": "0",
            "fields-MAX_NUM_FORMS": "1000",
            "fields-0-position": "1",
            "fields-0-name": "employee_id",
            "fields-0-label": "Employee ID",
            "fields-0-kind": "text",
            "fields-0-required": "on",
            "fields-1-position": "2",
            "fields-1-name": "finding",
            "fields-1-label": "Finding",
            "fields-1-kind": "textarea",
            "fields-1-required": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    new_type = TicketType.objects.get(code="background-check")

    client = client_for(tl1)
    client.post(
        reverse("tickets:create", args=[agent1.cohort.pk]), {"ticket_type": new_type.pk, "agent": agent1.pk}
    )
    ticket = Ticket.objects.get(ticket_type=new_type)
    assert ticket.data == {"employee_id": agent1.employee_id}  # prefilled from the tracker
    url = reverse("tickets:detail", args=[ticket.pk])
    assert client.post(url, {"employee_id": agent1.employee_id, "submit": "1"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(
                url, {"employee_id": agent1.employee_id, "finding": "Clear", "submit": "1"}
            ).status_code
            == 302
        )
    (message,) = mail.outbox
    assert message.to == ["bg@example.com"] and "Finding: Clear" in message.body


class TestListAndAccess:
    def url(self, cohort):
        return reverse("tickets:list", args=[cohort.pk])

    @pytest.mark.parametrize(
        "who, status", [("tl1", 200), ("pm1", 200), ("mgr1", 200), ("tl2", 404), ("wfm1", 404)]
    )
    def test_the_list(self, request, client_for, who, status, cohort1):
        assert client_for(request.getfixturevalue(who)).get(self.url(cohort1)).status_code == status

    def test_a_tickets_day_reads_as_the_other_pages_name_it(self, client_for, tl1, agent1, tasks, week):
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        html = client_for(tl1).get(self.url(agent1.cohort), {"day": ""}).content.decode()
        assert ">Wed 25 Nov<" in html and "11/25/2026" not in html  # the ticket's day, in the table

    def test_two_forms_of_one_kind_are_told_apart_by_their_exam(self, client_for, tl1, agent1, tasks, week):
        """Two failed AHIP attempts and a failed Aetna one: three Failed Carrier Cert Exams drafts
        for one agent. Each list names the exam and the attempt beside the form (Ticket.title)."""
        for exam in ("ahip", "ahip", "aetna"):
            record_attempt(agent=agent1, task=tasks[exam], taken_on=TUESDAY, score=55, passed=False, by=tl1)
        titles = [
            "Failed Carrier Cert Exams · AHIP, attempt 1",
            "Failed Carrier Cert Exams · AHIP, attempt 2",
            "Failed Carrier Cert Exams · Aetna, attempt 1",
        ]
        assert sorted(t.title for t in Ticket.objects.all()) == sorted(titles)
        client = client_for(tl1)
        listed = client.get(self.url(agent1.cohort), {"day": ""}).content.decode()
        assert all(f"<td >{t.subject}</td>" in listed for t in Ticket.objects.all()), listed
        agent_page = client.get(agent1.get_absolute_url()).content.decode()
        review = client.get(reverse("tickets:review", args=[agent1.cohort.pk])).content.decode()
        assert all(title in agent_page and title in review for title in titles)
        (cohort_day,) = collect([agent1.cohort], user=tl1, sees_confidential=False)
        assert sorted(cohort_day.report.as_dict()["drafts"]) == sorted(f"{t}: Alice Archer" for t in titles)

    def test_a_typed_subject_is_shown_as_text(self, client_for, tl1, agent1, tasks, week):
        record_attempt(agent=agent1, task=tasks["ahip"], taken_on=TUESDAY, score=55, passed=False, by=tl1)
        Ticket.objects.update(data={"carrier": "<b>AHIP</b>", "attempt": "1"})
        listed = client_for(tl1).get(self.url(agent1.cohort), {"day": ""}).content.decode()
        assert "&lt;b&gt;AHIP&lt;/b&gt;, attempt 1" in listed and "<b>AHIP</b>" not in listed

    @pytest.mark.parametrize("who", ["tl2", "wfm1", "pm2"])
    def test_a_ticket_of_another_cohort_is_404(self, request, client_for, who, agent1, tl1, tasks):
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        ticket = Ticket.objects.get()
        client = client_for(request.getfixturevalue(who))
        assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
        assert client.post(reverse("tickets:detail", args=[ticket.pk]), {"submit": "1"}).status_code == 404

    def test_a_manager_reads_but_cannot_submit(self, client_for, mgr1, agent1, tl1, tasks):
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        ticket = Ticket.objects.get()
        client = client_for(mgr1)
        assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200
        assert client.post(reverse("tickets:detail", args=[ticket.pk]), {"submit": "1"}).status_code == 403

    def test_filters_by_type_status_and_agent_and_counts_unsubmitted(self, client_for, tl1, cohort1, tasks):
        a, b = AgentFactory.create_batch(2, cohort=cohort1)
        set_task_status(agent=a, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1)
        record_attempt(
            agent=b, task=tasks["ahip"], taken_on=cohort1.local_today(), score=40, passed=False, by=tl1
        )
        client = client_for(tl1)
        response = client.get(self.url(cohort1), {"agent": b.pk})
        assert [r.record.agent for r in response.context["table"].rows] == [b]
        response = client.get(
            self.url(cohort1), {"ticket_type": TicketType.objects.get(code="call-certification").pk}
        )
        assert [r.record.agent for r in response.context["table"].rows] == [a]
        assert response.context["unsubmitted"] == 2 == unsubmitted_count(cohort1)
        assert "2 not submitted" in client.get(reverse("desk:cohort", args=[cohort1.pk])).content.decode()

    def test_queries_do_not_grow_with_tickets(self, client_for, tl1, cohort1, tasks, count_queries):
        client = client_for(tl1)
        agents = AgentFactory.create_batch(12, cohort=cohort1)
        set_task_status(
            agent=agents[0], task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        few = count_queries(lambda: client.get(self.url(cohort1)))
        for agent in agents[1:]:
            set_task_status(
                agent=agent, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
            )
            record_attempt(
                agent=agent,
                task=tasks["ahip"],
                taken_on=cohort1.local_today(),
                score=40,
                passed=False,
                by=tl1,
            )
        Ticket.objects.filter(agent=agents[1]).update(status="submitted", submitted_by=tl1)
        many = count_queries(lambda: client.get(self.url(cohort1)))
        assert Ticket.objects.count() == 23
        assert few == many

    def test_create_refuses_get(self, client_for, tl1, cohort1):
        assert client_for(tl1).get(reverse("tickets:create", args=[cohort1.pk])).status_code == 405


class TestDraftsFromTheGrid:
    def test_an_exam_set_complete_in_the_grid_drafts_its_completion_form_once(self, tl1, agent1, tasks):
        set_task_status(agent=agent1, task=tasks["ahip"], status=Status.COMPLETE, expected_version=0, by=tl1)
        set_task_status(agent=agent1, task=tasks["ahip"], status=Status.VERIFIED, expected_version=1, by=tl1)
        (ticket,) = Ticket.objects.filter(ticket_type__code="carrier-cert-completion")
        assert (
            ticket.data["carrier"] == "AHIP"
            and ticket.data["exam_date"] == agent1.cohort.local_today().isoformat()
        )
        set_task_status(agent=agent1, task=tasks["tbt"], status=Status.COMPLETE, expected_version=0, by=tl1)
        assert Ticket.objects.count() == 1  # TBT is no exam: no form

    def test_a_passed_attempt_and_the_cell_make_one_form_with_the_score(self, tl1, agent1, tasks):
        record_attempt(
            agent=agent1,
            task=tasks["aetna"],
            taken_on=datetime.date(2026, 11, 24),
            score=91,
            passed=True,
            by=tl1,
        )
        cell = TaskStatus.objects.get(agent=agent1, task=tasks["aetna"])
        set_task_status(
            agent=agent1, task=tasks["aetna"], status=Status.VERIFIED, expected_version=cell.version, by=tl1
        )
        (ticket,) = Ticket.objects.filter(ticket_type__code="carrier-cert-completion")
        assert ticket.data["score"] == "91" and ticket.data["exam_date"] == "2026-11-24"


def as_posted(ticket, **typed) -> dict:
    """The review page's fields of one draft as the browser posts them: what it was prefilled
    with, and what the TL typed."""
    values = {**ticket.data, **typed}
    return {f"t{ticket.pk}-{f.name}": values.get(f.name, "") for f in ticket.ticket_type.fields.all()}


class TestReviewAndSubmit:
    def url(self, agent):
        return reverse("tickets:review", args=[agent.cohort.pk])

    def test_one_submit_sends_every_complete_draft_and_keeps_the_rest_with_their_fields_marked(
        self, client_for, tl1, agent1, tasks, mailoutbox, django_capture_on_commit_callbacks
    ):
        TicketType.objects.update(destination_email="forms@example.com")
        set_task_status(agent=agent1, task=tasks["ahip"], status=Status.COMPLETE, expected_version=0, by=tl1)
        set_task_status(
            agent=agent1, task=tasks["call-cert"], status=Status.COMPLETE, expected_version=0, by=tl1
        )
        completion = Ticket.objects.get(ticket_type__code="carrier-cert-completion")
        call = Ticket.objects.get(ticket_type__code="call-certification")
        client = client_for(tl1)
        page = client.get(self.url(agent1)).content.decode()
        assert "Review and submit: 2 drafts" in page and f'name="t{call.pk}-certifier"' in page
        data = {**as_posted(completion, score="88"), **as_posted(call, certifier="")}  # still missing
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(self.url(agent1), data)
        assert response.status_code == 200  # what could go went: a committed write is no error
        html = response.content.decode()
        assert "1 submitted; 1 still needs what is marked below." in html and "Certifier is required." in html
        completion.refresh_from_db()
        call.refresh_from_db()
        assert completion.status == Ticket.Status.SUBMITTED and completion.data["score"] == "88"
        assert (
            call.status == Ticket.Status.DRAFT and call.data["result"] == "Passed"
        )  # what was typed is kept
        assert [m.subject for m in mailoutbox if "Carrier Cert Completion" in m.subject]
        response = client.post(self.url(agent1), {**data, f"t{call.pk}-certifier": "Casey"})
        assert response.status_code == 302 and Ticket.objects.filter(status=Ticket.Status.DRAFT).count() == 0

    def test_a_value_of_the_wrong_kind_writes_nothing(self, client_for, tl1, agent1, tasks):
        set_task_status(agent=agent1, task=tasks["ahip"], status=Status.COMPLETE, expected_version=0, by=tl1)
        ticket = Ticket.objects.get()
        response = client_for(tl1).post(
            self.url(agent1), {f"t{ticket.pk}-exam_date": "soon", f"t{ticket.pk}-carrier": "AHIP"}
        )
        assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.DRAFT and ticket.data["exam_date"] != "soon"

    def test_another_tl_gets_404(self, client_for, tl2, agent1):
        assert client_for(tl2).get(self.url(agent1)).status_code == 404
