"""Finding 7 of the hardening issue: text that starts like a spreadsheet formula (typed, or from a
roster import) never reaches a CSV or XLSX export, or the digest's CSV, as a live formula."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from attendance.services import Entry, occurrences_for_wfm, record_attendance
from certifications.services import save_note
from notifications.digest import digest_csv
from tests.conftest import WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

HOSTILE = {
    "first_name": '=HYPERLINK("http://evil.example","x")',
    "last_name": "+SUM(1)",
    "employee_id": "-2+3",
}


@pytest.fixture
def hostile(cohort1, tl1, week):
    agent = AgentFactory(cohort=cohort1, **HOSTILE)
    save_note(agent=agent, day=WEDNESDAY, text="@cmd|' /C calc'!A0", by=tl1)
    record_attendance(
        agent=agent,
        day=WEDNESDAY,
        entry=Entry(absent=True, excused=True, excused_reason="=1+1"),
        expected_version=None,
        by=tl1,
    )
    return agent


def cells_of(content: bytes, fmt: str) -> list:
    if fmt == "csv":
        return [cell for row in csv.reader(io.StringIO(content.decode())) for cell in row]
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell was written"
    return [c.value for c in cells if c.value is not None]


def assert_safe(values):
    texts = [v for v in values if isinstance(v, str)]
    assert any("HYPERLINK" in t for t in texts), "the hostile agent should be in the export"
    assert not [t for t in texts if t[:1] in ("=", "+", "-", "@")], texts


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheet_formulas_are_neutralised_in_every_export(client_for, tl1, wfm1, cohort1, hostile, fmt):
    tl = client_for(tl1)
    exports = [
        tl.get(reverse("certifications:tracker", args=[cohort1.pk]), {"_export": fmt, "show": "all"}),
        tl.get(reverse("attendance:matrix", args=[cohort1.pk]), {"_export": fmt}),
    ]
    wfm = client_for(wfm1)  # the same test client, now logged in as WFM
    exports.append(wfm.get(reverse("attendance:wfm"), {"_export": fmt, "day": WEDNESDAY.isoformat()}))
    for response in exports:
        assert response.status_code == 200, response.content[:200]
        values = cells_of(response.content, fmt)
        assert_safe(values)
        # Shown as the typed text, with the apostrophe that keeps it text.
        assert "'" + HOSTILE["first_name"] + " " + HOSTILE["last_name"] in values or any(
            v == "'" + HOSTILE["employee_id"] for v in values
        )


def test_the_digest_csv_is_neutralised_too(hostile):
    assert_safe(cells_of(digest_csv(occurrences_for_wfm(WEDNESDAY)).encode(), "csv"))
