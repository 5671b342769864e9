"""The ladder's steps and the playbooks in the Settings (issue: settings, points 3 and 4): a CAP's
windows and the approval a step needs, changed with history; a playbook's steps in order, its
contacts checked for their kind, and the steps as the TL works through them."""

import pytest
from django.urls import reverse

from attendance.models import CorrectiveLevel
from tickets.models import Playbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp_admin(django_user_model):
    return django_user_model.objects.create_user("espadmin", "esp.admin@example.com", "pw", is_staff=True)


def ladder_data(**changes):
    levels = list(CorrectiveLevel.objects.order_by("rank"))
    data = {
        "levels-TOTAL_FORMS": str(len(levels)), "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0", "levels-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, level in enumerate(levels):
        values = {
            "id": level.pk, "name": level.name, "response_hours": level.response_hours,
            "appeal_working_days": level.appeal_working_days, "in_force_months": level.in_force_months,
        }  # fmt: skip
        values |= changes.get(level.code, {})
        data |= {f"levels-{i}-{k}": str(v) for k, v in values.items()}
        if values.get("needs_approval", level.needs_approval):
            data[f"levels-{i}-needs_approval"] = "on"
    return data


def test_the_ladders_windows_are_changed_with_history(client_for, esp_admin, tl1):
    client = client_for(esp_admin)
    url = reverse("desk:settings_ladder")
    assert (
        client.post(url, ladder_data(written={"response_hours": 48, "in_force_months": 6})).status_code == 302
    )
    written = CorrectiveLevel.objects.get(code="written")
    assert (written.response_hours, written.in_force_months) == (48, 6)
    assert written.history.first().history_user == esp_admin
    page = client.get(url).content.decode()
    assert "72 → 48" in page.split('id="history-heading"')[1]
    refused = client.post(url, ladder_data(final={"in_force_months": 0}))
    assert refused.status_code == 400 and CorrectiveLevel.objects.get(code="final").in_force_months == 12
    assert client_for(tl1).get(url).status_code == 403


def test_a_playbooks_steps_are_edited_in_order_and_its_contacts_checked(client_for, esp_admin):
    playbook = Playbook.objects.filter(contacts__isnull=False).distinct().first()
    contacts = list(playbook.contacts.all())
    data = {
        "name": playbook.name, "steps": "Restart the laptop\nCall IT", "position": str(playbook.position),
        "opens": str(playbook.opens_id or ""), "contacts-TOTAL_FORMS": str(len(contacts) + 1),
        "contacts-INITIAL_FORMS": str(len(contacts)), "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, c in enumerate(contacts):
        values = {
            "id": c.pk,
            "playbook": playbook.pk,
            "position": c.position,
            "label": c.label,
            "kind": c.kind,
        }
        data |= {f"contacts-{i}-{k}": str(v) for k, v in values.items()} | {f"contacts-{i}-value": c.value}
    n = len(contacts)
    data |= {f"contacts-{n}-playbook": str(playbook.pk), f"contacts-{n}-position": "9"}
    data |= {
        f"contacts-{n}-label": "IT desk",
        f"contacts-{n}-kind": "email",
        f"contacts-{n}-value": "not-an-email",
    }
    client = client_for(esp_admin)
    url = reverse("desk:settings_playbook", args=[playbook.pk])
    refused = client.post(url, data)
    assert refused.status_code == 400 and "Enter an email address." in refused.content.decode()
    data[f"contacts-{n}-value"] = "it@example.com"
    assert client.post(url, data).status_code == 302
    playbook.refresh_from_db()
    assert playbook.step_list == ["Restart the laptop", "Call IT"]
    assert playbook.contacts.filter(label="IT desk", value="it@example.com").exists()
    page = client.get(url).content.decode()
    assert '<ol id="playbook-steps"><li>Restart the laptop</li><li>Call IT</li></ol>' in page
