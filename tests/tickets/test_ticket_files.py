"""A ticket form's file field (issue: settings, point 4): an admin adds one in the form builder;
the TL sees a file input and gives a screenshot or PDF, checked by its content and size beside
the field; the file is kept, served only to those who may read the ticket, and sent with the
submitted ticket's email."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.certifications.conftest import PNG
from tickets.models import Ticket, TicketAttachment, TicketField, TicketType
from tickets.services import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp_admin(django_user_model):
    return django_user_model.objects.create_user("espadmin", "esp.admin@example.com", "pw", is_staff=True)


@pytest.fixture
def equipment_form(db):
    """A form with a required text and a required file, emailed to IT."""
    ticket_type = TicketType.objects.create(
        name="Equipment issue", code="equipment-issue", destination_email="it@example.com"
    )
    TicketField.objects.create(
        ticket_type=ticket_type, name="issue", label="Issue", required=True, position=0
    )
    TicketField.objects.create(
        ticket_type=ticket_type, name="screenshot", label="Screenshot", kind="file", required=True, position=1
    )
    return ticket_type


@pytest.fixture
def ticket(equipment_form, agent1, tl1):
    return draft(type_code=equipment_form.code, agent=agent1, values={}, source_key=None, by=tl1)


def test_the_builder_adds_a_file_field_that_the_tl_sees_as_a_file_input(client_for, esp_admin, agent1, tl1):
    ticket_type = TicketType.objects.get(code="carrier-ticket")
    fields = list(ticket_type.fields.all())
    data = {
        "name": ticket_type.name,
        "destination_email": "carriers@example.com",
        "active": "on",
        "fields-TOTAL_FORMS": str(len(fields) + 1),
        "fields-INITIAL_FORMS": str(len(fields)),
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
    }
    for n, f in enumerate(fields):
        data |= {
            f"fields-{n}-id": str(f.pk),
            f"fields-{n}-name": f.name,
            f"fields-{n}-label": f.label,
            f"fields-{n}-kind": f.kind,
            f"fields-{n}-position": str(f.position),
            f"fields-{n}-options": f.options,
            f"fields-{n}-help_text": f.help_text,
        } | ({f"fields-{n}-required": "on"} if f.required else {})
    n = len(fields)
    data |= {
        f"fields-{n}-name": "error_screenshot",
        f"fields-{n}-label": "Error screenshot",
        f"fields-{n}-kind": "file",
        f"fields-{n}-position": "99",
    }
    page = client_for(esp_admin).post(reverse("desk:settings_ticket_form", args=[ticket_type.pk]), data)
    assert page.status_code == 302, page.context and page.context["fields"].errors
    assert ticket_type.fields.get(name="error_screenshot").kind == TicketField.Kind.FILE
    ticket = draft(type_code="carrier-ticket", agent=agent1, values={}, source_key=None, by=tl1)
    html = client_for(tl1).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="error_screenshot"' in html and 'accept=".png,.jpg,.jpeg,.pdf' in html


def test_a_screenshot_is_kept_shown_and_served_only_to_those_who_read_the_ticket(
    client_for, ticket, tl1, tl2, pm1
):
    url = reverse("tickets:detail", args=[ticket.pk])
    upload = SimpleUploadedFile("headset error.png", PNG, content_type="image/png")
    page = client_for(tl1).post(url, {"save": "1", "issue": "Headset dead", "screenshot": upload})
    assert page.status_code == 302
    ticket.refresh_from_db()
    assert ticket.data["screenshot"] == "headset error.png" and ticket.status == Ticket.Status.DRAFT
    attachment = TicketAttachment.objects.get(ticket=ticket)
    assert (attachment.content_type, attachment.size, attachment.uploaded_by) == ("image/png", len(PNG), tl1)
    html = client_for(tl1).get(url).content.decode()
    assert reverse("tickets:file", args=[attachment.pk]) in html and "Now: headset error.png." in html
    served = client_for(pm1).get(reverse("tickets:file", args=[attachment.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert served["Content-Type"] == "image/png" and "attachment" in served["Content-Disposition"]
    assert client_for(tl2).get(reverse("tickets:file", args=[attachment.pk])).status_code == 404
    assert client_for(None).get(reverse("tickets:file", args=[attachment.pk])).status_code == 302


def test_a_file_that_is_no_screenshot_or_pdf_is_refused_beside_the_field(client_for, ticket, tl1):
    url = reverse("tickets:detail", args=[ticket.pk])
    upload = SimpleUploadedFile(
        "report.png", b"MZ\x90\x00 an executable, named .png", content_type="image/png"
    )
    page = client_for(tl1).post(url, {"save": "1", "issue": "Headset dead", "screenshot": upload})
    assert page.status_code == 400
    assert page.context["form"].errors["screenshot"] == [
        "The file must be a PNG or JPEG screenshot or a PDF; this file is none of them."
    ]
    assert not TicketAttachment.objects.exists()
    ticket.refresh_from_db()
    assert ticket.data.get("issue", "") == ""  # nothing half-written


def test_a_required_file_is_asked_for_then_sent_with_the_ticket(
    client_for, ticket, tl1, django_capture_on_commit_callbacks
):
    url = reverse("tickets:detail", args=[ticket.pk])
    client = client_for(tl1)
    page = client.post(url, {"submit": "1", "issue": "Headset dead"})
    assert page.status_code == 400
    assert page.context["form"].errors["screenshot"] == ["Screenshot is required."]
    upload = SimpleUploadedFile(
        "proof.pdf", b"%PDF-1.4 the screenshot as a PDF", content_type="application/pdf"
    )
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, {"submit": "1", "issue": "Headset dead", "screenshot": upload})
    assert page.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.SUBMITTED
    (message,) = mail.outbox
    assert message.to == ["it@example.com"] and "Screenshot: proof.pdf" in message.body
    assert [(name, ctype) for name, _, ctype in message.attachments] == [("proof.pdf", "application/pdf")]
