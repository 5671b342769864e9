"""Finding 8 of the hardening issue: a 600 KB XLSX of 2,000,000 rows held a worker for 120 s
until gunicorn killed it (roster and login-report imports share the reader, with no row cap), and
a 2 MB CSV of 49,025 rows rendered a 6.5 MB preview. Table uploads are now capped by size
unpacked before parsing, by rows and columns, and read with a time limit."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cohorts.models import Agent
from core.uploads import NotATable, read_table
from tests.cohorts.test_roster_import import csv_bytes, roster_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


def huge_workbook(rows: int) -> bytes:
    """A valid workbook of `rows` rows that compresses to a small file, as the attack's did."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(roster_rows(1))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * rows
                start, end = data.index(b"<sheetData>") + len(b"<sheetData>"), data.index(b"</sheetData>")
                data = data[:start] + body + data[end:]
            target.writestr(info.filename, data)
    return out.getvalue()


def roster_upload(client, cohort, content, name):
    url = reverse("cohorts:roster_import", args=[cohort.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_a_small_workbook_of_two_million_rows_is_refused_before_it_is_parsed(client_for, tl1, cohort1):
    content = huge_workbook(2_000_000)
    assert len(content) < 2 * 1024 * 1024  # within the upload limit, as the attack's 600 KB file was
    response = roster_upload(client_for(tl1), cohort1, content, "roster.xlsx")
    assert response.status_code == 400
    assert (
        "This workbook unpacks to 93 MB; a table may be at most 20 MB unpacked." in response.content.decode()
    )
    assert "Save the rows you need as a CSV file." in response.content.decode()
    assert not Agent.objects.exists()


def test_more_rows_than_the_cap_are_refused_with_no_preview(client_for, tl1, cohort1, settings):
    settings.TABLE_MAX_ROWS = 100
    response = roster_upload(client_for(tl1), cohort1, csv_bytes(roster_rows(100)), "roster.csv")
    assert response.status_code == 400  # the header is a row: 101 rows
    body = response.content.decode()
    assert "The file has more than 100 rows; split it, or keep only the rows of this cohort." in body
    assert "R0050" not in body  # no preview of the rows
    assert len(body) < 50_000


def test_a_file_at_the_cap_is_read(settings):
    settings.TABLE_MAX_ROWS = 101
    assert len(read_table(csv_bytes(roster_rows(100)))) == 101


def test_blank_rows_do_not_count_towards_the_cap(settings):
    settings.TABLE_MAX_ROWS = 3
    assert len(read_table(b"a,b\n" + b",\n" * 1000 + b"c,d\n")) == 1002


def test_a_login_report_too_long_is_refused_beside_the_file(client_for, tl1, cohort1, settings):
    settings.TABLE_MAX_ROWS = 10
    lines = ["Employee ID,Date,First login,Last logout"] + [f"E{n},2026-11-23,09:00,17:00" for n in range(20)]
    response = client_for(tl1).post(
        reverse("attendance:timekeeping_import", args=[cohort1.pk]),
        {
            "file": SimpleUploadedFile("logins.csv", "\n".join(lines).encode()),
            "start": "2026-11-23",
            "end": "2026-11-25",
        },
    )
    assert response.status_code == 400
    assert "The file has more than 10 rows" in response.content.decode()


def test_too_many_columns_are_refused(settings):
    settings.TABLE_MAX_COLUMNS = 6
    with pytest.raises(NotATable, match="more than 6 columns"):
        read_table(csv_bytes([row + ["extra"] for row in roster_rows(2)]))
    with pytest.raises(NotATable, match="more than 6 columns"):
        read_table(xlsx_bytes([row + ["extra"] for row in roster_rows(2)]))


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes])
def test_reading_stops_at_the_time_limit(settings, make):
    settings.TABLE_READ_SECONDS = 0
    with pytest.raises(NotATable, match="took too long to read"):
        read_table(make(roster_rows(3)))


def test_an_entity_bomb_in_a_workbook_is_not_a_table():
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(roster_rows(1))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                entities = b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                data = entities + data.replace(b"<t>First1</t>", b"<t>&b;</t>")
            target.writestr(info.filename, data)
    with pytest.raises(NotATable):
        read_table(out.getvalue())
    assert read_table(xlsx_bytes(roster_rows(1)))[1][0] == "First1"  # the same workbook, unharmed, is read
