"""Exports agree with each other and with the pages (issue: PMs, WFM and production, point 7):
"Excused" was False in one, a cross mark in another and "no" in a third; XLSX dates were text;
every sheet was named "Tablib Dataset"."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from attendance.services import Entry, occurrences_for_wfm, record_attendance
from notifications.digest import digest_csv
from tests.conftest import MONDAY, TUESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_days(tl1, agent1, week):
    other = AgentFactory(cohort=agent1.cohort, first_name="Ben", last_name="Brook")
    excused = Entry(absent=True, excused=True, excused_reason="Jury duty")
    record_attendance(agent=agent1, day=MONDAY, entry=excused, expected_version=None, by=tl1)
    late = Entry(arrival=datetime.time(9, 40))
    record_attendance(agent=other, day=TUESDAY, entry=late, expected_version=None, by=tl1)


def export(client, url, fmt):
    return client.get(url, {"_export": fmt}).content


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def xlsx_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    return sheet.title, [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


def test_excused_reads_the_same_on_the_page_in_csv_in_xlsx_and_in_the_digest(client_for, wfm1, two_days):
    client, url = client_for(wfm1), reverse("attendance:wfm")
    page = client.get(url).content.decode()
    assert ">yes</td>" in page and ">no</td>" in page and "✔" not in page and "✘" not in page
    assert sorted(r["Excused"] for r in csv_rows(export(client, url, "csv"))) == ["no", "yes"]
    assert sorted(r["Excused"] for r in xlsx_rows(export(client, url, "xlsx"))[1]) == ["no", "yes"]
    digest = csv_rows(digest_csv(occurrences_for_wfm(TUESDAY)).encode())
    assert sorted(r["Excused"] for r in digest) == ["no", "yes"]


def test_xlsx_dates_are_dates_and_sheets_are_named(client_for, wfm1, tl1, two_days, cohort1):
    client, url = client_for(wfm1), reverse("attendance:wfm")
    title, rows = xlsx_rows(export(client, url, "xlsx"))
    assert title == "Attendance occurrences"
    assert sorted(r["Day"].date() for r in rows) == [MONDAY, TUESDAY]  # real dates, not text
    assert sorted(r["Day"] for r in csv_rows(export(client, url, "csv"))) == ["2026-11-23", "2026-11-24"]
    tl = client_for(tl1)
    tracker = export(tl, reverse("certifications:tracker", args=[cohort1.pk]), "xlsx")
    assert xlsx_rows(tracker)[0] == f"Tracker {cohort1.name}"
    matrix = export(tl, reverse("attendance:matrix", args=[cohort1.pk]), "xlsx")
    assert xlsx_rows(matrix)[0] == f"Attendance {cohort1.name}"


def test_xlsx_times_are_times_in_the_cohorts_zone(client_for, wfm1, two_days):
    client, url = client_for(wfm1), reverse("attendance:wfm")
    _, rows = xlsx_rows(export(client, url, "xlsx"))
    late = next(r for r in rows if r["Agent"] == "Ben Brook")
    assert late["Arrived"] == datetime.time(9, 40)  # a time cell, 09:40 in New York (14:40 UTC)
    assert next(r for r in rows if r["Agent"] != "Ben Brook")["Arrived"] is None  # absent: an empty cell
    assert "09:40" in client.get(url).content.decode()
