import csv
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from attendance.models import AttendanceRecord, Occurrence
from attendance.services import Entry, mark_reported, occurrences_for_wfm, record_attendance
from tests.conftest import MONDAY, TUESDAY, WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def enter(agent, day, by, version=None, **entry):
    return record_attendance(agent=agent, day=day, entry=Entry(**entry), expected_version=version, by=by)


class TestMatrix:
    def url(self, cohort):
        return reverse("attendance:matrix", args=[cohort.pk])

    def test_it_shows_agents_by_days_with_badges(self, client_for, tl1, agent1, week):
        enter(agent1, MONDAY, tl1, arrival=datetime.time(9, 20))
        enter(agent1, TUESDAY, tl1, absent=True)
        response = client_for(tl1).get(self.url(agent1.cohort))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Day 1 · Mon 23 Nov" in html and "Day 5 · Fri 27 Nov" in html
        assert "Late</span>" in html and "Absent all day</span>" in html and "not taken" in html

    def test_csv_export_follows_the_columns_and_writes_text(self, client_for, tl1, agent1, week):
        enter(agent1, MONDAY, tl1, arrival=datetime.time(9, 20), departure=datetime.time(13, 0))
        response = client_for(tl1).get(self.url(agent1.cohort), {"_export": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:4] == ["Agent", "Employee ID", "Occurrences", "Day 1 · Mon 23 Nov"]
        assert rows[1][0] == "Alice Archer"
        assert rows[1][2] == "2"
        assert rows[1][3] == "Late; Left early, partial day"
        assert rows[1][4] == ""

    def test_xlsx_export_opens_as_a_workbook(self, client_for, wfm1, agent1, week):
        response = client_for(wfm1).get(self.url(agent1.cohort), {"_export": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["A1"].value == "Agent" and sheet["A2"].value == "Alice Archer"

    @pytest.mark.parametrize(
        "who, status", [("wfm1", 200), ("mgr1", 200), ("pm1", 200), ("tl2", 404), ("pm2", 404)]
    )
    def test_access(self, request, client_for, who, status, cohort1, week):
        assert client_for(request.getfixturevalue(who)).get(self.url(cohort1)).status_code == status

    def test_queries_do_not_grow_with_agents_or_days(self, client_for, tl1, cohort1, week, count_queries):
        client = client_for(tl1)
        agents = AgentFactory.create_batch(2, cohort=cohort1)
        enter(agents[0], MONDAY, tl1, arrival=datetime.time(9))
        few = count_queries(lambda: client.get(self.url(cohort1)))
        agents += AgentFactory.create_batch(20, cohort=cohort1)
        for agent in agents:
            for day in (MONDAY, TUESDAY, WEDNESDAY):
                if not AttendanceRecord.objects.filter(agent=agent, day=day).exists():
                    enter(agent, day, tl1, arrival=datetime.time(9, 30))
        many = count_queries(lambda: client.get(self.url(cohort1)))
        assert few == many


class TestAgentAttendance:
    def url(self, agent):
        return reverse("attendance:agent", args=[agent.pk])

    def test_it_lists_each_day_with_totals(self, client_for, tl1, agent1, week):
        enter(agent1, MONDAY, tl1, arrival=datetime.time(9, 20))
        enter(agent1, TUESDAY, tl1, absent=True, excused=True, excused_reason="Flu")
        enter(agent1, WEDNESDAY, tl1, arrival=datetime.time(9, 11), departure=datetime.time(17, 0))
        response = client_for(tl1).get(self.url(agent1))
        totals = dict(response.context["totals"])
        assert totals["Late"] == 2 and totals["Absent all day"] == 1 and totals["Left early"] == 1
        assert response.context["excused_count"] == 1
        html = response.content.decode()
        assert "09:20" in html and "Flu" in html

    @pytest.mark.parametrize("who, status", [("wfm1", 200), ("mgr1", 200), ("tl2", 404), ("pm2", 404)])
    def test_access(self, request, client_for, who, status, agent1, week):
        assert client_for(request.getfixturevalue(who)).get(self.url(agent1)).status_code == status


def report(rows, header=("Employee ID", "Date", "First Login", "Last Logout")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


class TestTimekeepingImport:
    def url(self, cohort):
        return reverse("attendance:timekeeping_import", args=[cohort.pk])

    def upload(self, client, cohort, content, start=MONDAY, end=WEDNESDAY):
        return client.post(
            self.url(cohort),
            {
                "file": SimpleUploadedFile("logins.csv", content),
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
        )

    def test_a_good_report_fills_the_days(self, client_for, tl1, agent1, week):
        other = AgentFactory(cohort=agent1.cohort, employee_id="X77")
        enter(agent1, MONDAY, tl1, arrival=datetime.time(9))  # updated by the import
        content = report(
            [
                [agent1.employee_id, "2026-11-23", "09:31", "17:30"],
                [agent1.employee_id, "11/24/2026", "9:02 AM", "1:00 PM"],
                ["X77", "2026-11-25", "08:58:10", ""],
            ]
        )
        client = client_for(tl1)
        preview = self.upload(client, agent1.cohort, content)
        assert preview.status_code == 200
        assert not AttendanceRecord.objects.filter(day=TUESDAY).exists()
        html = preview.content.decode()
        monday_row = re.search(r'<tr id="punch-2".*?</tr>', html, re.S).group(0)
        assert "09:00–—" in monday_row and "09:31–17:30" in monday_row  # entered and reported, both shown
        assert f'name="replace" value="{agent1.pk}|2026-11-23"' in monday_row
        confirm = reverse("attendance:timekeeping_confirm", args=[agent1.cohort.pk])
        # The entered 09:00 is replaced only because the TL ticks it.
        data = {"payload": preview.context["payload"], "replace": f"{agent1.pk}|2026-11-23"}
        assert client.post(confirm, data).status_code == 302
        monday = AttendanceRecord.objects.get(agent=agent1, day=MONDAY)
        assert monday.arrival_occurrence == Occurrence.LATE and monday.version == 2
        tuesday = AttendanceRecord.objects.get(agent=agent1, day=TUESDAY)
        assert tuesday.departure_occurrence == Occurrence.LEFT_EARLY_PARTIAL
        assert tuesday.history.get().history_change_reason == "Timekeeping import"
        wednesday = AttendanceRecord.objects.get(agent=other, day=WEDNESDAY)
        assert wednesday.occurrences == [] and wednesday.departed_at is None

    def test_one_bad_row_writes_nothing_and_names_the_row(self, client_for, tl1, agent1, agent2, week):
        content = report(
            [
                [agent1.employee_id, "2026-11-23", "09:31", "17:30"],
                [agent1.employee_id, "2026-11-24", "10:00", "09:00"],
                [agent2.employee_id, "2026-11-24", "09:00", "17:00"],  # West's agent: skipped
                [agent1.employee_id, "2026-11-26", "09:00", "17:00"],
            ]
        )
        response = self.upload(client_for(tl1), agent1.cohort, content, end=datetime.date(2026, 11, 27))
        assert response.status_code == 400
        errors = dict(response.context["result"].errors)
        assert errors[3] == "Last logout is not after first login."
        assert "is in the future" in errors[5]
        assert 2 not in errors and 4 not in errors
        assert "Row 3: Last logout is not after first login." in response.content.decode()
        assert not AttendanceRecord.objects.exists()

    def test_a_company_wide_report_skips_and_counts_other_peoples_rows(
        self, client_for, tl1, agent1, agent2, week
    ):
        """Rows of other cohorts' agents and of people who are no agent are skipped and counted,
        not the whole file refused; an excused day is shown beside the report and kept."""
        enter(agent1, TUESDAY, tl1, arrival=datetime.time(9, 12), excused=True, excused_reason="Dentist")
        content = report(
            [
                [agent1.employee_id, "2026-11-24", "09:30", "17:30"],
                [agent2.employee_id, "2026-11-24", "09:00", "17:00"],
                ["Z999", "2026-11-24", "08:00", "16:00"],
            ]
        )
        client = client_for(tl1)
        preview = self.upload(client, agent1.cohort, content)
        html = preview.content.decode()
        assert (
            preview.status_code == 200 and "2 rows of people who are not agents of East are skipped" in html
        )
        assert "09:12–—" in html and "excused: Dentist" in html and "09:30–17:30" in html
        confirm = reverse("attendance:timekeeping_confirm", args=[agent1.cohort.pk])
        client.post(confirm, {"payload": preview.context["payload"]})  # not ticked
        kept = AttendanceRecord.objects.get(agent=agent1, day=TUESDAY)
        assert kept.arrived_at.astimezone(agent1.cohort.tzinfo).time() == datetime.time(9, 12)
        assert not AttendanceRecord.objects.filter(agent=agent2).exists()
        only_others = self.upload(
            client, agent1.cohort, report([[agent2.employee_id, "2026-11-24", "09:00", ""]])
        )
        assert only_others.status_code == 400
        assert "No row of the report is an agent of East (1 row of other people skipped)" in (
            only_others.content.decode()
        )

    def test_wrong_columns_are_named(self, client_for, tl1, agent1, week):
        response = self.upload(client_for(tl1), agent1.cohort, report([["1", "2"]], header=("id", "when")))
        assert response.status_code == 400
        assert (
            "Wrong columns: missing employee id, date, first login, last logout" in response.content.decode()
        )

    def test_a_range_ending_before_it_starts_is_refused_beside_the_field(self, client_for, tl1, agent1, week):
        response = self.upload(client_for(tl1), agent1.cohort, report([]), start=WEDNESDAY, end=MONDAY)
        assert response.status_code == 400
        assert "must not be before the first day" in response.context["form"].errors["end"][0]

    @pytest.mark.parametrize("who", ["tl2", "wfm1", "mgr1"])
    def test_others_get_404(self, request, client_for, who, agent1, week):
        client = client_for(request.getfixturevalue(who))
        assert client.get(self.url(agent1.cohort)).status_code == 404
        confirm = reverse("attendance:timekeeping_confirm", args=[agent1.cohort.pk])
        assert client.post(confirm, {"payload": "x"}).status_code == 404


class TestWhatWfmIsTold:
    def test_new_occurrences_per_cohort_then_nothing_once_reported(self, tl1, tl2, agent1, agent2, week):
        enter(agent1, WEDNESDAY, tl1, arrival=datetime.time(9, 30))
        enter(agent2, WEDNESDAY, tl2, absent=True)
        present = AgentFactory(cohort=agent1.cohort)
        enter(present, WEDNESDAY, tl1, arrival=datetime.time(9))
        report_ = occurrences_for_wfm(WEDNESDAY)
        assert [(c.cohort.name, [r.agent.first_name for r in c.new], c.corrected) for c in report_] == [
            ("East", ["Alice"], []),
            ("West", ["Bob"], []),
        ]
        sent = [r for c in report_ for r in c.new]
        assert mark_reported(sent, at=sent[0].updated_at) == 2
        assert occurrences_for_wfm(WEDNESDAY) == []

    def test_a_correction_after_reporting_is_listed_as_corrected(self, tl1, agent1, week):
        record = enter(agent1, TUESDAY, tl1, arrival=datetime.time(9, 30))
        mark_reported([record], at=record.updated_at)
        enter(agent1, TUESDAY, tl1, version=record.version, arrival=datetime.time(9, 0))  # no occurrence now
        (cohort_report,) = occurrences_for_wfm(WEDNESDAY)
        assert cohort_report.new == []
        assert [r.pk for r in cohort_report.corrected] == [record.pk]
        assert cohort_report.corrected[0].occurrences == []

    def test_an_edit_made_while_reporting_stays_pending(self, tl1, agent1, week):
        record = enter(agent1, WEDNESDAY, tl1, arrival=datetime.time(9, 30))
        listed = occurrences_for_wfm(WEDNESDAY)[0].new
        enter(agent1, WEDNESDAY, tl1, version=record.version, arrival=datetime.time(9, 45))
        assert mark_reported(listed, at=record.updated_at) == 0
        assert occurrences_for_wfm(WEDNESDAY)[0].new[0].version == 2

    def test_it_runs_a_fixed_number_of_queries(self, tl1, cohort1, week, django_assert_num_queries):
        for agent in AgentFactory.create_batch(10, cohort=cohort1):
            enter(agent, WEDNESDAY, tl1, absent=True)
        with django_assert_num_queries(1):
            occurrences_for_wfm(WEDNESDAY)
