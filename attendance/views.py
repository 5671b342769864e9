import datetime
from collections import Counter
from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig
from django_tables2.export.export import TableExport

from attendance.forms import ReclassifyForm, RollCallRowForm, TimekeepingUploadForm
from attendance.models import AttendancePolicy, AttendanceRecord, Occurrence
from attendance.rendering import RowKit, render_row
from attendance.services import (
    ATTENDING,
    DayNotAllowed,
    Entry,
    Punch,
    StaleRecord,
    check_day,
    import_timekeeping,
    mark_all_present,
    read_timekeeping,
    reclassify,
    record_attendance,
    taken_days,
)
from attendance.tables import AttendanceMatrixTable, DayColumn
from cohorts.access import Action, get_agent_for, get_cohort_for, is_admin
from cohorts.models import Agent, Cohort, DaySignOff
from cohorts.services import DayClosed
from esp import fragments

TIMEKEEPING_SALT = "attendance.timekeeping-import"
PREVIEW_MAX_AGE = 60 * 60


def _cohort_for(request, pk: int, action: str) -> Cohort:
    """The cohort with its TL and PM if the user may perform `action` on it, else 404."""
    return get_cohort_for(request.user, pk, action, queryset=Cohort.objects.select_related("tl", "pm"))


@dataclass
class RollCallRow:
    agent: Agent
    record: AttendanceRecord | None
    form: RollCallRowForm
    message: str = ""
    level: str = ""  # "success", "danger" or "warning"

    @property
    def attending(self) -> bool:
        return self.agent.status in ATTENDING


def _local_time(record: AttendanceRecord | None, attr: str, cohort: Cohort):
    value = getattr(record, attr) if record else None
    return value.astimezone(cohort.tzinfo).time().replace(second=0, microsecond=0) if value else None


def _row_form(agent: Agent, record: AttendanceRecord | None, data=None) -> RollCallRowForm:
    cohort = agent.cohort
    initial = {
        "arrival": _local_time(record, "arrived_at", cohort),
        "departure": _local_time(record, "departed_at", cohort),
        "absent": record.absent if record else False,
        "excused": record.excused if record else False,
        "excused_reason": record.excused_reason if record else "",
        "version": record.version if record else 0,
    }
    return RollCallRowForm(data, initial=initial, prefix=f"a{agent.pk}")


def _parse_day(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


@login_required
def roll_call(request, pk: int):
    """Every agent of the cohort on one ESP day (the cohort's today by default)."""
    cohort = _cohort_for(request, pk, Action.EDIT)
    today = cohort.local_today()
    days = taken_days(cohort, today)
    context = {"cohort": cohort, "days": days, "today": today, "day": None}
    requested = request.GET.get("day")
    if requested:
        day = _parse_day(requested)
        if day is None:
            context["error"] = f"“{requested}” is not a date; use the links to the ESP days."
            return render(request, "attendance/roll_call.html", context, status=400)
    else:
        day = today
    try:
        check_day(cohort, day, today)
    except DayNotAllowed as exc:
        context["error"] = str(exc)
        return render(request, "attendance/roll_call.html", context, status=400 if requested else 200)

    build = partial(_roll_call_part, cohort, day)
    part = fragments.cached("roll-call", (cohort.pk, day), cohort.revision, build)
    context.update(part, day=day, day_number=cohort.day_number(day))
    return render(request, "attendance/roll_call.html", context)


def _roll_call_part(cohort: Cohort, day: datetime.date) -> dict:
    """The day's rows as HTML, with what the page says about them."""
    agents = list(Agent.objects.filter(cohort=cohort))
    for agent in agents:
        agent.cohort = cohort  # for the shift times; loaded already
    records = {r.agent_id: r for r in AttendanceRecord.objects.filter(cohort=cohort, day=day)}
    rows = [RollCallRow(a, records.get(a.pk), _row_form(a, records.get(a.pk))) for a in agents]
    kit = RowKit(cohort, day)
    return {
        "rows_html": mark_safe("".join(render_row(row, cohort=cohort, kit=kit) for row in rows)),  # noqa: S308
        "missing": sum(1 for r in rows if r.record is None and r.attending),
        "policy": AttendancePolicy.in_force(day),
        "sign_off": DaySignOff.objects.filter(cohort=cohort, day=day).select_related("signed_by").first(),
    }


@login_required
@require_POST
def roll_call_save(request, pk: int, day: datetime.date, agent_pk: int):
    """Save one row; answers with the row, its occurrences and a status message."""
    cohort = _cohort_for(request, pk, Action.EDIT)
    agent = Agent.objects.filter(cohort=cohort, pk=agent_pk).select_related("cohort").first()
    if agent is None:
        return render(
            request,
            "attendance/_roll_call_error.html",
            {"message": "That agent is not in this cohort; nothing was saved."},
            status=400,
        )
    form = _row_form(agent, None, request.POST)
    row = RollCallRow(agent, None, form)
    status = 200
    if not form.is_valid():
        row.record = AttendanceRecord.objects.filter(agent=agent, day=day).first()
        row.message, row.level, status = "Not saved: fix the highlighted field.", "danger", 400
    else:
        data = form.cleaned_data
        entry = Entry(
            arrival=data["arrival"],
            departure=data["departure"],
            absent=data["absent"],
            excused=data["excused"],
            excused_reason=data["excused_reason"].strip(),
        )
        try:
            row.record = record_attendance(
                agent=agent,
                day=day,
                entry=entry,
                expected_version=data["version"],
                by=request.user,
                reason=request.POST.get("closed_reason", ""),
            )
            row.form = _row_form(agent, row.record)
            row.message, row.level = f"Saved {timezone.localtime(timezone=cohort.tzinfo):%H:%M}", "success"
        except StaleRecord as exc:
            row.record = exc.current
            row.form = _row_form(agent, exc.current)
            who = exc.current.updated_by
            row.message = (
                f"Not saved: {who.get_full_name() or who.username if who else 'someone'} changed this "
                "record while you were editing. Here is what they saved; enter your change again."
            )
            row.level, status = "warning", 409
        except (DayNotAllowed, DayClosed) as exc:
            row.message, row.level, status = str(exc), "danger", 400
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, f"{agent}: {row.message}")
        return redirect(f"{reverse('attendance:roll_call', args=[cohort.pk])}?day={day.isoformat()}")
    return HttpResponse(render_row(row, cohort=cohort, kit=RowKit(cohort, day)), status=status)


@login_required
@require_POST
def roll_call_mark_all_present(request, pk: int, day: datetime.date):
    cohort = _cohort_for(request, pk, Action.EDIT)
    url = f"{reverse('attendance:roll_call', args=[cohort.pk])}?day={day.isoformat()}"
    try:
        count = mark_all_present(
            cohort=cohort, day=day, by=request.user, reason=request.POST.get("closed_reason", "")
        )
    except (DayNotAllowed, DayClosed) as exc:
        messages.error(request, str(exc))
        return redirect(url)
    if count:
        messages.success(
            request, f"Marked {count} agents present at their shift start. Now enter the exceptions."
        )
    else:
        messages.info(request, "Every attending agent already has a record for this day.")
    return redirect(url)


@login_required
def matrix(request, pk: int):
    """Agents by ESP days with their occurrences; exports to CSV and XLSX."""
    cohort = _cohort_for(request, pk, Action.ATTENDANCE)
    agents = list(Agent.objects.filter(cohort=cohort))
    records: dict[int, dict] = {}
    for record in AttendanceRecord.objects.filter(cohort=cohort):
        records.setdefault(record.agent_id, {})[record.day] = record
    data = []
    for agent in agents:
        days = records.get(agent.pk, {})
        data.append(
            {
                "name": agent.full_name,
                "first_name": agent.first_name,
                "last_name": agent.last_name,
                "employee_id": agent.employee_id,
                # Whoever reads a cohort's attendance reads each of its agents' attendance.
                "url": reverse("attendance:agent", args=[agent.pk]),
                # Every day has a key: a missing key makes django-tables2 format an error message
                # with the repr of the other records, which costs a query each.
                "days": {day.isoformat(): days.get(day) for day in cohort.esp_days},
                "occurrences": sum(len(r.occurrences) for r in days.values()),
            }
        )
    day_columns = [
        (f"day_{n}", DayColumn(day, verbose_name=f"Day {n} · {day:%a %-d %b}"))
        for n, day in enumerate(cohort.esp_days, start=1)
    ]
    table = AttendanceMatrixTable(data, extra_columns=day_columns, order_by=("name",))
    RequestConfig(request, paginate=False).configure(table)
    export_format = request.GET.get("_export")
    if TableExport.is_valid_format(export_format):
        return TableExport(export_format, table).response(f"attendance-{cohort.pk}.{export_format}")
    return render(request, "attendance/matrix.html", {"cohort": cohort, "table": table})


@login_required
def agent_attendance(request, pk: int):
    """One agent's ESP days: times, occurrences and totals."""
    agent = get_agent_for(
        request.user, pk, Action.ATTENDANCE, queryset=Agent.objects.select_related("cohort")
    )
    cohort = agent.cohort
    records = {
        r.day: r for r in AttendanceRecord.objects.filter(agent=agent).select_related("policy", "updated_by")
    }
    days = [
        {
            "number": n,
            "day": day,
            "record": records.get(day),
            "arrival": _local_time(records.get(day), "arrived_at", cohort),
            "departure": _local_time(records.get(day), "departed_at", cohort),
        }
        for n, day in enumerate(cohort.esp_days, start=1)
    ]
    totals = Counter(k for r in records.values() for k in r.occurrences)
    return render(
        request,
        "attendance/agent_attendance.html",
        {
            "agent": agent,
            "cohort": cohort,
            "days": days,
            "totals": [(Occurrence(k).label, totals.get(k, 0)) for k in Occurrence.values],
            "excused_count": sum(1 for r in records.values() if r.excused and r.occurrences),
            "can_view_agent": Agent.objects.visible_to(request.user).filter(pk=agent.pk).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def timekeeping_import(request, pk: int):
    """Upload a login report, see it checked; nothing is written until it is confirmed."""
    cohort = _cohort_for(request, pk, Action.EDIT)
    initial = {"start": cohort.esp_days[0], "end": min(cohort.end_date, cohort.local_today())}
    form = TimekeepingUploadForm(request.POST or None, request.FILES or None, initial=initial)
    context = {"cohort": cohort, "form": form}
    if request.method == "GET":
        return render(request, "attendance/timekeeping_import.html", context)
    if not form.is_valid():
        return render(request, "attendance/timekeeping_import.html", context, status=400)
    data = form.cleaned_data
    result = read_timekeeping(data["file"].read(), cohort=cohort, start=data["start"], end=data["end"])
    context["result"] = result
    if not result.ok:
        return render(request, "attendance/timekeeping_import.html", context, status=400)
    context["payload"] = signing.dumps(
        {"cohort": cohort.pk, "rows": result.rows_as_dicts()}, salt=TIMEKEEPING_SALT, compress=True
    )
    return render(request, "attendance/timekeeping_preview.html", context)


@login_required
@require_POST
def timekeeping_confirm(request, pk: int):
    cohort = _cohort_for(request, pk, Action.EDIT)
    try:
        data = signing.loads(request.POST.get("payload", ""), salt=TIMEKEEPING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, "That preview has expired or was altered. Upload the report again.")
        return render(
            request,
            "attendance/timekeeping_import.html",
            {"cohort": cohort, "form": TimekeepingUploadForm()},
            status=400,
        )
    if data.get("cohort") != cohort.pk:
        raise PermissionDenied("That preview belongs to another cohort.")
    punches = [Punch(**row) for row in data["rows"]]
    try:
        created, updated = import_timekeeping(cohort=cohort, punches=punches, by=request.user)
    except DayNotAllowed as exc:
        messages.error(request, f"Nothing was imported: {exc}")
        return redirect(reverse("attendance:timekeeping_import", args=[cohort.pk]))
    messages.success(request, f"Imported the login report: {created} days recorded, {updated} days updated.")
    return redirect(reverse("attendance:matrix", args=[cohort.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def reclassify_view(request):
    """Admins re-run the attendance policy over a range of days, on purpose and logged."""
    if not is_admin(request.user):
        raise PermissionDenied("Only admins reclassify attendance.")
    form = ReclassifyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            log = reclassify(
                start=data["start"],
                end=data["end"],
                cohort=data["cohort"],
                reason=data["reason"],
                by=request.user,
            )
            messages.success(
                request,
                f"Checked {log.records_checked} records from {log.start} to {log.end}; "
                f"{log.records_changed} changed under the policy in force on their day.",
            )
            return redirect(reverse("attendance:reclassify"))
        return render(request, "attendance/reclassify.html", {"form": form}, status=400)
    return render(request, "attendance/reclassify.html", {"form": form})


# --- Accountability: coaching, CAPs, terms, issues -----------------------------------------------


def _action_for(request, pk: int, action: str = Action.VIEW):
    """A corrective action of an agent the user may read (or edit), else 404."""
    from attendance.models import CorrectiveAction
    from cohorts.access import agent_filter

    queryset = CorrectiveAction.objects.select_related(
        "agent__cohort__tl", "agent__cohort__pm", "level", "issued_by", "override_by", "voided_by"
    )
    return get_object_or_404(
        queryset.filter(agent__in=Agent.objects.filter(agent_filter(request.user, action))), pk=pk
    )


def accountability_context(request, agent: Agent, forms: dict | None = None) -> dict:
    """What the agent page shows of coaching and CAPs (readers of the agent only)."""
    from attendance.accountability import current_level
    from attendance.forms import AgentIssueForm
    from attendance.models import AgentIssue, CorrectiveAction, Recommendation

    forms = forms or {}
    return {
        "recommendations": list(
            Recommendation.objects.filter(agent=agent, status=Recommendation.Status.PENDING).select_related(
                "rule", "level"
            )
        ),
        "actions": list(CorrectiveAction.objects.filter(agent=agent).select_related("level", "issued_by")),
        "current_level": current_level(agent),
        "issues": list(AgentIssue.objects.filter(agent=agent).select_related("reported_by")),
        "issue_form": forms.get("issue") or AgentIssueForm(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def cap_new(request, agent_pk: int):
    """Issue coaching or a CAP, from a recommendation (its facts become the reasons) or not."""
    from attendance.accountability import LadderError, issue_action, may_override
    from attendance.forms import CorrectiveActionForm
    from attendance.models import Recommendation

    agent = get_agent_for(request.user, agent_pk, Action.EDIT)
    recommendation = None
    recommendation_id = request.GET.get("recommendation") or request.POST.get("recommendation")
    if recommendation_id:
        if not recommendation_id.isdigit():
            raise Http404("No such recommendation.")
        recommendation = get_object_or_404(
            Recommendation.objects.select_related("rule", "level"),
            pk=int(recommendation_id),
            agent=agent,
            status=Recommendation.Status.PENDING,
        )
    initial = {"date": agent.cohort.local_today()}
    if recommendation:
        initial.update(
            level=recommendation.level,
            reasons=f"{recommendation.rule} (rule version {recommendation.rule.version}):\n"
            + "\n".join(f"- {f['text']}" for f in recommendation.facts),
        )
    form = CorrectiveActionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                action = issue_action(
                    agent=agent,
                    level=data["level"],
                    date=data["date"],
                    reasons=data["reasons"],
                    expectations=data["expectations"],
                    consequences=data["consequences"],
                    follow_up_date=data["follow_up_date"],
                    witness=data["witness"],
                    recommendation=recommendation,
                    override_reason=data["override_reason"],
                    by=request.user,
                )
            except LadderError as exc:
                form.add_error("level", str(exc))
            else:
                messages.success(request, f"{action.level} issued to {agent}.")
                return redirect(reverse("attendance:cap", args=[action.pk]))
        status = 400
    return render(
        request,
        "attendance/cap_form.html",
        {
            "agent": agent,
            "cohort": agent.cohort,
            "form": form,
            "recommendation": recommendation,
            "may_override": may_override(request.user, agent.cohort),
        },
        status=status,
    )


@login_required
@require_GET
def cap_detail(request, pk: int):
    """A coaching record or CAP: printable, and as a PDF with ?format=pdf."""
    from attendance.forms import AcknowledgeForm, ReasonForm

    action = _action_for(request, pk)
    context = {
        "action": action,
        "agent": action.agent,
        "cohort": action.agent.cohort,
        "can_edit": Agent.objects.visible_to(request.user, Action.EDIT).filter(pk=action.agent_id).exists(),
        "void_form": ReasonForm(),
        "ack_form": AcknowledgeForm(initial={"acknowledged_on": action.agent.cohort.local_today()}),
    }
    if request.GET.get("format") == "pdf":
        import weasyprint

        html = render(request, "attendance/cap_document.html", context).content.decode()
        pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"{action.level.code}-{action.agent.employee_id}-{action.date:%Y%m%d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "attendance/cap_detail.html", context)


@login_required
@require_POST
def cap_void(request, pk: int):
    from attendance.accountability import LadderError, void_action
    from attendance.forms import ReasonForm

    action = _action_for(request, pk, Action.EDIT)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise LadderError("Say why the action is voided.")
        void_action(action=action, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, f"{action.level} voided; it stays on the record as voided.")
    except LadderError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("attendance:cap", args=[action.pk]))


@login_required
@require_POST
def cap_acknowledge(request, pk: int):
    from attendance.accountability import acknowledge
    from attendance.forms import AcknowledgeForm

    action = _action_for(request, pk, Action.EDIT)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        acknowledge(
            action=action,
            on=form.cleaned_data["acknowledged_on"],
            comments=form.cleaned_data["comments"],
            by=request.user,
        )
        messages.success(request, "The agent's acknowledgement is recorded.")
    else:
        messages.error(request, "Give the date the agent acknowledged it.")
    return redirect(reverse("attendance:cap", args=[action.pk]))


@login_required
@require_POST
def recommendation_dismiss(request, pk: int):
    from attendance.accountability import LadderError, dismiss_recommendation
    from attendance.forms import ReasonForm
    from attendance.models import Recommendation

    recommendation = get_object_or_404(Recommendation.objects.select_related("agent"), pk=pk)
    agent = get_agent_for(request.user, recommendation.agent_id, Action.EDIT)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise LadderError("Say why the recommendation is dismissed.")
        dismiss_recommendation(
            recommendation=recommendation, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, "Recommendation dismissed; the reason is recorded.")
    except LadderError as exc:
        messages.error(request, str(exc))
    return redirect(agent)


@login_required
@require_POST
def issue_report(request, agent_pk: int):
    from attendance.accountability import report_issue
    from attendance.forms import AgentIssueForm
    from cohorts.views import render_agent_page

    agent = get_agent_for(request.user, agent_pk, Action.EDIT)
    form = AgentIssueForm(request.POST)
    if not form.is_valid():
        return render_agent_page(request, agent, status=400, forms={"issue": form})
    report_issue(agent=agent, details=form.cleaned_data["details"], by=request.user)
    messages.success(request, "Issue recorded; the PM is being emailed.")
    return redirect(agent)


@login_required
@require_GET
def wfm_attendance(request):
    """Read-only attendance across the active cohorts: every occurrence of their ESP weeks."""
    from django.db.models import Q

    from attendance.tables import WfmAttendanceTable
    from cohorts.access import cohort_filter

    cohorts = Cohort.objects.filter(cohort_filter(request.user, Action.ATTENDANCE)).filter(
        status=Cohort.Status.ACTIVE
    )
    records = (
        AttendanceRecord.objects.filter(cohort__in=cohorts)
        .filter(Q(absent=True) | ~Q(arrival_occurrence="") | ~Q(departure_occurrence=""))
        .select_related("cohort", "agent")
    )
    day = _parse_day(request.GET.get("day", ""))
    if day:
        records = records.filter(day=day)
    cohort_id = request.GET.get("cohort", "")
    if cohort_id.isdigit():
        records = records.filter(cohort_id=int(cohort_id))
    table = WfmAttendanceTable(records)
    RequestConfig(request, paginate={"per_page": 100}).configure(table)
    export_format = request.GET.get("_export")
    if TableExport.is_valid_format(export_format):
        return TableExport(export_format, table).response(f"attendance-occurrences.{export_format}")
    return render(
        request,
        "attendance/wfm.html",
        {"table": table, "cohorts": list(cohorts.order_by("name")), "day": day, "cohort_id": cohort_id},
    )
