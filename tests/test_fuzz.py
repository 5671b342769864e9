"""Random, huge, wrong-typed and missing values posted to every form: never a 500, and a refused
post writes nothing."""

import datetime
import os

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance.accountability import issue_action
from attendance.models import AttendanceRecord, CorrectiveAction, CorrectiveLevel, Recommendation
from certifications.models import DailyNote, ExamAttempt, Proof, RedFlag, TaskStatus
from certifications.services import raise_red_flag, upload_proof
from cohorts.models import Agent, Cohort
from tests.certifications.conftest import PNG
from tests.conftest import MONDAY
from tests.factories import AgentFactory
from tickets.models import Ticket
from tickets.services import draft

pytestmark = pytest.mark.django_db


junk = st.one_of(
    st.text(max_size=40),
    st.text(min_size=5000, max_size=20000, alphabet="xyz<>&\"'é漢\u0000"),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        ["", " ", "null", "None", "true", "on", "2026-02-30", "25:99", "-1", "0", "1e309", "../../etc"]
    ),
    st.dates().map(str),
    st.times().map(lambda t: t.strftime("%H:%M")),
)
upload = st.one_of(
    st.binary(max_size=3000),
    st.just(PNG),
    st.just(b"PK\x03\x04" + b"\x00" * 50),
    st.just(b"first name,last name\n" * 3),
)


def form_data(fields):
    """A dict with any subset of the fields, each junk (missing fields are simply absent)."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(fields, junk))


COUNTED = [
    Agent,
    Cohort,
    AttendanceRecord,
    TaskStatus,
    ExamAttempt,
    Proof,
    DailyNote,
    RedFlag,
    Ticket,
    CorrectiveAction,
]


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def world(cohort1, agent1, tl1, pm1, staff, tasks):
    cohort1.start_date = MONDAY
    cohort1.save()
    cap = issue_action(
        agent=agent1, level=CorrectiveLevel.objects.get(rank=1), date=MONDAY, reasons="r", expectations="e",
        consequences="c", by=tl1,
    )  # fmt: skip
    proof = upload_proof(agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("p.png", PNG), by=tl1)
    flag = raise_red_flag(agent=agent1, category="other", details="d", confidential=False, by=tl1)
    ticket = draft(type_code="carrier-ticket", agent=agent1, values={}, source_key=None, by=tl1)
    rec = Recommendation.objects.create(agent=agent1, rule_id=1, level=cap.level, facts=[], fingerprint="f")
    pending = CorrectiveAction.objects.create(
        agent=agent1, level=CorrectiveLevel.objects.order_by("-rank").first(), date=MONDAY, reasons="r",
        expectations="e", consequences="c", issued_by=tl1, status=CorrectiveAction.Status.PENDING_APPROVAL,
    )  # fmt: skip
    duplicate = upload_proof(
        agent=AgentFactory(cohort=cohort1),
        task=tasks["ahip"],
        upload=SimpleUploadedFile("q.png", PNG),
        by=tl1,
    )
    a, c, t = agent1.pk, cohort1.pk, tasks["tbt"].pk
    wed = datetime.date(2026, 11, 25)
    return {
        # url, user, field names, file field (or None)
        "cohort create": (
            reverse("cohorts:create"),
            staff,
            [
                "name",
                "start_date",
                "day_count",
                "time_zone",
                "shift_start",
                "shift_end",
                "tl",
                "pm",
                "meeting_main_url",
                "status",
            ],
            None,
        ),
        "cohort edit": (
            reverse("cohorts:edit", args=[c]),
            pm1,
            ["name", "start_date", "day_count", "time_zone", "tl", "status"],
            None,
        ),
        "agent add": (
            reverse("cohorts:agent_create", args=[c]),
            tl1,
            [
                "first_name",
                "last_name",
                "employee_id",
                "email",
                "phone",
                "equipment_source",
                "shift_start",
                "shift_end",
            ],
            None,
        ),
        "agent edit": (
            reverse("cohorts:agent_edit", args=[a]),
            tl1,
            ["first_name", "last_name", "employee_id", "email", "equipment_source"],
            None,
        ),
        "roster import": (reverse("cohorts:roster_import", args=[c]), tl1, [], "file"),
        "roster confirm": (reverse("cohorts:roster_import_confirm", args=[c]), tl1, ["payload"], None),
        "roll call row": (
            reverse("attendance:roll_call_save", args=[c, wed, a]),
            tl1,
            [
                f"a{a}-arrival",
                f"a{a}-departure",
                f"a{a}-absent",
                f"a{a}-excused",
                f"a{a}-excused_reason",
                f"a{a}-version",
                "closed_reason",
            ],
            None,
        ),
        "mark all present": (
            reverse("attendance:mark_all_present", args=[c, wed]),
            tl1,
            ["closed_reason"],
            None,
        ),
        "login report": (reverse("attendance:timekeeping_import", args=[c]), tl1, ["start", "end"], "file"),
        "login report confirm": (reverse("attendance:timekeeping_confirm", args=[c]), tl1, ["payload"], None),
        "reclassify": (reverse("attendance:reclassify"), staff, ["start", "end", "cohort", "reason"], None),
        "cap": (
            reverse("attendance:cap_new", args=[a]),
            tl1,
            [
                "level",
                "date",
                "reasons",
                "expectations",
                "consequences",
                "follow_up_date",
                "witness",
                "override_reason",
                "recommendation",
            ],
            None,
        ),
        "cap void": (reverse("attendance:cap_void", args=[cap.pk]), tl1, ["reason"], None),
        "cap approve": (
            reverse("attendance:cap_approve", args=[pending.pk]),
            pm1,
            ["decision", "reason"],
            None,
        ),
        "cap acknowledge": (
            reverse("attendance:cap_acknowledge", args=[cap.pk]),
            tl1,
            ["acknowledged_on", "comments"],
            None,
        ),
        "dismiss": (reverse("attendance:recommendation_dismiss", args=[rec.pk]), tl1, ["reason"], None),
        "issue": (reverse("attendance:issue_report", args=[a]), tl1, ["details"], None),
        "cell": (
            reverse("certifications:cell_save", args=[a, t]),
            tl1,
            [f"c{a}-{t}-status", f"c{a}-{t}-blocked_reason", f"c{a}-{t}-version"],
            None,
        ),
        "note": (
            reverse("certifications:note_save", args=[a, wed]),
            tl1,
            [f"n{a}-text", f"n{a}-version", "closed_reason"],
            None,
        ),
        "attempt": (
            reverse("certifications:attempt_add", args=[a]),
            tl1,
            ["task", "taken_on", "score", "passed"],
            None,
        ),
        "proof": (reverse("certifications:proof_upload", args=[a]), tl1, ["task"], "file"),
        "proof review": (
            reverse("certifications:proof_review", args=[proof.pk]),
            tl1,
            ["decision", "reason"],
            None,
        ),
        "clear duplicate": (
            reverse("certifications:proof_clear_duplicate", args=[duplicate.pk]),
            tl1,
            ["reason"],
            None,
        ),
        "red flag": (
            reverse("certifications:red_flag_raise", args=[a]),
            tl1,
            ["category", "details", "confidential"],
            None,
        ),
        "resolve flag": (
            reverse("certifications:red_flag_resolve", args=[flag.pk]),
            tl1,
            ["resolution"],
            None,
        ),
        "move": (reverse("desk:move", args=[a]), pm1, ["production_tl", "note"], None),
        "handoff ack": (reverse("desk:handoff_acknowledge", args=[a]), tl1, [], None),
        "ticket": (
            reverse("tickets:detail", args=[ticket.pk]),
            tl1,
            ["carrier", "issue", "steps_tried", "submit", "save"],
            None,
        ),
        "ticket create": (reverse("tickets:create", args=[c]), tl1, ["ticket_type", "agent"], None),
        "ticket resolve": (reverse("tickets:resolve", args=[ticket.pk]), tl1, ["resolution"], None),
        "carrier ticket": (
            reverse("tickets:carrier_ticket", args=[a]),
            tl1,
            ["carrier", "issue", "steps", "token"],
            None,
        ),
        "close day": (reverse("desk:close_day", args=[c]), tl1, [], None),
        "carry over": (reverse("desk:carry_over", args=[c, a]), tl1, ["reason", "next"], None),
        "password": (
            reverse("password_change"),
            tl1,
            ["old_password", "new_password1", "new_password2"],
            None,
        ),
    }


NAMES = [
    "cohort create", "cohort edit", "agent add", "agent edit", "roster import", "roster confirm",
    "roll call row", "mark all present", "login report", "login report confirm", "reclassify", "cap",
    "cap void", "cap approve", "cap acknowledge", "dismiss", "issue", "cell", "note", "attempt", "proof",
    "proof review", "clear duplicate", "red flag", "resolve flag", "move", "handoff ack", "ticket",
    "ticket create", "ticket resolve", "carrier ticket", "close day", "carry over", "password",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_no_form_answers_500_or_half_writes(name, world, client, tl1):
    url, user, fields, file_field = world[name]

    # Derandomized so that CI runs the same examples each time; FUZZ_EXAMPLES explores more.
    @settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20")),
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(data=form_data(fields), content=upload, htmx=st.booleans())
    def post(data, content, htmx):
        payload = dict(data)
        if file_field:
            payload[file_field] = SimpleUploadedFile("f.csv", content)
        before = counts()
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(url, payload, **headers)
        assert response.status_code < 500, (name, payload)
        assert "/accounts/login/" not in response.get("Location", ""), "the post must reach the view"
        if response.status_code >= 400:
            assert counts() == before, (name, response.status_code)

    with time_machine.travel(datetime.datetime(2026, 11, 25, 17, tzinfo=datetime.UTC), tick=False):
        client.force_login(user)  # inside the travel, or the session would have expired
        post()


def test_names_cover_the_world(world):
    assert sorted(NAMES) == sorted(world)
