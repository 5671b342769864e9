import datetime
import io
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from attendance.accountability import (
    LadderError,
    approve_action,
    current_level,
    dismiss_recommendation,
    issue_action,
    refresh_recommendations,
    report_issue,
    void_action,
)
from attendance.models import (
    AttendancePolicy,
    CorrectiveAction,
    CorrectiveLevel,
    EscalationRule,
    Recommendation,
)
from attendance.services import new_record
from certifications.services import record_attempt, set_task_status
from cohorts.models import Agent
from tests.conftest import MONDAY, WEDNESDAY
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels():
    return {level.code: level for level in CorrectiveLevel.objects.all()}


@pytest.fixture
def only(db):
    """Keep just the named default rules active, so each test sees one rule at work."""

    def keep(*names):
        EscalationRule.objects.exclude(name__in=names).update(active=False)

    return keep


def day(agent, d, by, *, late=0, early=0, absent=False, excused=False):
    """A record written directly, so any past or future day can be crafted."""
    record = new_record(agent, d, AttendancePolicy.in_force(d))
    record.absent = absent
    if not absent:
        record.arrived_at = record.scheduled_start_at + datetime.timedelta(minutes=late)
        record.departed_at = record.scheduled_end_at - datetime.timedelta(minutes=early)
    record.excused, record.excused_reason = excused, "doctor" if excused else ""
    record.touch(by)
    record.save()
    return record


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zoneinfo.ZoneInfo("America/New_York"))


def refresh(agent, today=WEDNESDAY):
    return refresh_recommendations([agent], now=noon(today))


def recommended(agent, today=WEDNESDAY):
    """Each recommendation still pending: (rule, level, number of facts)."""
    refresh(agent, today)
    pending = Recommendation.objects.filter(agent=agent, status="pending")
    return [(r.rule.name, r.level.code, len(r.facts)) for r in pending]


@pytest.fixture
def esp_week(agent1):
    agent1.cohort.start_date = MONDAY
    agent1.cohort.save()
    return agent1


class TestRules:
    def test_occurrence_count_at_its_threshold(self, esp_week, tl1, only):
        only("Late or left early in the ESP week")  # threshold 2 → coaching
        day(esp_week, MONDAY, tl1, late=15)
        assert recommended(esp_week) == []
        day(esp_week, datetime.date(2026, 11, 24), tl1, late=9)  # 9 minutes: no occurrence
        assert recommended(esp_week) == []
        day(esp_week, WEDNESDAY, tl1, early=10)
        assert recommended(esp_week) == [("Late or left early in the ESP week", "coaching", 2)]

    def test_free_incidents_go_first_and_count_no_more(self, esp_week, tl1, only):
        """A rule that allows one free incident in its window needs one more to trigger; the
        facts it lists are the ones that counted, the earliest going free."""
        only("Late or left early in the ESP week")  # threshold 2 → coaching
        EscalationRule.objects.filter(name="Late or left early in the ESP week").update(free_incidents=1)
        day(esp_week, MONDAY, tl1, late=15)
        day(esp_week, datetime.date(2026, 11, 24), tl1, late=20)
        assert recommended(esp_week) == []  # two incidents, the first free: one counts
        day(esp_week, WEDNESDAY, tl1, early=10)
        assert recommended(esp_week) == [("Late or left early in the ESP week", "coaching", 2)]
        (rec,) = Recommendation.objects.filter(status="pending")
        assert [f["text"] for f in rec.facts] == ["Tue 24 Nov: Late", "Wed 25 Nov: Left early"]

    def test_one_event_is_one_occurrence_at_its_highest_tier(self, esp_week, tl1, only):
        """4 hours 10 minutes late is one "late, partial day", not also a 10-minute late: a rule
        counting lates does not see it, and a rule counting both sees it once."""
        only("Late or left early in the ESP week")  # its kinds: late, left_early
        record = day(esp_week, MONDAY, tl1, late=250)
        assert record.occurrences == ["late_partial"]
        day(esp_week, WEDNESDAY, tl1, late=15)
        assert recommended(esp_week) == []  # one late: below the threshold of 2
        rule = EscalationRule.objects.get(name="Late or left early in the ESP week")
        rule.occurrence_kinds = "late,late_partial"
        rule.save()
        assert recommended(esp_week) == [(rule.name, "coaching", 2)]  # twice, not three times

    def test_excused_occurrences_do_not_count(self, esp_week, tl1, only):
        only("Absences in the ESP week")
        day(esp_week, MONDAY, tl1, absent=True)
        day(esp_week, datetime.date(2026, 11, 24), tl1, absent=True, excused=True)
        assert recommended(esp_week) == []

    def test_a_rolling_window_counts_only_its_days(self, esp_week, tl1, only):
        only("Occurrences in 30 days")  # 4 in 30 days → written
        rule = EscalationRule.objects.get(name="Occurrences in 30 days")
        for d in (MONDAY, datetime.date(2026, 11, 24), WEDNESDAY):
            day(esp_week, d, tl1, late=20)
        old = day(esp_week, datetime.date(2026, 10, 26), tl1, absent=True)  # 31 days before Wednesday
        assert recommended(esp_week, today=WEDNESDAY) == []
        old.day = datetime.date(2026, 10, 27)  # 30 days before, inside the window
        old.save()
        # The rule asks for a Written CAP; the ladder recommends its next step, with the facts.
        assert recommended(esp_week, today=WEDNESDAY) == [(rule.name, "coaching", 4)]

    def test_consecutive_absences_at_their_threshold(self, esp_week, tl1, only):
        only("Consecutive absences")  # 2 in a row → final
        day(esp_week, MONDAY, tl1, absent=True)
        day(esp_week, datetime.date(2026, 11, 24), tl1)
        day(esp_week, WEDNESDAY, tl1, absent=True)
        assert recommended(esp_week) == []
        day(esp_week, datetime.date(2026, 11, 26), tl1, absent=True)
        assert recommended(esp_week, today=datetime.date(2026, 11, 26)) == [
            ("Consecutive absences", "coaching", 2)
        ]

    def test_an_overdue_task_after_its_due_day(self, esp_week, tl1, tasks, only):
        only("Task past its due day")
        for task in tasks.values():
            set_task_status(agent=esp_week, task=task, status="complete", expected_version=0, by=tl1)
        set_task_status(agent=esp_week, task=tasks["ahip"], status="in_progress", expected_version=1, by=tl1)
        assert recommended(esp_week, today=datetime.date(2026, 11, 24)) == []  # due day 2 is today
        assert recommended(esp_week, today=WEDNESDAY) == [("Task past its due day", "coaching", 1)]
        rec = Recommendation.objects.get()
        assert rec.facts[0]["text"] == "AHIP: due Tue 24 Nov, in progress"

    def test_the_attempt_limit_reached(self, esp_week, tl1, tasks, only):
        only("Exam attempt limit reached")
        for _ in range(2):
            record_attempt(
                agent=esp_week, task=tasks["aetna"], taken_on=MONDAY, score=50, passed=False, by=tl1
            )
        assert recommended(esp_week) == []
        record_attempt(agent=esp_week, task=tasks["aetna"], taken_on=MONDAY, score=50, passed=False, by=tl1)
        assert recommended(esp_week) == [("Exam attempt limit reached", "coaching", 1)]

    def test_a_recommendation_whose_facts_no_longer_hold_is_withdrawn(self, esp_week, tl1, tasks, only):
        only("Task past its due day")
        refresh(esp_week)  # nothing is done: tasks are overdue
        (rec,) = Recommendation.objects.filter(status="pending")
        for task in tasks.values():
            set_task_status(agent=esp_week, task=task, status="complete", expected_version=0, by=tl1)
        refresh(esp_week)
        rec.refresh_from_db()
        assert rec.status == "dismissed" and rec.dismiss_reason == "No longer applies: the facts changed."
        assert not Recommendation.objects.filter(status="pending").exists()

    def test_the_same_facts_recommend_once(self, esp_week, tl1, only):
        only("Absences in the ESP week")
        day(esp_week, MONDAY, tl1, absent=True)
        day(esp_week, WEDNESDAY, tl1, absent=True)
        for _ in range(3):
            refresh(esp_week)
        assert Recommendation.objects.count() == 1

    def test_a_new_rule_version_applies_and_a_recommendation_keeps_the_version_that_made_it(
        self, esp_week, tl1, only, levels
    ):
        only("Late or left early in the ESP week")
        v1 = EscalationRule.objects.get(name="Late or left early in the ESP week")
        day(esp_week, MONDAY, tl1, late=15)
        day(esp_week, WEDNESDAY, tl1, late=15)
        (first,) = refresh(esp_week)
        assert (first.rule.version, first.level.code) == (1, "coaching")
        v1.active = False
        v1.save()
        v2 = EscalationRule.objects.create(
            name=v1.name,
            version=2,
            kind=v1.kind,
            occurrence_kinds=v1.occurrence_kinds,
            threshold=3,
            level=levels["coaching"],
        )
        assert refresh(esp_week) == []  # two occurrences no longer meet the rule in force
        first.refresh_from_db()
        assert first.status == "dismissed" and first.rule == v1
        day(esp_week, datetime.date(2026, 11, 24), tl1, early=30)
        (second,) = refresh(esp_week)
        assert (second.rule, second.level.code, len(second.facts)) == (v2, "coaching", 3)
        assert second.facts[0]["text"] == "Mon 23 Nov: Late"

    def test_the_ladder_recommends_exactly_the_next_step_and_the_same_facts_never_twice(
        self, esp_week, tl1, levels
    ):
        """Every default rule at once: absent Monday and Tuesday (a Final CAP by the rules),
        late on Wednesday. One recommendation: the next step, Verbal coaching, with every fact."""
        day(esp_week, MONDAY, tl1, absent=True)
        day(esp_week, datetime.date(2026, 11, 24), tl1, absent=True)
        day(esp_week, WEDNESDAY, tl1, late=20)
        (rec,) = refresh(esp_week)
        assert rec.level.code == "coaching" and rec.rule.level.code == "final"
        assert {f["text"] for f in rec.facts} >= {"Mon 23 Nov: Absent all day", "Tue 24 Nov: Absent all day"}
        cap(esp_week, levels["coaching"], tl1, recommendation=rec)
        assert refresh(esp_week) == []  # those facts were acted on
        day(esp_week, datetime.date(2026, 11, 26), tl1, late=30)
        (written,) = refresh(esp_week, datetime.date(2026, 11, 26))
        assert written.level.code == "written"
        # Issuing it is allowed: it is exactly the next step.
        cap(esp_week, levels["written"], tl1, recommendation=written)


def cap(agent, level, by, **kw):
    return issue_action(
        agent=agent, level=level, date=WEDNESDAY, reasons=kw.pop("reasons", "Late twice"),
        expectations="On time every day", consequences="A Final CAP", by=by, **kw,
    )  # fmt: skip


class TestLadder:
    def test_a_level_that_skips_a_step_is_refused_with_a_clear_message(self, agent1, tl1, levels):
        with pytest.raises(LadderError) as excinfo:
            cap(agent1, levels["written"], tl1)
        assert str(excinfo.value) == (
            "Alice Archer has no Verbal coaching yet, so a Written CAP would skip a step. Issue the "
            "Verbal coaching first, or a PM or admin can override with a reason."
        )
        assert not CorrectiveAction.objects.exists()

    def test_a_tl_cannot_override(self, agent1, tl1, levels):
        with pytest.raises(LadderError, match="Only the cohort's PM or an admin"):
            cap(agent1, levels["written"], tl1, override_reason="serious")

    def test_the_pm_overrides_with_a_reason(self, agent1, pm1, levels):
        action = cap(agent1, levels["final"], pm1, override_reason="Falsified a form", approver=True)
        assert action.override_by == pm1 and action.override_reason == "Falsified a form"

    def test_each_step_in_order_is_allowed(self, agent1, tl1, levels):
        for code in ("coaching", "written", "final"):
            cap(agent1, levels[code], tl1)
        assert list(CorrectiveAction.objects.order_by("level__rank").values_list("status", flat=True)) == [
            "active",
            "active",
            "pending_approval",
        ]

    def test_a_final_cap_by_a_tl_waits_for_the_pms_approval(
        self, agent1, tl1, pm1, levels, django_capture_on_commit_callbacks
    ):
        pm1.email = "pm1@example.com"
        pm1.save()
        cap(agent1, levels["coaching"], tl1)
        cap(agent1, levels["written"], tl1)
        with django_capture_on_commit_callbacks(execute=True):
            final = cap(agent1, levels["final"], tl1)
        assert final.status == "pending_approval" and current_level(agent1).code == "written"
        (message,) = mail.outbox
        assert message.to == ["pm1@example.com"] and message.subject.startswith("Approval needed: Final CAP")
        with pytest.raises(LadderError, match="waiting for the PM's approval"):
            cap(agent1, levels["term"], tl1)
        approve_action(action=final, approve=True, by=pm1)
        final.refresh_from_db()
        assert final.status == "active" and final.approved_by == pm1 and current_level(agent1).code == "final"

    def test_a_declined_step_is_voided_with_the_reason(self, agent1, tl1, pm1, levels):
        for code in ("coaching", "written"):
            cap(agent1, levels[code], tl1)
        final = cap(agent1, levels["final"], tl1)
        with pytest.raises(LadderError, match="Say why"):
            approve_action(action=final, approve=False, by=pm1)
        approve_action(action=final, approve=False, reason="Talk to HR first", by=pm1)
        final.refresh_from_db()
        assert final.status == "voided" and final.void_reason == "Not approved: Talk to HR first"

    def test_a_voided_action_no_longer_counts_but_stays(self, agent1, tl1, levels):
        coaching = cap(agent1, levels["coaching"], tl1)
        void_action(action=coaching, reason="Wrong agent", by=tl1)
        with pytest.raises(LadderError):
            cap(agent1, levels["written"], tl1)
        assert CorrectiveAction.objects.get().status == "voided"

    def test_a_term_terminates_and_notifies_the_pm(
        self, agent1, tl1, pm1, levels, django_capture_on_commit_callbacks
    ):
        pm1.email, tl1.email = "pm1@example.com", "tl1@example.com"
        pm1.save()
        tl1.save()
        for code in ("coaching", "written"):
            cap(agent1, levels[code], tl1)
        cap(agent1, levels["final"], pm1, approver=True)
        term = cap(agent1, levels["term"], tl1, reasons="No call, no show")
        agent1.refresh_from_db()
        assert term.status == "pending_approval" and agent1.status == Agent.Status.IN_ESP
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            approve_action(action=term, approve=True, by=pm1)
        agent1.refresh_from_db()
        assert agent1.status == Agent.Status.TERMINATED
        (message,) = [m for m in mail.outbox if m.subject.startswith("Term issued")]
        # The PM approved it: she is not told what she did; the TL who issued it is.
        assert message.to == ["tl1@example.com"] and message.subject == "Term issued: Alice Archer, East"
        assert "No call, no show" in message.body and "approved by" in message.body

    def test_issuing_a_recommendation_records_the_decision(self, esp_week, tl1, only, levels):
        only("Absences in the ESP week")
        day(esp_week, MONDAY, tl1, absent=True)
        day(esp_week, WEDNESDAY, tl1, absent=True)
        (rec,) = refresh(esp_week)
        action = cap(esp_week, levels["coaching"], tl1, recommendation=rec)
        rec.refresh_from_db()
        assert rec.status == "issued" and rec.decided_by == tl1 and action.facts == rec.facts

    def test_dismissing_needs_a_reason(self, esp_week, tl1, only):
        only("Absences in the ESP week")
        day(esp_week, MONDAY, tl1, absent=True)
        day(esp_week, WEDNESDAY, tl1, absent=True)
        (rec,) = refresh(esp_week)
        with pytest.raises(LadderError):
            dismiss_recommendation(recommendation=rec, reason=" ", by=tl1)
        dismiss_recommendation(recommendation=rec, reason="Approved leave", by=tl1)
        assert Recommendation.objects.get().dismiss_reason == "Approved leave"


class TestViews:
    def test_skipping_in_the_form_shows_the_message_beside_the_level(self, client_for, tl1, agent1, levels):
        response = client_for(tl1).post(
            reverse("attendance:cap_new", args=[agent1.pk]),
            {
                "level": levels["final"].pk,
                "date": "2026-11-25",
                "reasons": "x",
                "expectations": "y",
                "consequences": "z",
            },
        )
        assert response.status_code == 400
        assert "would skip a step" in response.context["form"].errors["level"][0]

    def test_the_written_cap_pdf_has_the_name_and_the_reasons(self, client_for, tl1, agent1, levels):
        cap(agent1, levels["coaching"], tl1)
        written = cap(agent1, levels["written"], tl1, reasons="Late on Mon 23 Nov and Wed 25 Nov")
        response = client_for(tl1).get(reverse("attendance:cap", args=[written.pk]), {"format": "pdf"})
        assert response["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert "Written CAP" in text and "Alice Archer" in text
        assert "Late on Mon 23 Nov and Wed 25 Nov" in text
        assert "Expected improvement" in text and "Signature" in text

    @pytest.mark.parametrize(
        "who, role", [("tl1", "Team lead"), ("pm1", "Program manager"), ("mgr1", "ESP manager")]
    )
    def test_a_cap_names_its_issuers_real_role(self, request, client_for, agent1, levels, who, role):
        issuer = request.getfixturevalue(who)
        issuer.first_name, issuer.last_name = "Dana", "Issuer"
        issuer.save()
        action = cap(agent1, levels["coaching"], issuer)
        page = client_for(request.getfixturevalue("pm1")).get(reverse("attendance:cap", args=[action.pk]))
        html = page.content.decode()
        assert f"<td>Dana Issuer ({role})</td>" in html
        assert f'<th scope="row">{role}</th><td>Dana Issuer</td>' in html  # the signature line
        assert html.count("Team lead") == (2 if role == "Team lead" else 0)

    def test_a_voided_cap_stays_visible_as_voided(self, client_for, tl1, agent1, levels):
        action = cap(agent1, levels["coaching"], tl1)
        client = client_for(tl1)
        assert (
            client.post(
                reverse("attendance:cap_void", args=[action.pk]), {"reason": "Entered twice"}
            ).status_code
            == 302
        )
        page = client.get(agent1.get_absolute_url()).content.decode()
        assert "voided</span>" in page
        detail = client.get(reverse("attendance:cap", args=[action.pk])).content.decode()
        assert "Entered twice" in detail

    @pytest.mark.parametrize(
        "who, status", [("tl1", 200), ("pm1", 200), ("mgr1", 200), ("tl2", 404), ("wfm1", 404), ("pm2", 404)]
    )
    def test_who_sees_a_cap(self, request, client_for, who, status, agent1, tl1, levels):
        action = cap(agent1, levels["coaching"], tl1)
        client = client_for(request.getfixturevalue(who))
        assert client.get(reverse("attendance:cap", args=[action.pk])).status_code == status
        assert (
            client.get(reverse("attendance:cap", args=[action.pk]), {"format": "pdf"}).status_code == status
        )

    @pytest.mark.parametrize("who", ["tl2", "wfm1", "mgr1"])
    def test_others_cannot_issue_void_or_dismiss(self, request, client_for, who, agent1, tl1, levels):
        action = cap(agent1, levels["coaching"], tl1)
        client = client_for(request.getfixturevalue(who))
        assert client.get(reverse("attendance:cap_new", args=[agent1.pk])).status_code == 404
        assert (
            client.post(reverse("attendance:cap_void", args=[action.pk]), {"reason": "x"}).status_code == 404
        )
        assert CorrectiveAction.objects.get().status == "active"

    def test_the_agent_page_queries_do_not_grow_with_caps(
        self, client_for, tl1, agent1, levels, count_queries
    ):
        client = client_for(tl1)
        client.get(agent1.get_absolute_url())  # what stays cached across the agent's writes (the tasks)
        cap(agent1, levels["coaching"], tl1)
        few = count_queries(lambda: client.get(agent1.get_absolute_url()))
        cap(agent1, levels["written"], tl1)
        cap(agent1, levels["final"], tl1)
        many = count_queries(lambda: client.get(agent1.get_absolute_url()))
        assert few == many

    def test_void_refuses_get(self, client_for, tl1, agent1, levels):
        action = cap(agent1, levels["coaching"], tl1)
        assert client_for(tl1).get(reverse("attendance:cap_void", args=[action.pk])).status_code == 405


def test_an_agent_issue_is_recorded_and_the_pm_emailed_at_once(
    client_for, tl1, pm1, agent1, django_capture_on_commit_callbacks
):
    pm1.email = "pm1@example.com"
    pm1.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(tl1).post(
            reverse("attendance:issue_report", args=[agent1.pk]), {"details": "Shared exam answers in chat"}
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["pm1@example.com"] and "Shared exam answers in chat" in message.body
    assert agent1.issues.get().reported_by == tl1
    with pytest.raises(LadderError):
        report_issue(agent=agent1, details="  ", by=tl1)


def test_an_agent_issue_waits_on_the_pm_dashboard_until_marked_handled(
    client_for, tl1, tl2, pm1, mgr1, agent1
):
    issue = report_issue(agent=agent1, details="Shared <b>exam</b> answers in chat", by=tl1)
    dashboard = reverse("desk:dashboard")
    page = client_for(pm1).get(dashboard).content.decode()
    assert "Agent issues waiting (1)" in page and "Shared &lt;b&gt;exam&lt;/b&gt; answers" in page
    assert "Mark handled" in page
    managers = client_for(mgr1).get(dashboard).content.decode()
    assert "Agent issues waiting (1)" in managers and "Mark handled" not in managers  # sees, cannot close
    handled = reverse("attendance:issue_handled", args=[issue.pk])
    for outsider in (tl1, tl2, mgr1):  # the TL reported it; only the cohort's PM closes it
        assert client_for(outsider).post(handled, {"note": "x"}).status_code == 404
    client = client_for(pm1)
    response = client.post(handled, {"note": " "}, follow=True)
    assert "Say what was done" in response.content.decode() and agent1.issues.get().handled_at is None
    response = client.post(handled, {"note": "Spoke with the agent; exam retaken under watch"})
    assert response.status_code == 302 and response.url == dashboard + "#issues"
    issue.refresh_from_db()
    assert issue.handled_by == pm1 and issue.handled_note == "Spoke with the agent; exam retaken under watch"
    assert "Agent issues waiting" not in client.get(dashboard).content.decode()
    latest = issue.history.latest()
    assert latest.history_user == pm1 and latest.handled_note.startswith("Spoke with")
    again = client.post(handled, {"note": "twice"}, follow=True).content.decode()
    assert "already marked this issue handled" in again
    agent_page = client_for(tl1).get(agent1.get_absolute_url()).content.decode()
    assert "handled</span>" in agent_page and "exam retaken under watch" in agent_page


def test_the_dashboards_issues_cost_a_fixed_number_of_queries(client_for, count_queries, tl1, pm1, cohort1):
    """One query when none waits; a few more, however many wait, when some do (each count is of
    a second read, after the one that renders what the report changed)."""
    agents = [AgentFactory(cohort=cohort1) for _ in range(3)]
    client, dashboard = client_for(pm1), reverse("desk:dashboard")

    def read() -> int:
        client.get(dashboard)
        return count_queries(lambda: client.get(dashboard))

    none = read()
    report_issue(agent=agents[0], details="Late back from lunch twice", by=tl1)
    one = read()
    for agent in agents[1:]:
        report_issue(agent=agent, details="Camera off all morning", by=tl1)
    assert read() == one <= none + 3
    page = client.get(dashboard).content.decode()
    assert "Agent issues waiting (3)" in page and page.count("Mark handled") == 3
