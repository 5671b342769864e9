"""The Django admin, kept for superusers and tidied (issue: settings, point 7): nothing that
history depends on can be deleted there, a cohort's agents come without delete boxes, rules show
readable occurrence names, and the login-throttling logs are grouped apart from the ESP data."""

import pytest
from django.contrib import admin
from django.urls import reverse

from attendance.models import AttendanceRecord, CorrectiveAction, CorrectiveLevel, EscalationRule
from certifications.models import Task, TaskStatus
from cohorts.models import Agent, Cohort, Schedule
from tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db

KEPT = [Cohort, Agent, Task, TaskStatus, AttendanceRecord, CorrectiveAction, CorrectiveLevel, EscalationRule]
KEPT += [Ticket, TicketType, Schedule]


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.mark.parametrize("model", KEPT, ids=lambda m: m.__name__)
def test_nothing_history_depends_on_can_be_deleted_in_the_admin(rf, superuser_client, model):
    assert admin.site._registry[model].has_delete_permission(rf.get("/")) is False
    obj = model.objects.first()
    if obj is not None:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
        assert superuser_client.post(url, {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=obj.pk).exists()


def test_a_cohorts_agents_have_no_delete_boxes_and_rules_read_plainly(superuser_client, agent1):
    page = superuser_client.get(
        reverse("admin:cohorts_cohort_change", args=[agent1.cohort_id])
    ).content.decode()
    assert agent1.last_name in page and "-DELETE" not in page
    rules = superuser_client.get(reverse("admin:attendance_escalationrule_changelist")).content.decode()
    assert "Late, partial day" in rules or "Absent all day" in rules
    assert "late_partial" not in rules.split("<tbody>", 1)[1]


def test_the_login_throttling_logs_are_grouped_apart(superuser_client):
    index = superuser_client.get(reverse("admin:index")).content.decode()
    assert "Login throttling (logs)" in index
