"""The attendance policy in the Settings (issue: settings, point 1): a new version drafted from the
one in force, previewed over past days (records that would change class, recommendations that would
appear, digests that would carry corrections), published without rewriting the past, then a range
reclassified on purpose, previewed first, with exactly the changed records sent as corrections."""

import datetime

import pytest
from django.urls import reverse

from attendance.models import AttendancePolicy, AttendanceRecord, EscalationRule, Reclassification
from attendance.services import Entry, mark_reported, occurrences_for_wfm, record_attendance
from tests.conftest import MONDAY, TUESDAY, WEDNESDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp_admin(django_user_model):
    return django_user_model.objects.create_user("espadmin", "esp.admin@example.com", "pw", is_staff=True)


@pytest.fixture
def days(agent1, tl1, week):
    """Alice: 8 minutes late on Monday (no occurrence at 10), 12 on Tuesday (late), on time on
    Wednesday; WFM was told of Monday and Tuesday. Only the rule of lates in the ESP week (2 make
    coaching) is active, so what the draft changes is what the test sees."""
    EscalationRule.objects.exclude(name="Late or left early in the ESP week").update(active=False)
    made = {}
    for day, minutes in ((MONDAY, 8), (TUESDAY, 12), (WEDNESDAY, 0)):
        entry = Entry(arrival=datetime.time(9, minutes))
        made[day] = record_attendance(agent=agent1, day=day, entry=entry, expected_version=None, by=tl1)
    mark_reported([made[MONDAY], made[TUESDAY]], at=made[TUESDAY].updated_at)
    return made


def draft(**changes):
    data = {
        "effective_from": "2026-11-23",
        "tardy_minutes": "5",
        "partial_day_minutes": "240",
        "note": "Late from 5 minutes",
        "start": "2026-11-23",
        "end": "2026-11-25",
    }
    return data | changes


def test_a_draft_is_previewed_then_published_without_rewriting_the_past(client_for, esp_admin, agent1, days):
    client = client_for(esp_admin)
    url = reverse("desk:settings_policy")
    assert 'value="10"' in client.get(url).content.decode()  # drafted from the version in force
    preview = client.post(url, draft(action="preview"))
    html = preview.content.decode()
    assert preview.status_code == 200 and AttendancePolicy.objects.count() == 1  # nothing saved
    assert '<strong id="preview-changed">1</strong>' in html  # Monday's 8 minutes become late
    assert (
        '<strong id="preview-appear">1</strong> recommendation would appear: Alice Archer (Verbal coaching)'
        in html
    )
    assert '<strong id="preview-corrections">1</strong> record WFM was already told of would go' in html
    assert "as corrections in the next digest once the days are reclassified: Mon 23 Nov (1)." in html

    assert client.post(url, draft(action="publish")).status_code == 302
    assert AttendancePolicy.objects.get(effective_from=MONDAY).created_by == esp_admin
    monday = AttendanceRecord.objects.get(pk=days[MONDAY].pk)
    assert monday.occurrences == [] and monday.policy.tardy_minutes == 10  # the past as it was


def test_a_range_is_reclassified_after_its_preview_and_only_changes_are_corrections(
    client_for, esp_admin, agent1, days
):
    client = client_for(esp_admin)
    client.post(reverse("desk:settings_policy"), draft(action="publish"))
    url = reverse("attendance:reclassify")
    form = {"start": "2026-11-23", "end": "2026-11-25", "reason": "Late from 5 minutes"}
    preview = client.post(url, form | {"action": "preview"}).content.decode()
    assert "Would change: 1 of 3 records" in preview and preview.count('<tr><th scope="row">') == 1
    assert not Reclassification.objects.exists()
    done = client.post(url, form | {"action": "confirm"}).content.decode()
    assert "Reclassified: 1 of 3 records changed class" in done
    monday = AttendanceRecord.objects.get(pk=days[MONDAY].pk)
    assert monday.arrival_occurrence == "late" and monday.policy.tardy_minutes == 5
    tuesday = AttendanceRecord.objects.get(pk=days[TUESDAY].pk)
    assert tuesday.policy.tardy_minutes == 10  # classified the same: left with its version
    (cohort_report,) = occurrences_for_wfm(WEDNESDAY)
    assert [r.pk for r in cohort_report.corrected] == [monday.pk]


def test_a_bad_draft_is_refused_beside_its_field(client_for, esp_admin, days):
    response = client_for(esp_admin).post(
        reverse("desk:settings_policy"), draft(partial_day_minutes="3", action="publish")
    )
    assert response.status_code == 400
    assert "The partial-day threshold must be longer than the late threshold." in response.content.decode()
    assert AttendancePolicy.objects.count() == 1
