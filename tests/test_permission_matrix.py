"""Every URL name against every role: what each may open (GET) is decided here in one table,
and a URL the table does not list fails the test."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from attendance.accountability import issue_action
from attendance.models import CorrectiveLevel, Recommendation
from certifications.services import raise_red_flag, upload_proof
from tests.certifications.conftest import PNG
from tickets.models import Playbook, TicketAttachment
from tickets.services import draft

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "tl1", "tl2", "pm1", "mgr1", "wfm1", "staff"]


def row(anonymous=302, tl1=200, tl2=200, pm1=200, mgr1=200, wfm1=200, staff=200):
    return dict(zip(ROLES, [anonymous, tl1, tl2, pm1, mgr1, wfm1, staff], strict=True))


LOGGED_IN = row()
POST_ONLY = row(tl1=405, tl2=405, pm1=405, mgr1=405, wfm1=405, staff=405)
COHORT_READ = row(tl2=404)  # the roster: WFM reads it for attendance
RECORDS = row(tl2=404, wfm1=404)  # agents' records: tracker, CAPs, tickets
EDIT = row(tl2=404, mgr1=404, wfm1=404)
MANAGE = row(tl1=404, tl2=404, mgr1=404, wfm1=404)
ATTENDANCE = row(tl2=404)
ROLE_PMS = row(tl1=403, tl2=403, mgr1=403, wfm1=403)
PM_DASHBOARD = row(tl1=403, tl2=403, wfm1=403)
LEAD_ONLY = row(tl2=404, pm1=404, mgr1=404, wfm1=404, staff=404)  # a card of the TL's own board
ADMIN_ONLY = row(tl1=403, tl2=403, pm1=403, mgr1=403, wfm1=403)

EXPECTED = {
    "home": row(tl1=302, tl2=302, pm1=302, mgr1=302, wfm1=302, staff=302),
    "login": row(anonymous=200, tl1=302, tl2=302, pm1=302, mgr1=302, wfm1=302, staff=302),
    "logout": row(anonymous=405, tl1=405, tl2=405, pm1=405, mgr1=405, wfm1=405, staff=405),
    "password_change": LOGGED_IN,
    "password_change_done": LOGGED_IN,
    "password_reset": row(anonymous=200),
    "password_reset_done": row(anonymous=200),
    "password_reset_confirm": row(anonymous=200),  # a link that does not work says so
    "password_reset_complete": row(anonymous=200),
    "healthz": row(anonymous=200),
    "desk:about": LOGGED_IN,
    "cohorts:list": LOGGED_IN,
    "desk:board": LOGGED_IN,
    "desk:board_card": LEAD_ONLY,
    "desk:settings": ADMIN_ONLY,
    "desk:settings_schedule": ADMIN_ONLY,
    "desk:settings_test_digest": POST_ONLY,
    "desk:settings_people": ADMIN_ONLY,
    "desk:settings_tasks": ADMIN_ONLY,
    "desk:settings_cohort_terms": ADMIN_ONLY,
    "desk:settings_policy": ADMIN_ONLY,
    "desk:settings_rules": ADMIN_ONLY,
    "desk:settings_rule": ADMIN_ONLY,
    "desk:settings_ladder": ADMIN_ONLY,
    "desk:settings_playbooks": ADMIN_ONLY,
    "desk:settings_playbook": ADMIN_ONLY,
    "desk:settings_ticket_forms": ADMIN_ONLY,
    "desk:settings_ticket_form": ADMIN_ONLY,
    "desk:settings_person_new": ADMIN_ONLY,
    "desk:settings_person": ADMIN_ONLY,
    "desk:dashboard": PM_DASHBOARD,
    "desk:cohort_bar": COHORT_READ,
    "desk:close_day": POST_ONLY,
    "desk:carry_over": POST_ONLY,
    "cohorts:create": ROLE_PMS,
    "desk:cohort": COHORT_READ,
    "cohorts:edit": MANAGE,
    "cohorts:agent_create": EDIT,
    "cohorts:roster_import": EDIT,
    "cohorts:roster_import_confirm": POST_ONLY,
    "desk:agent": RECORDS,
    "cohorts:agent_edit": EDIT,
    "attendance:roll_call": EDIT,
    "attendance:mark_all_present": POST_ONLY,
    "attendance:roll_call_save": POST_ONLY,
    "attendance:matrix": ATTENDANCE,
    "attendance:timekeeping_import": EDIT,
    "attendance:timekeeping_confirm": POST_ONLY,
    "attendance:meet_import": EDIT,
    "attendance:meet_confirm": POST_ONLY,
    "attendance:agent": ATTENDANCE,
    "attendance:reclassify": ADMIN_ONLY,
    "attendance:wfm": LOGGED_IN,
    "attendance:cap_new": EDIT,
    "attendance:issue_report": POST_ONLY,
    "attendance:issue_handled": POST_ONLY,
    "attendance:cap": RECORDS,
    "attendance:cap_void": POST_ONLY,
    "attendance:cap_approve": POST_ONLY,
    "attendance:cap_acknowledge": POST_ONLY,
    "attendance:cap_step": POST_ONLY,
    "attendance:caps_awaiting": LOGGED_IN,
    "attendance:recommendation_dismiss": POST_ONLY,
    "certifications:tracker": RECORDS,
    "certifications:notes": RECORDS,
    "certifications:cell_save": POST_ONLY,
    "certifications:note_save": POST_ONLY,
    "certifications:attempt_add": POST_ONLY,
    "certifications:proof_upload": POST_ONLY,
    "certifications:red_flag_raise": POST_ONLY,
    "desk:move": POST_ONLY,
    "desk:handoff": RECORDS,
    "desk:handoff_acknowledge": POST_ONLY,
    "certifications:proof_file": RECORDS,
    "certifications:proof_review": POST_ONLY,
    "certifications:proof_clear_duplicate": POST_ONLY,
    "certifications:red_flag_resolve": POST_ONLY,
    "tickets:list": RECORDS,
    "tickets:create": POST_ONLY,
    "tickets:review": EDIT,
    "tickets:detail": RECORDS,
    "tickets:file": RECORDS,
    "tickets:resolve": POST_ONLY,
    "tickets:carrier_ticket": POST_ONLY,
}


def url_names(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin has its own staff-only checks
            yield from url_names(
                pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


def test_the_table_lists_every_url_name():
    assert sorted(set(url_names())) == sorted(EXPECTED)


@pytest.fixture
def world(cohort1, agent1, tl1, tasks):
    """tl1's cohort with one of each kind of record the URLs point at."""
    day = cohort1.local_today()
    cap = issue_action(
        agent=agent1, level=CorrectiveLevel.objects.get(rank=1), date=day, reasons="r", expectations="e",
        consequences="c", by=tl1,
    )  # fmt: skip
    proof = upload_proof(agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("p.png", PNG), by=tl1)
    flag = raise_red_flag(agent=agent1, category="other", details="d", confidential=False, by=tl1)
    ticket = draft(type_code="carrier-ticket", agent=agent1, values={}, source_key=None, by=tl1)
    attachment = TicketAttachment(
        ticket=ticket, field_name="issue", original_name="p.png", content_type="image/png", size=len(PNG),
        sha256="0" * 64, uploaded_by=tl1,
    )  # fmt: skip
    attachment.file.save("attachment", ContentFile(PNG))
    recommendation = Recommendation.objects.create(
        agent=agent1, rule_id=1, level=cap.level, facts=[], fingerprint="x"
    )
    ids = {
        "pk": cohort1.pk,
        "cohort_pk": cohort1.pk,
        "agent_pk": agent1.pk,
        "task_pk": tasks["tbt"].pk,
        "day": day,
        "current": "tracker",
    }
    object_pks = {
        "desk:agent": agent1.pk,
        "cohorts:agent_edit": agent1.pk,
        "attendance:agent": agent1.pk,
        "attendance:cap": cap.pk,
        "attendance:cap_void": cap.pk,
        "attendance:cap_approve": cap.pk,
        "attendance:cap_acknowledge": cap.pk,
        "attendance:recommendation_dismiss": recommendation.pk,
        "certifications:proof_file": proof.pk,
        "certifications:proof_review": proof.pk,
        "certifications:proof_clear_duplicate": proof.pk,
        "certifications:red_flag_resolve": flag.pk,
        "tickets:detail": ticket.pk,
        "tickets:file": attachment.pk,
        "desk:settings_person": tl1.pk,
        "desk:settings_rule": recommendation.rule_id,
        "desk:settings_ticket_form": ticket.ticket_type_id,
        "desk:settings_playbook": Playbook.objects.first().pk,
        "tickets:resolve": ticket.pk,
    }
    return ids, object_pks


def url_for(name, world):
    ids, object_pks = world
    for kwargs in _candidates(name, ids, object_pks):
        try:
            return reverse(name, kwargs=kwargs)
        except Exception:  # noqa: BLE001, S112 - try the next shape of arguments
            continue
    raise AssertionError(f"no arguments fit {name}")


def _candidates(name, ids, object_pks):
    if name in object_pks:
        yield {"pk": object_pks[name]}
    if name == "password_reset_confirm":
        yield {"uidb64": "MQ", "token": "not-a-token"}
    if name == "attendance:cap_step":
        yield {"pk": object_pks["attendance:cap"], "step": "deliver"}
    yield {}
    shapes = [
        ("pk",), ("cohort_pk",), ("agent_pk",), ("agent_pk", "task_pk"), ("agent_pk", "day"), ("pk", "day"),
        ("pk", "day", "agent_pk"), ("pk", "agent_pk"), ("pk", "current"),
    ]  # fmt: skip
    for keys in shapes:
        yield {k: ids[k] for k in keys}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_gets_what_the_table_says(name, world, client, request):
    url = url_for(name, world)
    got = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        got[role] = client.get(url).status_code
    assert got == EXPECTED[name], url


@pytest.mark.parametrize("name", sorted(n for n, r in EXPECTED.items() if r["anonymous"] == 302))
def test_anonymous_users_are_sent_to_login(name, world, client):
    response = client.get(url_for(name, world))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_admin_is_for_staff_only(client, tl1, pm1, staff):
    for user, status in ((tl1, 302), (pm1, 302), (staff, 200)):
        client.force_login(user)
        assert client.get(reverse("admin:index")).status_code == status


def test_a_date_in_a_url_that_is_not_a_date_is_404(client, tl1, cohort1, agent1):
    client.force_login(tl1)
    assert (
        client.post(f"/attendance/cohorts/{cohort1.pk}/roll-call/2026-13-45/agents/{agent1.pk}/").status_code
        == 404
    )
