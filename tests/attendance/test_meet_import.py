"""Attendance from Google Meet's attendance report (issue 18, point 1): real-shaped reports, both
the summary and the one-row-per-session form; rejoins merged, a time away shown and confirmed, an
unknown address queued then matched and remembered, entered and excused records kept unless the TL
chooses, the same file twice, the date from the file's name or asked for, a malformed duration."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attendance.meet import day_from_name, parse_duration
from attendance.models import AttendanceGap, AttendancePolicy, AttendanceRecord, MeetAlias, RecordSource
from attendance.services import Entry, record_attendance
from core.converters import parse_clock
from tests.conftest import TUESDAY, WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

HEADER = "First name,Last name,Email,Duration,Time joined,Time exited"
TUESDAY_FILE = "2026-11-24 09:00 ESP East Onboarding - Attendance Report.csv"


def report(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.fixture
def people(cohort1, week):
    ana = AgentFactory(cohort=cohort1, first_name="Ana", last_name="Alves", email="ana.alves@company.example")
    ben = AgentFactory(cohort=cohort1, first_name="Ben", last_name="Brook", email="ben.brook@company.example")
    return ana, ben


def upload(client, cohort, content: bytes, name: str = TUESDAY_FILE, day: str = ""):
    url = reverse("attendance:meet_import", args=[cohort.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content, "text/csv"), "day": day})


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def confirm(client, cohort, preview, **fields):
    data = {"payload": payload_of(preview), "action": "import", **fields}
    return client.post(reverse("attendance:meet_confirm", args=[cohort.pk]), data)


def local(record_time, cohort) -> str:
    return record_time.astimezone(cohort.tzinfo).strftime("%H:%M")


def test_durations_and_dates_as_meet_writes_them():
    assert parse_duration("1 hr 5 min") == datetime.timedelta(hours=1, minutes=5)
    assert parse_duration("45 min") == datetime.timedelta(minutes=45)
    assert parse_duration("8 hr 29 min") == datetime.timedelta(hours=8, minutes=29)
    assert parse_duration("about an hour") is None
    assert day_from_name(TUESDAY_FILE) == TUESDAY
    assert day_from_name("ESP East - Attendance Report.csv") is None
    assert parse_clock("9:02 AM") == datetime.time(9, 2) and parse_clock("17:31:05") == datetime.time(
        17, 31, 5
    )
    assert parse_clock("2026-11-24 13:05", TUESDAY) == datetime.time(13, 5)
    assert parse_clock("2026-11-23 13:05", TUESDAY) is None  # a time of another day
    assert parse_clock("noonish") is None


def test_a_summary_report_is_previewed_and_recorded_only_when_confirmed(client_for, tl1, cohort1, people):
    ana, ben = people
    client = client_for(tl1)
    preview = upload(
        client,
        cohort1,
        report(
            "Ana,Alves,ana.alves@company.example,8 hr 29 min,9:02 AM,5:31 PM",
            "Ben,Brook,Ben.Brook@company.example,8 hr 5 min,9:25 AM,5:30 PM",  # email case differs
        ),
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "09:02–17:31" in html and "09:25–17:30" in html
    assert re.search(rf'id="meet-{ben.pk}".*?Late</span>', html, re.S)  # 25 minutes late: 10+
    assert not AttendanceRecord.objects.exists()  # nothing until the TL confirms

    done = confirm(client, cohort1, preview)
    assert done.status_code == 302 and done.url.endswith(f"?day={TUESDAY}")
    records = {r.agent: r for r in AttendanceRecord.objects.all()}
    assert local(records[ana].arrived_at, cohort1) == "09:02" and records[ana].occurrences == []
    assert records[ben].arrival_occurrence == "late" and local(records[ben].departed_at, cohort1) == "17:30"
    assert {r.source for r in records.values()} == {RecordSource.MEET_REPORT}
    history = records[ben].history.first()
    assert history.history_change_reason == f"Google Meet report: {TUESDAY_FILE}"
    assert history.history_user == tl1


def test_rejoins_are_merged_and_a_time_away_is_shown_for_the_tl_to_confirm(client_for, tl1, cohort1, people):
    """The per-session form: a row per join. A 3-minute drop is just a rejoin; 40 minutes away
    (at least the 10-minute threshold) is shown, and kept only when the TL confirms it."""
    ana, _ = people
    client = client_for(tl1)
    sessions = report(
        "Ana,Alves,ana.alves@company.example,1 hr 59 min,9:01 AM,11:00 AM",
        "Ana,Alves,ana.alves@company.example,1 hr 27 min,11:03 AM,12:30 PM",
        "Ana,Alves,ana.alves@company.example,4 hr 21 min,1:10 PM,5:31 PM",
    )
    preview = upload(client, cohort1, sessions)
    html = preview.content.decode()
    assert "09:01–12:30, 13:10–17:31" in html  # the rejoin at 11:03 merged into one session
    gap = f"{ana.pk}|{datetime.datetime(2026, 11, 24, 12, 30, tzinfo=cohort1.tzinfo).isoformat()}"
    assert html.count('name="gap"') == 1 and f'value="{gap}"' in html

    confirm(client, cohort1, preview, gap=gap)
    record = AttendanceRecord.objects.get(agent=ana)
    assert (local(record.arrived_at, cohort1), local(record.departed_at, cohort1)) == ("09:01", "17:31")
    assert record.occurrences == []  # a confirmed time away is no occurrence under the policy
    (away,) = AttendanceGap.objects.filter(record=record)
    assert (local(away.left_at, cohort1), local(away.returned_at, cohort1)) == ("12:30", "13:10")
    assert away.confirmed_by == tl1

    page = client.get(reverse("attendance:agent", args=[ana.pk])).content.decode()
    assert "left 12:30, back 13:10 (Meet report, confirmed)" in page and "Google Meet report" in page

    upload_again = upload(client, cohort1, sessions)
    confirm(client, cohort1, upload_again)  # not ticked this time: the confirmed one stays, once
    assert AttendanceGap.objects.filter(record=record).count() == 1


def test_a_confirmed_time_away_is_an_occurrence_only_if_the_policy_says_so(client_for, tl1, cohort1, people):
    """Under a policy whose time away counts, the confirmed 40 minutes away is leaving early (10+);
    not confirmed, or under the default policy (see the test above), it is none."""
    ana, ben = people
    AttendancePolicy.objects.update(time_away_counts=True)
    client = client_for(tl1)
    rows = report(
        "Ana,Alves,ana.alves@company.example,3 hr 29 min,9:01 AM,12:30 PM",
        "Ana,Alves,ana.alves@company.example,4 hr 21 min,1:10 PM,5:31 PM",
        "Ben,Brook,ben.brook@company.example,3 hr 29 min,9:01 AM,12:30 PM",
        "Ben,Brook,ben.brook@company.example,4 hr 21 min,1:10 PM,5:31 PM",
    )
    preview = upload(client, cohort1, rows)
    left = datetime.datetime(2026, 11, 24, 12, 30, tzinfo=cohort1.tzinfo).isoformat()
    confirm(client, cohort1, preview, gap=f"{ana.pk}|{left}")  # Ana's confirmed, Ben's not
    records = {r.agent: r for r in AttendanceRecord.objects.all()}
    assert records[ana].time_away == datetime.timedelta(minutes=40)
    assert records[ana].departure_occurrence == "left_early"
    assert records[ben].time_away is None and records[ben].occurrences == []
    confirm(client, cohort1, upload(client, cohort1, rows), gap=f"{ben.pk}|{left}")  # Ben's, later
    records[ben].refresh_from_db()
    assert records[ben].departure_occurrence == "left_early" and records[ben].version == 2


def test_an_unknown_address_waits_to_be_matched_once_and_is_then_remembered(client_for, tl1, cohort1, people):
    ana, _ = people
    client = client_for(tl1)
    rows = (
        "Ana,Alves,ana.personal@mail.example,8 hr 28 min,9:03 AM,5:31 PM",  # not her work email
        "Tara,Lead,tl1@company.example,8 hr 30 min,8:55 AM,5:30 PM",  # the TL herself
    )
    preview = upload(client, cohort1, report(*rows))
    html = preview.content.decode()
    assert "Nobody is known by 2 addresses yet" in html and "ana.personal@mail.example" in html
    assert f'id="meet-{ana.pk}"' not in html  # never matched by her name

    fields = {"match-1-key": "ana.personal@mail.example", "match-1": str(ana.pk)}
    fields |= {"match-2-key": "tl1@company.example", "match-2": "ignore"}
    checked = confirm(client, cohort1, preview, **fields)  # Import with new matches: see first
    assert checked.status_code == 200 and not AttendanceRecord.objects.exists()
    assert "Check what the addresses you matched record" in checked.content.decode()
    assert f'id="meet-{ana.pk}"' in checked.content.decode()

    confirm(client, cohort1, checked)
    assert local(AttendanceRecord.objects.get(agent=ana).arrived_at, cohort1) == "09:03"
    aliases = {a.address: a.agent for a in MeetAlias.objects.filter(cohort=cohort1)}
    assert aliases == {"ana.personal@mail.example": ana, "tl1@company.example": None}

    wednesday = upload(
        client, cohort1, report(*rows), name="2026-11-25 09:00 ESP East - Attendance Report.csv"
    )
    html = wednesday.content.decode()
    assert "Nobody is known" not in html and f'id="meet-{ana.pk}"' in html
    assert "Ignored, as decided before: Tara Lead." in html
    confirm(client, cohort1, wednesday)
    assert AttendanceRecord.objects.filter(agent=ana, day=WEDNESDAY).exists()


def test_entered_and_excused_times_are_kept_unless_the_tl_chooses_the_reports(
    client_for, tl1, cohort1, people
):
    ana, ben = people
    client = client_for(tl1)
    entered = Entry(arrival=datetime.time(9, 12), excused=True, excused_reason="Doctor's note")
    record_attendance(agent=ben, day=TUESDAY, entry=entered, expected_version=None, by=tl1)
    rows = report("Ben,Brook,ben.brook@company.example,7 hr 58 min,9:30 AM,5:30 PM")
    preview = upload(client, cohort1, rows)
    html = preview.content.decode()
    line = re.search(rf'<tr id="meet-{ben.pk}".*?</tr>', html, re.S).group(0)
    assert "09:12" in line and "09:30" in line and "excused: Doctor&#x27;s note" in line  # both values
    assert f'name="replace" value="{ben.pk}"' in line

    confirm(client, cohort1, preview)  # not ticked: kept as entered
    record = AttendanceRecord.objects.get(agent=ben)
    assert local(record.arrived_at, cohort1) == "09:12" and record.version == 1
    assert record.source == RecordSource.ROLL_CALL

    confirm(client, cohort1, upload(client, cohort1, rows), replace=str(ben.pk))
    record.refresh_from_db()
    assert local(record.arrived_at, cohort1) == "09:30" and record.excused  # still excused
    assert record.source == RecordSource.MEET_REPORT


def test_a_report_fills_in_what_the_roll_call_left_empty(client_for, tl1, cohort1, people):
    """An arrival taken by hand that the report agrees with, and no departure yet: the report
    fills the departure in without asking; it changes no value that was entered."""
    ana, _ = people
    client = client_for(tl1)
    record_attendance(
        agent=ana, day=TUESDAY, entry=Entry(arrival=datetime.time(9, 2)), expected_version=None, by=tl1
    )
    rows = report("Ana,Alves,ana.alves@company.example,8 hr 29 min,9:02 AM,5:31 PM")
    preview = upload(client, cohort1, rows)
    assert 'name="replace"' not in preview.content.decode()
    confirm(client, cohort1, preview)
    record = AttendanceRecord.objects.get(agent=ana)
    assert (local(record.arrived_at, cohort1), local(record.departed_at, cohort1)) == ("09:02", "17:31")


def test_the_same_report_twice_changes_nothing(client_for, tl1, cohort1, people):
    client = client_for(tl1)
    rows = report(
        "Ana,Alves,ana.alves@company.example,8 hr 29 min,9:02 AM,5:31 PM",
        "Ben,Brook,ben.brook@company.example,8 hr 5 min,9:25 AM,5:30 PM",
    )
    confirm(client, cohort1, upload(client, cohort1, rows))
    before = {r.pk: (r.version, r.history.count()) for r in AttendanceRecord.objects.all()}
    again = confirm(client, cohort1, upload(client, cohort1, rows))
    after = {r.pk: (r.version, r.history.count()) for r in AttendanceRecord.objects.all()}
    assert after == before and len(after) == 2
    page = client.get(again.url).content.decode()
    assert "0 days recorded, 0 updated, 2 already as the report says" in page


def test_a_name_without_the_date_asks_for_it_beside_the_field(client_for, tl1, cohort1, people):
    client = client_for(tl1)
    rows = report("Ana,Alves,ana.alves@company.example,8 hr 29 min,9:02 AM,5:31 PM")
    asked = upload(client, cohort1, rows, name="ESP East - Attendance Report.csv")
    assert asked.status_code == 400
    assert re.search(r'id="id_day".*?The file&#x27;s name carries no date', asked.content.decode(), re.S)
    given = upload(client, cohort1, rows, name="ESP East - Attendance Report.csv", day=str(TUESDAY))
    assert given.status_code == 200 and "Tuesday 24 November" in given.content.decode()
    future = upload(client, cohort1, rows, name="2026-11-27 09:00 ESP East - Attendance Report.csv")
    assert future.status_code == 400 and "is in the future" in future.content.decode()


def test_a_malformed_duration_names_its_row_and_saves_nothing(client_for, tl1, cohort1, people):
    rows = report(
        "Ana,Alves,ana.alves@company.example,8 hr 29 min,9:02 AM,5:31 PM",
        "Ben,Brook,ben.brook@company.example,about an hour,9:25 AM,5:30 PM",
    )
    refused = upload(client_for(tl1), cohort1, rows)
    assert refused.status_code == 400
    assert "Row 3: Duration “about an hour” is not a duration like “1 hr 5 min”." in refused.content.decode()
    assert not AttendanceRecord.objects.exists()


def test_another_tls_cohort_and_a_forged_preview_are_refused(client_for, tl1, tl2, cohort1, cohort2, people):
    rows = report("Ana,Alves,ana.alves@company.example,8 hr 29 min,9:02 AM,5:31 PM")
    assert upload(client_for(tl2), cohort1, rows).status_code == 404
    preview = upload(client_for(tl1), cohort1, rows)
    forged = client_for(tl1).post(
        reverse("attendance:meet_confirm", args=[cohort1.pk]), {"payload": payload_of(preview) + "x"}
    )
    assert forged.status_code == 400 and not AttendanceRecord.objects.exists()
    other = client_for(tl2).post(
        reverse("attendance:meet_confirm", args=[cohort1.pk]), {"payload": payload_of(preview)}
    )
    assert other.status_code == 404
