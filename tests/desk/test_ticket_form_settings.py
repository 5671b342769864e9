"""Ticket forms in the Settings (issue: settings, point 4): an admin adds a choice-from-a-list
field, and the TL gets a select with its options; a choice without options and a bad address are
refused beside their fields; the form's changes are kept in its history."""

import re

import pytest
from django.urls import reverse

from tickets.models import TicketField, TicketType
from tickets.services import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp_admin(django_user_model):
    return django_user_model.objects.create_user("espadmin", "esp.admin@example.com", "pw", is_staff=True)


def post_data(ticket_type, **extra_field):
    """The form's page as posted: the type, its fields unchanged, and one new field."""
    fields = list(ticket_type.fields.all())
    data = {
        "name": ticket_type.name, "description": ticket_type.description,
        "destination_email": ticket_type.destination_email or "forms@example.com", "active": "on",
        "fields-TOTAL_FORMS": str(len(fields) + 1), "fields-INITIAL_FORMS": str(len(fields)),
        "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, f in enumerate(fields):
        values = {
            "id": f.pk, "ticket_type": ticket_type.pk, "position": f.position, "label": f.label,
            "name": f.name, "kind": f.kind, "options": f.options, "help_text": f.help_text,
        }  # fmt: skip
        data |= {f"fields-{i}-{k}": str(v) for k, v in values.items()}
        if f.required:
            data[f"fields-{i}-required"] = "on"
    n = len(fields)
    new = {
        "position": "99",
        "label": "",
        "name": "",
        "kind": "text",
        "options": "",
        "help_text": "",
    } | extra_field
    data |= {f"fields-{n}-{k}": v for k, v in new.items()} | {f"fields-{n}-ticket_type": str(ticket_type.pk)}
    return data


def test_a_choice_field_added_by_the_admin_is_a_select_for_the_tl(client_for, esp_admin, tl1, agent1, week):
    ticket_type = TicketType.objects.filter(active=True).first()
    url = reverse("desk:settings_ticket_form", args=[ticket_type.pk])
    added = post_data(
        ticket_type, label="Carrier", name="carrier_choice", kind="choice", options="Aetna\nHumana"
    )
    response = client_for(esp_admin).post(url, added)
    assert response.status_code == 302, response.content.decode()[:2000]
    field = TicketField.objects.get(ticket_type=ticket_type, name="carrier_choice")
    assert field.choices == ["Aetna", "Humana"] and field.history.first().history_user == esp_admin
    ticket = draft(type_code=ticket_type.code, agent=agent1, values={}, source_key=None, by=tl1)
    page = client_for(tl1).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    select = re.search(r'<select name="carrier_choice".*?</select>', page, re.S).group(0)
    assert (
        '<option value="Aetna">Aetna</option>' in select
        and '<option value="Humana">Humana</option>' in select
    )
    preview = client_for(esp_admin).get(url).content.decode()
    assert 'name="carrier_choice"' in preview.split('id="preview-heading"')[1]  # as the TL sees it


def test_a_choice_without_options_and_a_bad_address_are_refused_beside_their_fields(client_for, esp_admin):
    ticket_type = TicketType.objects.filter(active=True).first()
    url = reverse("desk:settings_ticket_form", args=[ticket_type.pk])
    data = post_data(ticket_type, label="Carrier", name="carrier_choice", kind="choice")
    data["destination_email"] = "forms@"
    response = client_for(esp_admin).post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "A choice from a list needs its options: one per line." in html
    assert "Enter a valid email address." in html
    assert not TicketField.objects.filter(name="carrier_choice").exists()
