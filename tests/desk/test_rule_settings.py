"""Escalation rules in the Settings (issue: settings, point 3): the next version of a rule drafted
from the one in force, with who would be recommended today under it, then published; the old
version stays with what it made."""

import datetime

import pytest
from django.urls import reverse

from attendance.accountability import refresh_recommendations
from attendance.models import EscalationRule, Recommendation
from attendance.services import Entry, record_attendance
from tests.conftest import MONDAY

pytestmark = pytest.mark.django_db

LATES = "Late or left early in the ESP week"


@pytest.fixture
def esp_admin(django_user_model):
    return django_user_model.objects.create_user("espadmin", "esp.admin@example.com", "pw", is_staff=True)


@pytest.fixture
def late_once(agent1, tl1, week):
    """Alice late once (Monday): under the rule in force (2 lates) nothing is recommended."""
    EscalationRule.objects.exclude(name=LATES).update(active=False)
    entry = Entry(arrival=datetime.time(9, 20))
    record_attendance(agent=agent1, day=MONDAY, entry=entry, expected_version=None, by=tl1)
    return agent1


def form(rule, **changes):
    data = {
        "threshold": str(rule.threshold), "kinds": rule.kinds, "window": rule.window, "window_days": "",
        "free_incidents": "0", "level": str(rule.level_id), "note": "One late is enough",
    }  # fmt: skip
    return data | changes


def test_a_rules_next_version_is_previewed_then_published(client_for, esp_admin, late_once):
    rule = EscalationRule.objects.get(name=LATES, active=True)
    client = client_for(esp_admin)
    url = reverse("desk:settings_rule", args=[rule.pk])
    assert refresh_recommendations([late_once]) == []
    preview = client.post(url, form(rule, threshold="1", action="preview"))
    html = preview.content.decode()
    assert preview.status_code == 200 and EscalationRule.objects.filter(name=LATES).count() == 1
    assert '<strong id="rule-appear">1</strong> agent would be recommended a step: Alice Archer, East' in html
    assert client.post(url, form(rule, threshold="1", action="publish")).status_code == 302
    v1, v2 = EscalationRule.objects.filter(name=LATES).order_by("version")
    assert (v1.active, v2.active, v2.version, v2.threshold, v2.created_by) == (False, True, 2, 1, esp_admin)
    (made,) = refresh_recommendations([late_once])
    assert made.rule == v2 and Recommendation.objects.count() == 1
    page = client.get(reverse("desk:settings_rules")).content.decode()
    assert f'href="{reverse("desk:settings_rule", args=[v2.pk])}"' in page


def test_a_draft_counting_nothing_is_refused_beside_the_field(client_for, esp_admin, late_once):
    rule = EscalationRule.objects.get(name=LATES, active=True)
    response = client_for(esp_admin).post(
        reverse("desk:settings_rule", args=[rule.pk]), form(rule, kinds=[], action="publish")
    )
    assert response.status_code == 400
    assert "Choose at least one kind of occurrence to count." in response.content.decode()
    assert EscalationRule.objects.filter(name=LATES).count() == 1
