import csv
import io

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cohorts.models import Agent
from cohorts.services import read_roster
from cohorts.views import ROSTER_SIGNING_SALT

pytestmark = pytest.mark.django_db

HEADER = ["First Name", "Last Name", "Employee ID", "Email", "Phone", "Equipment"]


def roster_rows(n: int, start: int = 1) -> list[list[str]]:
    return [
        [f"First{i}", f"Last{i}", f"R{i:04d}", f"agent{i}@example.com", f"555-{i:04d}", "Company"]
        for i in range(start, start + n)
    ]


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class TestReadRoster:
    def test_a_good_file_gives_every_row(self):
        result = read_roster(csv_bytes(roster_rows(30)))
        assert result.ok and not result.errors
        assert len(result.rows) == 30
        assert result.rows[0].row == 2  # the header is row 1
        assert result.rows[0].equipment_source == "company"

    def test_one_bad_row_is_named_with_its_problem(self):
        rows = roster_rows(30)
        rows[11][3] = "not-an-email"
        result = read_roster(csv_bytes(rows))
        assert not result.ok
        assert [(e.row, e.message) for e in result.errors] == [
            (13, "Email “not-an-email” is not a valid email address.")
        ]

    def test_every_problem_of_a_row_is_listed(self):
        rows = roster_rows(2)
        rows[1][0] = ""
        rows[1][5] = "Laptop"
        result = read_roster(csv_bytes(rows))
        assert result.errors[0].row == 3
        assert "First name is missing" in result.errors[0].message
        assert "equipment “Laptop” must be Company or Personal" in result.errors[0].message

    def test_a_duplicate_employee_id_in_the_file_names_both_rows(self):
        rows = roster_rows(3)
        rows[2][2] = rows[0][2]
        result = read_roster(csv_bytes(rows))
        assert [(e.row, e.message) for e in result.errors] == [(4, "Employee ID R0001 is also on row 2.")]

    def test_an_employee_id_already_in_the_database_is_refused(self, agent2):
        rows = roster_rows(2)
        rows[1][2] = agent2.employee_id
        result = read_roster(csv_bytes(rows))
        assert not result.ok
        assert result.errors[0].row == 3
        assert "already belongs to an agent in cohort West" in result.errors[0].message

    def test_an_empty_file_is_refused(self):
        assert read_roster(b"").errors[0].message == "The file is empty."
        assert read_roster(b"\n\n").errors[0].message == "The file is empty."

    def test_a_header_without_rows_is_refused(self):
        assert "no agents" in read_roster(csv_bytes([])).errors[0].message

    def test_wrong_columns_are_named(self):
        result = read_roster(csv_bytes(roster_rows(2), header=["Name", "ID", "Email", "Phone", "Kit", "X"]))
        message = result.errors[0].message
        assert result.errors[0].row is None
        assert message.startswith("Wrong columns: missing first name, last name, employee ID, equipment.")

    def test_a_file_that_is_not_a_table_is_refused(self):
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
        assert "not a table" in read_roster(png).errors[0].message
        fake_zip = b"PK\x03\x04" + b"not really a workbook" * 10
        assert "not a table" in read_roster(fake_zip).errors[0].message

    def test_an_xlsx_workbook_is_read_with_numeric_ids(self):
        rows = roster_rows(3)
        rows[0][2] = 12345  # Excel keeps typed numbers as numbers
        result = read_roster(xlsx_bytes(rows))
        assert result.ok
        assert [r.employee_id for r in result.rows] == ["12345", "R0002", "R0003"]

    def test_blank_lines_and_header_spellings_are_tolerated(self):
        content = csv_bytes(
            roster_rows(2), header=["first_name", "LAST NAME", "Employee Id", "E-mail", "Phone", "equipment"]
        )
        result = read_roster(content + b",,,,,\n")
        assert result.ok and len(result.rows) == 2


class TestRosterImportViews:
    def upload_url(self, cohort):
        return reverse("cohorts:roster_import", args=[cohort.pk])

    def confirm_url(self, cohort):
        return reverse("cohorts:roster_import_confirm", args=[cohort.pk])

    def upload(self, client, cohort, content: bytes, name="roster.csv"):
        return client.post(self.upload_url(cohort), {"file": SimpleUploadedFile(name, content)})

    def test_a_good_file_is_previewed_then_written_whole(self, client_for, tl1, cohort1):
        client = client_for(tl1)
        preview = self.upload(client, cohort1, csv_bytes(roster_rows(30)))
        assert preview.status_code == 200
        assert "30 agents ready to import" in preview.content.decode()
        assert not Agent.objects.exists()  # nothing is written by the preview

        response = client.post(self.confirm_url(cohort1), {"payload": preview.context["payload"]})
        assert response.status_code == 302
        assert Agent.objects.filter(cohort=cohort1).count() == 30
        agent = Agent.objects.get(employee_id="R0001")
        record = agent.history.get()
        assert record.history_user == tl1 and record.history_change_reason == "Roster import"

    def test_a_30_row_file_with_one_bad_row_writes_nothing_and_names_it(self, client_for, tl1, cohort1):
        rows = roster_rows(30)
        rows[19][2] = ""
        response = self.upload(client_for(tl1), cohort1, csv_bytes(rows))
        assert response.status_code == 400
        assert "Row 21: Employee ID is missing." in response.content.decode()
        assert "payload" not in response.context
        assert not Agent.objects.exists()

    def test_an_xlsx_file_is_accepted(self, client_for, pm1, cohort1):
        response = self.upload(client_for(pm1), cohort1, xlsx_bytes(roster_rows(4)), name="roster.xlsx")
        assert response.status_code == 200
        assert len(response.context["result"].rows) == 4

    @pytest.mark.parametrize(
        "content, message",
        [
            (b"", "file is empty."),
            (csv_bytes(roster_rows(1), header=["a", "b", "c", "d", "e", "f"]), "Wrong columns"),
            (b"\x89PNG\r\n\x1a\n\x00\x00binary", "This file is not a table."),
        ],
    )
    def test_bad_files_get_a_clear_message(self, client_for, tl1, cohort1, content, message):
        response = self.upload(client_for(tl1), cohort1, content)
        assert response.status_code == 400
        assert message in response.content.decode()

    def test_an_other_kind_of_file_is_refused_beside_the_field(self, client_for, tl1, cohort1):
        response = self.upload(client_for(tl1), cohort1, b"MZ\x90\x00", name="roster.exe")
        assert response.status_code == 400
        assert "Upload a CSV file" in response.context["form"].errors["file"][0]

    def test_an_oversize_file_is_refused(self, client_for, tl1, cohort1, settings):
        settings.ROSTER_UPLOAD_MAX_BYTES = 100
        response = self.upload(client_for(tl1), cohort1, csv_bytes(roster_rows(10)))
        assert response.status_code == 400
        assert "at most" in response.context["form"].errors["file"][0]

    def test_confirm_refuses_get(self, client_for, tl1, cohort1):
        assert client_for(tl1).get(self.confirm_url(cohort1)).status_code == 405

    def test_an_altered_preview_writes_nothing(self, client_for, tl1, cohort1):
        response = client_for(tl1).post(self.confirm_url(cohort1), {"payload": "forged"})
        assert response.status_code == 400
        assert not Agent.objects.exists()

    def test_a_preview_for_another_cohort_is_refused(self, client_for, pm1, cohort1, cohort2):
        client = client_for(pm1)
        preview = self.upload(client, cohort1, csv_bytes(roster_rows(2)))
        response = client.post(self.confirm_url(cohort2), {"payload": preview.context["payload"]})
        assert response.status_code == 403
        assert not Agent.objects.exists()

    def test_ids_taken_since_the_preview_write_nothing(self, client_for, tl1, cohort1, cohort2):
        client = client_for(tl1)
        preview = self.upload(client, cohort1, csv_bytes(roster_rows(3)))
        Agent.objects.create(
            cohort=cohort2, first_name="Late", last_name="Comer", employee_id="R0002", email="l@example.com"
        )
        response = client.post(self.confirm_url(cohort1), {"payload": preview.context["payload"]})
        assert response.status_code == 409
        assert "R0002" in response.content.decode()
        assert Agent.objects.filter(cohort=cohort1).count() == 0

    @pytest.mark.parametrize("who", ["tl2", "pm2", "mgr1", "wfm1"])
    def test_others_get_404(self, request, client_for, who, cohort1):
        client = client_for(request.getfixturevalue(who))
        assert client.get(self.upload_url(cohort1)).status_code == 404
        assert self.upload(client, cohort1, csv_bytes(roster_rows(2))).status_code == 404
        payload = signing.dumps({"cohort": cohort1.pk, "rows": []}, salt=ROSTER_SIGNING_SALT, compress=True)
        assert client.post(self.confirm_url(cohort1), {"payload": payload}).status_code == 404
