"""A CAP's whole life in the app (issue 18, point 2): handed over, acknowledged (receipt, not
agreement) or refused before a witness, the written response within its window, the appeal
decided by an ESP manager and the ladder after it, expiry after 12 months, the windows closed when
they end, one reminder to the issuer, the list of CAPs waiting, and the document that holds it."""

import datetime
import io
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from attendance.accountability import (
    LifeError,
    acknowledge,
    close_lapsed_windows,
    current_level,
    decide_appeal,
    deliver,
    issue_action,
    record_appeal,
    record_response,
    refresh_recommendations,
    refuse_to_sign,
    remind_unacknowledged,
)
from attendance.models import AttendancePolicy, CorrectiveAction, CorrectiveLevel, Recommendation
from attendance.services import new_record
from notifications.models import Notice
from tests.conftest import MONDAY, WEDNESDAY

pytestmark = pytest.mark.django_db

NY = datetime.timezone(datetime.timedelta(hours=-5))  # New York in November


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=NY)


@pytest.fixture
def levels():
    return {level.code: level for level in CorrectiveLevel.objects.all()}


@pytest.fixture
def written(agent1, tl1, levels, week):
    """Alice's Written CAP, issued on Wednesday after her Verbal coaching."""
    issue(agent1, levels["coaching"], tl1)
    return issue(agent1, levels["written"], tl1)


def issue(agent, level, by, **kw):
    return issue_action(
        agent=agent, level=level, date=WEDNESDAY, reasons="Late twice", expectations="On time every day",
        consequences="A Final CAP", by=by, **kw,
    )  # fmt: skip


def test_handed_over_then_acknowledged_each_step_dated_in_history(written, tl1, week):
    assert written.stage == "Issued: to be handed to the agent" and written.response_due is None
    deliver(action=written, by=tl1)
    assert written.response_due == written.delivered_at + datetime.timedelta(hours=72)
    assert written.appeal_due == datetime.date(2026, 12, 2)  # 5 working days after Wednesday 25
    acknowledge(action=written, on=WEDNESDAY, comments="I disagree", by=tl1)
    written.refresh_from_db()
    assert written.stage == "Acknowledged by the agent"
    reasons = [h.history_change_reason for h in written.history.order_by("history_date")]
    assert reasons[-2:] == ["Handed to the agent", "Acknowledged by the agent (receipt, not agreement)"]
    with pytest.raises(LifeError, match="already recorded"):
        refuse_to_sign(action=written, on=WEDNESDAY, witness="Sam", by=tl1)


def test_a_refusal_needs_a_witness_beside_the_field(client_for, written, tl1, week):
    url = reverse("attendance:cap_step", args=[written.pk, "refuse"])
    refused = client_for(tl1).post(url, {"refuse-refused_on": "2026-11-25", "refuse-witness": " "})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert re.search(
        r'name="refuse-witness"[^>]*aria-invalid="true"[^>]*autofocus[^>]*id="id_refuse-witness"', html
    )
    assert 'id="id_refuse-witness-error">A refusal to sign needs a witness: name who saw it.</div>' in html
    written.refresh_from_db()
    assert written.refused_on is None and written.delivered_at is None  # nothing half-written
    data = {"refuse-refused_on": "2026-11-25", "refuse-witness": "Sam Shift", "refuse-note": "Not fair"}
    assert client_for(tl1).post(url, data).status_code == 302
    written.refresh_from_db()
    assert (written.refused_on, written.witness, written.delivered_by) == (WEDNESDAY, "Sam Shift", tl1)
    assert written.history.first().history_change_reason == "The agent refused to sign; witness: Sam Shift"


def test_a_response_is_taken_within_its_window_and_refused_after(written, tl1, week):
    deliver(action=written, by=tl1, at=at(WEDNESDAY, 10))
    late = at(datetime.date(2026, 11, 28), 10, 1)  # 72 hours and a minute later
    with pytest.raises(LifeError, match="closed Sat 28 Nov 10:00"):
        record_response(action=written, text="I was stuck in traffic", on=late.date(), by=tl1, now=late)
    record_response(
        action=written, text="I was stuck in traffic", on=WEDNESDAY, by=tl1, now=at(WEDNESDAY, 16)
    )
    assert written.response == "I was stuck in traffic"
    with pytest.raises(LifeError, match="closed"):  # one response
        record_response(action=written, text="Again", on=WEDNESDAY, by=tl1, now=at(WEDNESDAY, 17))


def test_windows_that_end_unused_are_closed_with_a_line_in_history(written, tl1, week):
    deliver(action=written, by=tl1, at=at(WEDNESDAY, 10))
    assert close_lapsed_windows(now=at(datetime.date(2026, 11, 27), 9)) == 0
    assert close_lapsed_windows(now=at(datetime.date(2026, 11, 28), 11)) == 1  # the response's
    written.refresh_from_db()
    assert written.response_closed_at and written.appeal_closed_at is None
    assert (
        written.history.first().history_change_reason == "Closed: the window for the written response ended"
    )
    assert close_lapsed_windows(now=at(datetime.date(2026, 12, 3), 9)) == 1  # the appeal's, after Wed 2 Dec
    assert close_lapsed_windows(now=at(datetime.date(2026, 12, 4), 9)) == 0  # nothing twice
    with pytest.raises(LifeError, match="window for an appeal closed at the end of Wed 2 Dec"):
        record_appeal(
            action=written, text="Unfair", on=WEDNESDAY, by=tl1, now=at(datetime.date(2026, 12, 4), 9)
        )


@pytest.mark.parametrize(
    "outcome, level_after", [("upheld", "written"), ("reduced", "coaching"), ("withdrawn", "coaching")]
)
def test_an_appeal_decided_by_an_esp_manager_and_the_ladder_after_it(
    client_for, written, agent1, tl1, mgr1, week, outcome, level_after
):
    deliver(action=written, by=tl1, at=at(WEDNESDAY, 10))
    record_appeal(action=written, text="The bus strike", on=WEDNESDAY, by=tl1, now=at(WEDNESDAY, 11))
    url = reverse("attendance:cap_step", args=[written.pk, "decide"])
    decided = {"decide-outcome": outcome, "decide-note": "Checked the bus company's notice"}
    assert client_for(tl1).post(url, decided).status_code == 403  # not the TL's to decide
    assert client_for(mgr1).post(url, {"decide-outcome": outcome}).status_code == 400  # why, beside it
    assert client_for(mgr1).post(url, decided).status_code == 302
    written.refresh_from_db()
    assert written.appeal_outcome == outcome and written.appeal_decided_by == mgr1
    assert current_level(agent1).code == level_after
    page = client_for(tl1).get(reverse("attendance:cap", args=[written.pk])).content.decode()
    if outcome == "withdrawn":
        assert "Withdrawn on appeal: it no longer counts on the ladder." in page
    else:
        assert "it counts on the ladder" in page


def test_a_withdrawn_cap_no_longer_holds_the_agent_up_the_ladder(written, agent1, tl1, mgr1, week):
    """With the Written CAP withdrawn, the same ladder recommends the step after coaching again."""
    deliver(action=written, by=tl1, at=at(WEDNESDAY, 10))
    record_appeal(action=written, text="Unfair", on=WEDNESDAY, by=tl1, now=at(WEDNESDAY, 11))
    for day in (MONDAY, WEDNESDAY):
        record = new_record(agent1, day, AttendancePolicy.in_force(day))
        record.absent = True
        record.touch(tl1)
        record.save()
    assert refresh_recommendations([agent1], now=at(WEDNESDAY, 12)) == []  # Written is in force already
    decide_appeal(action=written, outcome="withdrawn", note="The rota was wrong", by=mgr1)
    (rec,) = refresh_recommendations([agent1], now=at(WEDNESDAY, 12))
    assert rec.level.code == "written" and Recommendation.objects.filter(status="pending").count() == 1


def test_it_expires_after_twelve_months_and_stops_counting(client_for, written, agent1, tl1, week):
    assert written.expires_on == datetime.date(2027, 11, 25)
    assert current_level(agent1).code == "written"
    with time_machine.travel(at(datetime.date(2027, 11, 24), 12), tick=False):
        assert current_level(agent1).code == "written"
    with time_machine.travel(at(datetime.date(2027, 11, 25), 12), tick=False):
        assert current_level(agent1) is None  # the coaching expired the same day
        page = client_for(tl1).get(reverse("desk:agent", args=[agent1.pk])).content.decode()
        assert page.count("expired 25 Nov 2027: not counted") == 2


def test_the_issuer_is_reminded_once_a_working_day_on(written, tl1, week, django_capture_on_commit_callbacks):
    issued = written.created_at
    assert remind_unacknowledged(now=issued + datetime.timedelta(hours=20)) == 0
    later = issued + datetime.timedelta(days=1, minutes=1)  # Thursday: a working day on
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_unacknowledged(now=later) == 1  # the Written CAP (coaching is no signed document)
        assert remind_unacknowledged(now=later + datetime.timedelta(hours=3)) == 0
    reminders = Notice.objects.filter(kind=Notice.Kind.CAP_REMINDER)
    assert reminders.count() == 1 and reminders.get().recipients == [tl1.email]
    assert any("Waiting for the agent's signature: Written CAP" in m.subject for m in mail.outbox)


def test_the_list_of_caps_waiting_for_receipt(client_for, written, tl1, tl2, pm1, mgr1, week):
    url = reverse("attendance:caps_awaiting")
    for user in (tl1, pm1, mgr1):
        assert f'href="/attendance/caps/{written.pk}/"' in client_for(user).get(url).content.decode()
    assert f"/attendance/caps/{written.pk}/" not in client_for(tl2).get(url).content.decode()
    cohort = written.agent.cohort
    assert (
        f"/attendance/caps/{written.pk}/" in client_for(tl1).get(url, {"cohort": cohort.pk}).content.decode()
    )
    assert client_for(tl2).get(url, {"cohort": cohort.pk}).status_code == 404
    acknowledge(action=written, on=WEDNESDAY, by=tl1)
    assert f"/attendance/caps/{written.pk}/" not in client_for(tl1).get(url).content.decode()


def test_the_final_cap_document_with_a_refusal_holds_everything(client_for, agent1, tl1, pm1, levels, week):
    rule_fact = {"kind": "absent", "day": "2026-11-23", "text": "Mon 23 Nov: Absent all day"}
    issue(agent1, levels["coaching"], tl1)
    issue(agent1, levels["written"], tl1)
    final = issue(agent1, levels["final"], pm1, approver=True, follow_up_date=datetime.date(2026, 12, 9))
    CorrectiveAction.objects.filter(pk=final.pk).update(facts=[rule_fact])
    final.refresh_from_db()
    deliver(action=final, by=pm1, at=at(WEDNESDAY, 14))
    refuse_to_sign(action=final, on=WEDNESDAY, witness="Sam Shift", note="I will not sign", by=pm1)
    response = client_for(pm1).get(reverse("attendance:cap", args=[final.pk]), {"format": "pdf"})
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages
    )
    for expected in (
        "Final CAP",
        "Attendance policy in force from",  # the policy behind it
        "issued without a rule's recommendation",  # and the rule, when there is one
        "Mon 23 Nov: Absent all day",  # each incident with its date
        "Verbal coaching, 25 Nov 2026 (in force until 25 Nov 2027)",  # prior actions in force
        "Written CAP, 25 Nov 2026",
        "On time every day",  # the expected improvement
        "Monitored from 25 Nov 2026 to the follow-up on Wednesday 9 December 2026",
        "A Final CAP",  # the consequences
        "respond in writing within 72 hours of receiving this document: by Saturday 28 November 2026, 14:00",
        "appeal within 5 working days of receiving it: by the end of Wednesday 2 December 2026",
        "acknowledges receiving this document; it does not mean agreement",
        "Refusal to sign",
        "in the presence of the witness Sam Shift",
        "“I will not sign”",
    ):
        assert expected in text, expected
    assert text.count("Mon 23 Nov: Absent all day") == 1  # printed once


def test_a_step_waiting_for_approval_says_so_and_the_pm_approves_it_there(
    client_for, agent1, tl1, pm1, levels, week
):
    issue(agent1, levels["coaching"], tl1)
    issue(agent1, levels["written"], tl1)
    final = issue(agent1, levels["final"], tl1)  # a TL's Final CAP waits for the PM
    url = reverse("attendance:cap", args=[final.pk])
    approve = reverse("attendance:cap_approve", args=[final.pk])
    tl_page = client_for(tl1).get(url).content.decode()
    assert "Waiting for the approval of the cohort's PM" in tl_page and approve not in tl_page
    pm_page = client_for(pm1).get(url).content.decode()
    assert f'action="{approve}"' in pm_page
    assert client_for(pm1).post(approve, {"decision": "approve"}).status_code == 302
    final.refresh_from_db()
    assert final.status == CorrectiveAction.Status.ACTIVE and current_level(agent1).code == "final"
