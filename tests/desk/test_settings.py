"""Settings an ESP admin runs without a developer (issue: settings, point 5, the schedule): the
area behind a Settings link for admins (staff, not superusers), the schedule's page with its
addresses checked beside the field, a test digest to the admin alone, and its history."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from cohorts.models import Schedule
from notifications.models import Notice
from tickets.models import Playbook, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp_admin(django_user_model):
    """An ESP admin: staff, not a superuser."""
    user = django_user_model.objects.create_user(
        "espadmin", "esp.admin@example.com", "pw", is_staff=True, first_name="Ada", last_name="Admin"
    )
    assert not user.is_superuser
    return user


def form(**changes):
    data = {
        "pm_grace_minutes": "60",
        "digest_time": "23:00",
        "digest_time_zone": "America/New_York",
        "wfm_emails": "wfm@example.com",
    }
    return data | changes


def test_settings_are_linked_for_admins_and_refused_to_others(client_for, esp_admin, tl1, pm1, mgr1):
    page = client_for(esp_admin).get(reverse("desk:settings"))
    assert page.status_code == 200 and reverse("desk:settings_schedule") in page.content.decode()
    assert (
        f'href="{reverse("desk:settings")}"'
        in client_for(esp_admin).get(reverse("cohorts:list")).content.decode()
    )
    for user in (tl1, pm1, mgr1):
        client = client_for(user)
        assert client.get(reverse("desk:settings")).status_code == 403
        assert client.get(reverse("desk:settings_schedule")).status_code == 403
        assert client.post(reverse("desk:settings_schedule"), form()).status_code == 403
        assert (
            f'href="{reverse("desk:settings")}"' not in client.get(reverse("cohorts:list")).content.decode()
        )


def test_the_schedule_is_changed_and_its_history_says_who_and_what(client_for, esp_admin):
    client = client_for(esp_admin)
    changed = form(pm_grace_minutes="45", wfm_emails="wfm@example.com\nlead.wfm@example.com")
    assert client.post(reverse("desk:settings_schedule"), changed).status_code == 302
    schedule = Schedule.current()
    assert schedule.pm_grace_minutes == 45
    assert schedule.wfm_addresses == ["wfm@example.com", "lead.wfm@example.com"]
    page = client.get(reverse("desk:settings_schedule")).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert "Ada Admin" in history and "<del>60</del> → 45" in history
    assert (
        client.post(reverse("desk:settings_schedule"), changed | {"default_end_of_day": "18:00"}).status_code
        == 302
    )
    assert Schedule.current().default_end_of_day == datetime.time(18, 0)
    page = client.get(reverse("desk:settings_schedule")).content.decode()
    assert "Default end of day: <del>—</del> → 18:00<" in page[page.index('id="history-heading"') :]
    assert "a new cohort is given the default above (18:00)" in page


def test_a_bad_address_is_refused_beside_the_field_and_nothing_is_saved(client_for, esp_admin):
    response = client_for(esp_admin).post(
        reverse("desk:settings_schedule"), form(wfm_emails="wfm@example.com\nnot an address\nwfm@")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "Not an email address: “not an address”, “wfm@”." in html
    assert Schedule.current().wfm_addresses == ["wfm@example.com"]


def test_a_test_digest_goes_to_the_admin_alone_and_marks_nothing(
    client_for, esp_admin, digest_ready, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(esp_admin).post(reverse("desk:settings_test_digest"))
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["esp.admin@example.com"] and message.subject.startswith(
        "[Test] Attendance occurrences"
    )
    assert (
        not Notice.objects.filter(kind=Notice.Kind.WFM_DIGEST)
        .exclude(key__startswith="wfm-digest-test:")
        .exists()
    )
    assert digest_ready.refresh_from_db() or digest_ready.reported_version is None  # WFM not yet told


@pytest.fixture
def digest_ready(agent1, tl1, week):
    """A late arrival on Tuesday, whose digest time (23:00 New York) has passed."""
    import datetime

    from attendance.services import Entry, record_attendance
    from tests.conftest import TUESDAY

    return record_attendance(
        agent=agent1, day=TUESDAY, entry=Entry(arrival=datetime.time(9, 30)), expected_version=None, by=tl1
    )


def test_the_formset_pages_size_their_inputs_by_class_not_by_a_style_the_policy_refuses(
    client_for, esp_admin
):
    """The CSP's `style-src 'self'` makes the browser ignore a style attribute: narrow number
    inputs of the ladder, ticket-form and playbook formsets are sized by classes of esp.css."""
    client = client_for(esp_admin)
    pages = {
        reverse("desk:settings_ladder"): "input-6em",
        reverse("desk:settings_ticket_form", args=[TicketType.objects.first().pk]): "input-position",
        reverse("desk:settings_playbook", args=[Playbook.objects.first().pk]): "input-position",
    }
    for url, narrow in pages.items():
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert ' style="' not in html, url
        assert narrow in html, url
