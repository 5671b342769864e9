import datetime

import pytest
from django.urls import reverse

import attendance.tasks
from attendance.models import AttendancePolicy, AttendanceRecord, Occurrence
from attendance.services import Entry, record_attendance
from tests.conftest import MONDAY, TUESDAY, WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(cohort, day=None):
    url = reverse("attendance:roll_call", args=[cohort.pk])
    return f"{url}?day={day.isoformat()}" if day else url


def save_url(cohort, agent, day=WEDNESDAY):
    return reverse("attendance:roll_call_save", args=[cohort.pk, day, agent.pk])


def row(agent, version=0, **values):
    prefix = f"a{agent.pk}-"
    data = {prefix + "version": version}
    for key, value in values.items():
        if value is True:
            data[prefix + key] = "on"
        elif value not in (False, None):
            data[prefix + key] = value
    return data


class TestRollCallPage:
    def test_it_shows_the_cohorts_today_by_default(self, client_for, tl1, agent1, week):
        response = client_for(tl1).get(page(agent1.cohort))
        assert response.status_code == 200
        assert response.context["day"] == WEDNESDAY
        assert response.context["day_number"] == 3
        assert "Alice Archer" in response.content.decode()
        assert [d.isoformat() for d in response.context["days"]] == ["2026-11-23", "2026-11-24", "2026-11-25"]

    def test_a_day_outside_the_window_is_refused_with_a_message(self, client_for, tl1, cohort1, week):
        response = client_for(tl1).get(page(cohort1, datetime.date(2026, 11, 28)))
        assert response.status_code == 400
        assert "is not one of East's ESP days" in response.context["error"]

    def test_a_future_day_is_refused_with_a_message(self, client_for, tl1, cohort1, week):
        response = client_for(tl1).get(page(cohort1, datetime.date(2026, 11, 26)))
        assert response.status_code == 400
        assert "is in the future" in response.context["error"]

    def test_a_non_date_is_refused(self, client_for, tl1, cohort1, week):
        response = client_for(tl1).get(page(cohort1) + "?day=yesterday")
        assert response.status_code == 400

    @pytest.mark.parametrize("who", ["tl2", "pm2", "mgr1", "wfm1"])
    def test_others_get_404(self, request, client_for, who, cohort1, week):
        assert client_for(request.getfixturevalue(who)).get(page(cohort1)).status_code == 404

    def test_the_pm_may_take_it(self, client_for, pm1, cohort1, week):
        assert client_for(pm1).get(page(cohort1)).status_code == 200

    def test_queries_do_not_grow_with_agents(self, client_for, tl1, cohort1, week, count_queries):
        client = client_for(tl1)
        AgentFactory.create_batch(5, cohort=cohort1)
        client.post(reverse("attendance:mark_all_present", args=[cohort1.pk, WEDNESDAY]))
        few = count_queries(lambda: client.get(page(cohort1)))
        AgentFactory.create_batch(45, cohort=cohort1)
        client.post(reverse("attendance:mark_all_present", args=[cohort1.pk, WEDNESDAY]))
        many = count_queries(lambda: client.get(page(cohort1)))
        assert AttendanceRecord.objects.filter(day=WEDNESDAY).count() == 50
        assert few == many <= 20

    def test_a_read_with_nothing_changed_reads_no_row_and_a_save_shows_at_once(
        self, client_for, tl1, cohort1, week, count_queries
    ):
        """The day's part is cached under the cohort's revision: a second read asks only who the
        user is, the cohort and the policy; a save renews the revision and the count is new."""
        client = client_for(tl1)
        agents = AgentFactory.create_batch(3, cohort=cohort1)
        first = client.get(page(cohort1)).content.decode()
        assert "Mark all present (3 not taken)" in first
        again = count_queries(lambda: client.get(page(cohort1)))
        save = reverse("attendance:roll_call_save", args=[cohort1.pk, WEDNESDAY, agents[0].pk])
        data = {f"a{agents[0].pk}-arrival": "09:00", f"a{agents[0].pk}-version": "0"}
        assert client.post(save, data, HTTP_HX_REQUEST="true").status_code == 200
        after = count_queries(lambda: client.get(page(cohort1)))
        assert "Mark all present (2 not taken)" in client.get(page(cohort1)).content.decode()
        assert again <= 4 < after


class TestMarkAllPresent:
    def url(self, cohort, day=WEDNESDAY):
        return reverse("attendance:mark_all_present", args=[cohort.pk, day])

    def test_it_records_every_attending_agent_once(self, client_for, tl1, cohort1, week):
        AgentFactory.create_batch(4, cohort=cohort1)
        AgentFactory(cohort=cohort1, status="withdrawn")
        client = client_for(tl1)
        assert client.post(self.url(cohort1)).status_code == 302
        records = AttendanceRecord.objects.filter(cohort=cohort1, day=WEDNESDAY)
        assert records.count() == 4
        record = records.first()
        assert record.arrived_at == record.scheduled_start_at
        assert record.occurrences == [] and record.updated_by == tl1
        assert record.history.get().history_user == tl1
        client.post(self.url(cohort1))
        assert records.count() == 4

    def test_it_uses_the_agents_own_shift(self, client_for, tl1, cohort1, week):
        agent = AgentFactory(cohort=cohort1, shift_start=datetime.time(11), shift_end=datetime.time(19))
        client_for(tl1).post(self.url(cohort1))
        record = AttendanceRecord.objects.get(agent=agent)
        assert record.scheduled_start_at == cohort1.local_datetime(WEDNESDAY, datetime.time(11))

    def test_it_refuses_a_future_day(self, client_for, tl1, agent1, week):
        client_for(tl1).post(self.url(agent1.cohort, datetime.date(2026, 11, 27)))
        assert not AttendanceRecord.objects.exists()

    def test_it_refuses_get(self, client_for, tl1, cohort1, week):
        assert client_for(tl1).get(self.url(cohort1)).status_code == 405

    def test_another_tl_gets_404(self, client_for, tl2, agent1, week):
        assert client_for(tl2).post(self.url(agent1.cohort)).status_code == 404
        assert not AttendanceRecord.objects.exists()


class TestRowSave:
    def test_a_late_arrival_saves_and_shows_its_occurrence(self, client_for, tl1, agent1, week):
        response = client_for(tl1).post(save_url(agent1.cohort, agent1), row(agent1, arrival="09:25"), **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith(f'<tr id="row-{agent1.pk}"')
        assert "Late" in html and "Saved" in html
        record = AttendanceRecord.objects.get(agent=agent1)
        assert record.arrival_occurrence == Occurrence.LATE
        assert record.arrived_at == agent1.cohort.local_datetime(WEDNESDAY, datetime.time(9, 25))

    def test_absent_clears_the_times(self, client_for, tl1, agent1, week):
        client_for(tl1).post(
            save_url(agent1.cohort, agent1), row(agent1, arrival="09:00", absent=True), **HTMX
        )
        record = AttendanceRecord.objects.get(agent=agent1)
        assert record.absent and record.arrived_at is None
        assert record.occurrences == [Occurrence.ABSENT]

    def test_an_excused_occurrence_needs_a_reason(self, client_for, tl1, agent1, week):
        client = client_for(tl1)
        response = client.post(
            save_url(agent1.cohort, agent1), row(agent1, absent=True, excused=True), **HTMX
        )
        assert response.status_code == 400
        assert "Say why the occurrence is excused." in response.content.decode()
        assert not AttendanceRecord.objects.exists()
        data = row(agent1, absent=True, excused=True, excused_reason="Doctor")
        assert client.post(save_url(agent1.cohort, agent1), data, **HTMX).status_code == 200
        assert AttendanceRecord.objects.get().excused_reason == "Doctor"

    def test_departure_before_arrival_is_refused_beside_the_field(self, client_for, tl1, agent1, week):
        data = row(agent1, arrival="10:00", departure="09:00")
        response = client_for(tl1).post(save_url(agent1.cohort, agent1), data, **HTMX)
        assert response.status_code == 400
        html = response.content.decode()
        assert "Departure must be after arrival." in html
        assert f'id="id_a{agent1.pk}-departure-error"' in html
        assert not AttendanceRecord.objects.exists()

    def test_a_time_that_is_not_a_time_is_refused(self, client_for, tl1, agent1, week):
        response = client_for(tl1).post(save_url(agent1.cohort, agent1), row(agent1, arrival="25:99"), **HTMX)
        assert response.status_code == 400
        assert "Enter a time such as 09:05." in response.content.decode()
        assert not AttendanceRecord.objects.exists()

    @pytest.mark.parametrize(
        "day, message",
        [(datetime.date(2026, 11, 28), "is not one of"), (datetime.date(2026, 11, 26), "future")],
    )
    def test_a_day_outside_the_window_or_in_the_future_is_refused(
        self, client_for, tl1, agent1, week, day, message
    ):
        response = client_for(tl1).post(
            save_url(agent1.cohort, agent1, day), row(agent1, arrival="09:00"), **HTMX
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not AttendanceRecord.objects.exists()

    def test_another_cohorts_agent_is_refused_and_nothing_written(
        self, client_for, pm1, agent1, agent2, week
    ):
        response = client_for(pm1).post(save_url(agent1.cohort, agent2), row(agent2, arrival="09:00"), **HTMX)
        assert response.status_code == 400
        assert "not in this cohort" in response.content.decode()
        assert not AttendanceRecord.objects.exists()

    def test_another_tl_gets_404(self, client_for, tl2, agent1, week):
        response = client_for(tl2).post(save_url(agent1.cohort, agent1), row(agent1, arrival="09:00"), **HTMX)
        assert response.status_code == 404
        assert not AttendanceRecord.objects.exists()

    def test_get_is_refused(self, client_for, tl1, agent1, week):
        assert client_for(tl1).get(save_url(agent1.cohort, agent1)).status_code == 405

    def test_a_second_editor_is_told_the_record_changed(self, client_for, tl1, pm1, agent1, week):
        # Both loaded the row at version 0; the PM saves first.
        record_attendance(
            agent=agent1, day=WEDNESDAY, entry=Entry(arrival=datetime.time(9, 40)), expected_version=0, by=pm1
        )
        response = client_for(tl1).post(
            save_url(agent1.cohort, agent1), row(agent1, 0, arrival="09:00"), **HTMX
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "changed this record while you were editing" in html
        assert 'value="09:40"' in html  # the row now shows what the PM saved
        record = AttendanceRecord.objects.get()
        assert record.updated_by == pm1 and record.version == 1
        assert record.arrival_occurrence == Occurrence.LATE

    def test_an_edit_at_the_current_version_is_saved_with_history(self, client_for, tl1, agent1, week):
        client = client_for(tl1)
        client.post(save_url(agent1.cohort, agent1), row(agent1, 0, arrival="09:00"), **HTMX)
        client.post(
            save_url(agent1.cohort, agent1), row(agent1, 1, arrival="09:00", departure="12:00"), **HTMX
        )
        record = AttendanceRecord.objects.get()
        assert record.version == 2
        assert record.departure_occurrence == Occurrence.LEFT_EARLY_PARTIAL
        assert record.history.count() == 2

    def test_without_htmx_it_redirects_back_to_the_day(self, client_for, tl1, agent1, week):
        response = client_for(tl1).post(save_url(agent1.cohort, agent1), row(agent1, arrival="09:00"))
        assert response.status_code == 302
        assert response.url.endswith("?day=2026-11-25")

    def test_a_past_esp_day_can_be_corrected(self, client_for, tl1, agent1, week):
        client_for(tl1).post(save_url(agent1.cohort, agent1, MONDAY), row(agent1, arrival="09:30"), **HTMX)
        assert AttendanceRecord.objects.get().day == MONDAY


def test_without_a_policy_in_force_the_roll_call_says_so(client_for, tl1, cohort1, week):
    from attendance.models import AttendancePolicy

    AttendancePolicy.objects.all().delete()
    response = client_for(tl1).get(page(cohort1))
    assert response.status_code == 200
    assert "No attendance policy is in force" in response.context["error"]


def test_without_a_policy_in_force_a_new_day_is_not_saved_and_a_recorded_one_keeps_its_own(
    client_for, tl1, agent1, week
):
    client = client_for(tl1)
    client.post(save_url(agent1.cohort, agent1, MONDAY), row(agent1, arrival="09:30"), **HTMX)
    kept = AttendanceRecord.objects.get()
    AttendancePolicy.objects.exclude(pk=kept.policy_id).delete()
    # None is in force on Monday any more: the day recorded keeps the version that classified it.
    AttendancePolicy.objects.filter(pk=kept.policy_id).update(effective_from=WEDNESDAY)
    response = client.post(save_url(agent1.cohort, agent1, MONDAY), row(agent1, 1, arrival="09:40"), **HTMX)
    assert response.status_code == 200
    kept.refresh_from_db()
    assert (kept.version, kept.arrival_occurrence) == (2, Occurrence.LATE)
    response = client.post(save_url(agent1.cohort, agent1, TUESDAY), row(agent1, arrival="09:00"), **HTMX)
    assert response.status_code == 400
    assert "No attendance policy is in force" in response.content.decode()
    assert AttendanceRecord.objects.count() == 1


def test_times_show_in_the_cohorts_zone(client_for, tl2, agent2, week):
    # West is America/Los_Angeles: the 08:00 shift start is 16:00 UTC.
    agent2.cohort.shift_start = datetime.time(8, 0)
    agent2.cohort.save()
    client = client_for(tl2)
    client.post(reverse("attendance:mark_all_present", args=[agent2.cohort.pk, WEDNESDAY]))
    html = client.get(page(agent2.cohort)).content.decode()
    assert "08:00–17:30" in html and "16:00" not in html
    history = client.get(reverse("attendance:agent", args=[agent2.pk])).content.decode()
    assert "08:00–17:30" in history


def test_the_rules_look_again_only_when_what_they_read_of_the_day_changed(
    tl1, cohort1, week, django_capture_on_commit_callbacks, monkeypatch
):
    """A roll-call save has the escalation rules look again only when the day's class changed
    (an occurrence, an absence, an excuse): a time corrected within its class, or an on-time
    arrival where there was no record, gives them nothing new."""
    agent = AgentFactory(cohort=cohort1)
    looked = []
    rules = attendance.tasks.refresh_recommendations
    monkeypatch.setattr(
        attendance.tasks, "refresh_recommendations", lambda ids: looked.append(ids) or rules(ids)
    )

    def save(version, **entry):
        looked.clear()
        with django_capture_on_commit_callbacks(execute=True):
            record = record_attendance(
                agent=agent, day=WEDNESDAY, entry=Entry(**entry), expected_version=version, by=tl1
            )
        return record, looked

    record, rules_for = save(None, arrival=datetime.time(9, 2))  # within the tardy threshold
    assert (record.occurrences, rules_for) == ([], [])
    record, rules_for = save(record.version, arrival=datetime.time(9, 20))
    assert (record.occurrences, rules_for) == ([Occurrence.LATE], [[agent.pk]])
    record, rules_for = save(record.version, arrival=datetime.time(9, 25))  # still late
    assert (record.occurrences, rules_for) == ([Occurrence.LATE], [])
    record, rules_for = save(record.version, arrival=datetime.time(9, 25), excused=True, excused_reason="Bus")
    assert rules_for == [[agent.pk]]
    record, rules_for = save(record.version, absent=True)
    assert (record.occurrences, rules_for) == ([Occurrence.ABSENT], [[agent.pk]])
