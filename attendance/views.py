"""Attendance pages: the roll call (rows save in place), the matrix and each agent's days with
exports, the login-report import, reclassification, WFM's view; coaching and CAPs."""

import datetime
import functools
from collections import Counter
from dataclasses import asdict, dataclass, field

import weasyprint
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from attendance.accountability import (
    LadderError,
    LifeError,
    acknowledge,
    approve_action,
    decide_appeal,
    deliver,
    dismiss_recommendation,
    issue_action,
    mark_issue_handled,
    record_appeal,
    record_response,
    refuse_to_sign,
    report_issue,
    void_action,
)
from attendance.forms import (
    AcknowledgeForm,
    AgentIssueForm,
    AppealDecisionForm,
    ApprovalForm,
    CorrectiveActionForm,
    IssueHandledForm,
    MeetUploadForm,
    ReasonForm,
    ReclassifyForm,
    RefusalForm,
    RollCallRowForm,
    TimekeepingUploadForm,
    WfmFilterForm,
    WrittenForm,
)
from attendance.meet import Participant, read_meet_report
from attendance.models import (
    AgentIssue,
    AttendancePolicy,
    AttendanceRecord,
    CorrectiveAction,
    Occurrence,
    Recommendation,
)
from attendance.services import (
    DayNotAllowed,
    Entry,
    Punch,
    StaleRecord,
    check_day,
    import_meet_report,
    import_timekeeping,
    mark_all_present,
    meet_preview,
    preview_reclassify,
    read_timekeeping,
    reclassify,
    record_attendance,
    taken_days,
    timekeeping_lines,
)
from attendance.tables import AttendanceMatrixTable, DayColumn, WfmAttendanceTable
from cohorts.access import Action, Role, agent_filter, capabilities, cohort_filter, has_role, is_admin
from cohorts.models import Agent, Cohort
from cohorts.selectors import ATTENDING, agent_for, cohort_agent_for, cohort_for, sign_off_of
from cohorts.services import DayClosed
from core import tables
from core.converters import parse_day, parse_whole
from core.exports import BadExport, SafeTableExport, bad_export, export_format
from core.fragments import digest
from core.urls import DAY, ID, ID2, UrlPattern

TIMEKEEPING_SALT = "attendance.timekeeping-import"
PREVIEW_MAX_AGE = 60 * 60
FIELDS = ("arrival", "departure", "absent", "excused", "excused_reason")


@dataclass
class RollCallRow:
    """One agent's row of the roll call, as the template shows it."""

    agent: Agent
    record: AttendanceRecord | None
    values: dict = field(default_factory=dict)  # field -> the text its input shows
    errors: dict = field(default_factory=dict)  # field -> messages
    message: str = ""
    level: str = ""  # "success", "danger" or "warning"
    save_url: str = ""

    @property
    def attending(self) -> bool:
        return self.agent.status in ATTENDING

    @property
    def version(self) -> int:
        return self.record.version if self.record else 0

    @property
    def missing(self) -> bool:
        """Not taken yet: an attending agent with no record of the day (what Mark all present
        records; the page's count is the sum of these rows, and follows each save)."""
        return self.attending and self.record is None

    @property
    def signature(self) -> str:
        """A digest of everything the row shows (the agent, their record, the cohort's shift and
        zone): the key its HTML is cached under, so that after a save only that row is rendered."""
        cohort = self.agent.cohort
        facts = (
            _field_values(self.agent),
            _field_values(self.record) if self.record else None,
            (cohort.shift_start, cohort.shift_end, cohort.time_zone, self.save_url),
        )
        return digest(*facts)

    @property
    def shift_times(self) -> tuple[datetime.time, datetime.time]:
        """The shift the record was taken against, or the agent's shift today; cohort-local."""
        if self.record:
            tz = self.agent.cohort.tzinfo
            return (
                self.record.scheduled_start_at.astimezone(tz).time(),
                self.record.scheduled_end_at.astimezone(tz).time(),
            )
        return self.agent.scheduled_shift()

    @property
    def shift(self) -> str:
        return "–".join(t.strftime("%H:%M") for t in self.shift_times)

    @property
    def shift_start(self) -> str:
        return self.shift_times[0].strftime("%H:%M")


def _field_values(instance) -> tuple:
    return tuple(getattr(instance, f.attname) for f in instance._meta.concrete_fields)


def _local_time(record: AttendanceRecord | None, attr: str, cohort: Cohort):
    value = getattr(record, attr) if record else None
    return value.astimezone(cohort.tzinfo).time().replace(second=0, microsecond=0) if value else None


def _values(record: AttendanceRecord | None, cohort: Cohort) -> dict:
    arrival, departure = _local_time(record, "arrived_at", cohort), _local_time(record, "departed_at", cohort)
    return {
        "arrival": arrival.strftime("%H:%M") if arrival else "",
        "departure": departure.strftime("%H:%M") if departure else "",
        "absent": bool(record and record.absent),
        "excused": bool(record and record.excused),
        "excused_reason": record.excused_reason if record else "",
    }


def _row(agent: Agent, record: AttendanceRecord | None, url: UrlPattern, day) -> RollCallRow:
    return RollCallRow(
        agent, record, _values(record, agent.cohort), save_url=url(agent.cohort_id, day, agent.pk)
    )


@login_required
def roll_call(request, pk: int):
    """Every agent of the cohort on one ESP day (the cohort's today by default)."""
    cohort, caps = cohort_for(request.user, pk, Action.EDIT)
    timezone.activate(cohort.tzinfo)
    today = cohort.local_today()
    days = taken_days(cohort, today)
    context = {"cohort": cohort, "caps": caps, "days": days, "today": today, "day": None}
    requested = request.GET.get("day")
    if requested:
        day = parse_day(requested)
        if day is None:
            context["error"] = f"“{requested}” is not a date; use the links to the ESP days."
            return render(request, "attendance/roll_call.html", context, status=400)
    else:
        day = today
    try:
        policy = check_day(cohort, day, today)
    except DayNotAllowed as exc:
        context["error"] = str(exc)
        return render(request, "attendance/roll_call.html", context, status=400 if requested else 200)

    @functools.cache
    def rows() -> list[RollCallRow]:
        """Built only when the cached rows miss."""
        agents = list(Agent.objects.filter(cohort=cohort))
        for agent in agents:
            agent.cohort = cohort  # for the shift times; loaded already
        records = {r.agent_id: r for r in AttendanceRecord.objects.filter(cohort=cohort, day=day)}
        url = UrlPattern("attendance:roll_call_save", ID, DAY, ID2)
        return [_row(a, records.get(a.pk), url, day) for a in agents]

    def missing() -> int:
        """Agents not taken yet (what Mark all present records), read only when the day's part
        misses, from the rows it shows."""
        return sum(1 for row in rows() if row.missing)

    context.update(
        day=day,
        day_number=cohort.day_number(day),
        revision=cohort.revision_of(AttendanceRecord),
        rows=rows,
        missing=functools.cache(missing),
        policy=policy,
        sign_off=functools.cache(functools.partial(sign_off_of, cohort, day)),
        timeout=settings.PAGE_CACHE_SECONDS,
    )
    return render(request, "attendance/roll_call.html", context)


@login_required
@require_POST
def roll_call_save(request, pk: int, day: datetime.date, agent_pk: int):
    """Save one row; answers with the row, its occurrences and a status message."""
    try:
        agent, caps = cohort_agent_for(request.user, pk, agent_pk, Action.EDIT)
    except Http404:
        cohort_for(request.user, pk, Action.EDIT)  # 404 unless the user works in this cohort
        context = {"message": "That agent is not in this cohort; nothing was saved."}
        return render(request, "attendance/roll_call.html#roll-call-error", context, status=400)
    cohort = agent.cohort
    timezone.activate(cohort.tzinfo)
    form = RollCallRowForm(request.POST, prefix=f"a{agent.pk}")
    url = UrlPattern("attendance:roll_call_save", ID, DAY, ID2)
    status = 200
    if not form.is_valid():
        row = _row(agent, AttendanceRecord.objects.filter(agent=agent, day=day).first(), url, day)
        row.values.update({name: form[name].value() or "" for name in FIELDS})
        row.errors = {
            ("all" if name == "__all__" else name): list(errors) for name, errors in form.errors.items()
        }
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
            record = record_attendance(
                agent=agent,
                day=day,
                entry=entry,
                expected_version=data["version"],
                by=request.user,
                reason=request.POST.get("closed_reason", ""),
            )
            row = _row(agent, record, url, day)
            row.message, row.level = f"Saved {timezone.localtime():%H:%M}", "success"
        except StaleRecord as exc:
            row = _row(agent, exc.current, url, day)
            who = exc.current.updated_by
            name = (who.get_full_name() or who.username) if who else "someone"
            row.message = (
                f"Not saved: {name} changed this record while you were editing. Here is what they "
                "saved; enter your change again."
            )
            row.level, status = "warning", 409
        except (DayNotAllowed, DayClosed) as exc:
            row = _row(agent, AttendanceRecord.objects.filter(agent=agent, day=day).first(), url, day)
            row.values.update({name: form[name].value() or "" for name in FIELDS})
            row.message, row.level, status = str(exc), "danger", 400
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, f"{agent}: {row.message}")
        return redirect(f"{reverse('attendance:roll_call', args=[cohort.pk])}?day={day.isoformat()}")
    return render(
        request, "attendance/roll_call.html#roll-call-row", {"row": row, "caps": caps}, status=status
    )


@login_required
@require_POST
def roll_call_mark_all_present(request, pk: int, day: datetime.date):
    cohort, _ = cohort_for(request.user, pk, Action.EDIT)
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
    cohort, caps = cohort_for(request.user, pk, Action.ATTENDANCE)
    timezone.activate(cohort.tzinfo)
    agents = list(Agent.objects.filter(cohort=cohort))
    records: dict[int, dict] = {}
    for record in AttendanceRecord.objects.filter(cohort=cohort):
        records.setdefault(record.agent_id, {})[record.day] = record
    url = UrlPattern("attendance:agent")
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
                "url": url(agent.pk),
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
    tables.configure(request, table)
    try:
        fmt = export_format(request)
    except BadExport:
        return bad_export()
    if fmt:
        export = SafeTableExport(fmt, table, title=f"Attendance {cohort.name}")
        return export.response(f"attendance-{cohort.pk}.{fmt}")
    return render(request, "attendance/matrix.html", {"cohort": cohort, "caps": caps, "table": table})


@login_required
def agent_attendance(request, pk: int):
    """One agent's ESP days: times, occurrences and totals."""
    agent, caps = agent_for(request.user, pk, Action.ATTENDANCE)
    cohort = agent.cohort
    timezone.activate(cohort.tzinfo)
    records = {
        r.day: r
        for r in AttendanceRecord.objects.filter(agent=agent)
        .select_related("policy", "updated_by")
        .prefetch_related("gaps")
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
            "caps": caps,
            "days": days,
            "totals": [(Occurrence(k).label, totals.get(k, 0)) for k in Occurrence.values],
            "excused_count": sum(1 for r in records.values() if r.excused and r.occurrences),
            "can_view_agent": caps.reads_agent,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def timekeeping_import(request, pk: int):
    """Upload a login report, see it checked; nothing is written until it is confirmed."""
    cohort, caps = cohort_for(request.user, pk, Action.EDIT)
    initial = {"start": cohort.esp_days[0], "end": min(cohort.end_date, cohort.local_today())}
    form = TimekeepingUploadForm(request.POST or None, request.FILES or None, initial=initial)
    context = {"cohort": cohort, "caps": caps, "form": form}
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
    timezone.activate(cohort.tzinfo)
    context["lines"] = timekeeping_lines(cohort=cohort, punches=result.rows)
    return render(request, "attendance/timekeeping_preview.html", context)


class ExpiredPreview(Exception):
    """A report's preview that expired or was altered: the answer is to upload it again."""

    def __init__(self, response):
        super().__init__("expired preview")
        self.response = response


def _previewed(request, cohort, caps, *, salt: str, template: str, form) -> dict:
    """What a report's preview carried (signed, for an hour), for this cohort only; ExpiredPreview
    with the upload page to answer when it expired or was altered."""
    try:
        data = signing.loads(request.POST.get("payload", ""), salt=salt, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, "That preview has expired or was altered. Upload the report again.")
        context = {"cohort": cohort, "caps": caps, "form": form}
        raise ExpiredPreview(render(request, template, context, status=400)) from None
    if data.get("cohort") != cohort.pk:
        raise PermissionDenied("That preview belongs to another cohort.")
    return data


@login_required
@require_POST
def timekeeping_confirm(request, pk: int):
    cohort, caps = cohort_for(request.user, pk, Action.EDIT)
    try:
        data = _previewed(
            request, cohort, caps, salt=TIMEKEEPING_SALT, template="attendance/timekeeping_import.html",
            form=TimekeepingUploadForm(),
        )  # fmt: skip
    except ExpiredPreview as exc:
        return exc.response
    punches = [Punch(**row) for row in data["rows"]]
    replace = frozenset(request.POST.getlist("replace"))
    try:
        created, updated = import_timekeeping(
            cohort=cohort, punches=punches, by=request.user, replace=replace
        )
    except DayNotAllowed as exc:
        messages.error(request, f"Nothing was imported: {exc}")
        return redirect(reverse("attendance:timekeeping_import", args=[cohort.pk]))
    left = len(punches) - created - updated
    messages.success(
        request,
        f"Imported the login report: {created} days recorded, {updated} days updated, "
        f"{left} left as they were.",
    )
    return redirect(reverse("attendance:matrix", args=[cohort.pk]))


MEET_SALT = "attendance.meet-report"


@login_required
@require_http_methods(["GET", "POST"])
def meet_import(request, pk: int):
    """Upload a Google Meet attendance report and see what it would record; nothing is written
    until the TL confirms."""
    cohort, caps = cohort_for(request.user, pk, Action.EDIT)
    form = MeetUploadForm(request.POST or None, request.FILES or None, cohort=cohort)
    context = {"cohort": cohort, "caps": caps, "form": form}
    if request.method == "GET":
        return render(request, "attendance/meet_import.html", context)
    if not form.is_valid():
        return render(request, "attendance/meet_import.html", context, status=400)
    upload, day = form.cleaned_data["file"], form.cleaned_data["meeting_day"]
    report = read_meet_report(upload.read(), file_name=upload.name, day=day)
    if not report.ok:
        context["report"] = report
        return render(request, "attendance/meet_import.html", context, status=400)
    payload = {
        "cohort": cohort.pk,
        "day": day.isoformat(),
        "file": upload.name[:200],
        "participants": {key: asdict(p) for key, p in report.participants.items()},
        "matches": {},
    }
    return _meet_preview(request, cohort, caps, payload)


def _meet_preview(
    request, cohort, caps, payload, *, replace=frozenset(), gaps=frozenset(), note="", status=200
):
    timezone.activate(cohort.tzinfo)  # the sessions and records as the cohort's clock reads them
    participants = {key: Participant(**p) for key, p in payload["participants"].items()}
    preview = meet_preview(
        cohort=cohort,
        day=datetime.date.fromisoformat(payload["day"]),
        participants=participants,
        matches=payload["matches"],
        replace=replace,
    )
    for line in preview.lines:  # each time away with its checkbox's value, checked if confirmed
        line.gap_choices = [
            (left, back, f"{line.agent.pk}|{left.isoformat()}", (line.agent.pk, left.isoformat()) in gaps)
            for left, back in line.gaps
        ]
    context = {
        "cohort": cohort,
        "caps": caps,
        "preview": preview,
        "file_name": payload["file"],
        "payload": signing.dumps(payload, salt=MEET_SALT, compress=True),
        "agents": sorted(cohort.agents.all(), key=lambda a: (a.last_name, a.first_name)),
        "note": note,
    }
    return render(request, "attendance/meet_preview.html", context, status=status)


@login_required
@require_POST
def meet_confirm(request, pk: int):
    """Match the addresses nobody is known by (then see the preview again), or import."""
    cohort, caps = cohort_for(request.user, pk, Action.EDIT)
    try:
        payload = _previewed(
            request, cohort, caps, salt=MEET_SALT, template="attendance/meet_import.html",
            form=MeetUploadForm(cohort=cohort),
        )  # fmt: skip
    except ExpiredPreview as exc:
        return exc.response
    agents = set(cohort.agents.values_list("pk", flat=True))
    matched = {}
    for name, key in request.POST.items():
        if not (name.startswith("match-") and name.endswith("-key")) or key not in payload["participants"]:
            continue
        choice = request.POST.get(name.removesuffix("-key"), "")
        if choice == "ignore":
            matched[key] = None
        elif parse_whole(choice) in agents:
            matched[key] = parse_whole(choice)
    replace = frozenset(n for n in map(parse_whole, request.POST.getlist("replace")) if n is not None)
    gaps = frozenset(
        (parse_whole(agent), left)
        for agent, _, left in (v.partition("|") for v in request.POST.getlist("gap"))
        if parse_whole(agent) is not None
    )
    new = {k: v for k, v in matched.items() if k not in payload["matches"]}
    if new or request.POST.get("action") != "import":
        payload["matches"] = payload["matches"] | new
        note = "Check what the addresses you matched record, then import." if new else ""
        return _meet_preview(request, cohort, caps, payload, replace=replace, gaps=gaps, note=note)
    day = datetime.date.fromisoformat(payload["day"])
    try:
        done = import_meet_report(
            cohort=cohort,
            day=day,
            participants={key: Participant(**p) for key, p in payload["participants"].items()},
            matches=payload["matches"],
            replace=replace,
            gaps=gaps,
            file_name=payload["file"],
            by=request.user,
        )
    except DayNotAllowed as exc:
        messages.error(request, f"Nothing was imported: {exc}")
        return redirect(reverse("attendance:meet_import", args=[cohort.pk]))
    messages.success(
        request,
        f"Imported the Meet report of {day:%a %-d %b}: {done.created} days recorded, {done.updated} "
        f"updated, {done.unchanged} already as the report says, {done.kept} kept as entered; "
        f"{done.gaps} time{'s' if done.gaps != 1 else ''} away confirmed.",
    )
    return redirect(f"{reverse('attendance:roll_call', args=[cohort.pk])}?day={day.isoformat()}")


@login_required
@require_http_methods(["GET", "POST"])
def reclassify_view(request):
    """Admins re-run the attendance policy over a range of days, on purpose and logged."""
    if not is_admin(request.user):
        raise PermissionDenied("Only admins reclassify attendance.")
    form = ReclassifyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and request.POST.get("action") != "confirm":
            data = form.cleaned_data  # first the changes it would make, nothing written
            checked, changes = preview_reclassify(start=data["start"], end=data["end"], cohort=data["cohort"])
            context = {
                "form": form,
                "previewed": True,
                "changes": [c.as_dict() for c in changes],
                "summary": f"Would change: {len(changes)} of {checked} records",
            }
            return render(request, "attendance/reclassify.html", context)
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
                f"Checked {log.records_checked} records from {log.start} to {log.end}: "
                f"{log.records_changed} changed their occurrences under the policy in force on their "
                "day; only those go to WFM as corrections.",
            )
            context = {
                "form": ReclassifyForm(),
                "changes": log.changes,
                "summary": (
                    f"Reclassified: {log.records_changed} of {log.records_checked} records changed class"
                ),
            }
            return render(request, "attendance/reclassify.html", context)
        return render(request, "attendance/reclassify.html", {"form": form}, status=400)
    return render(request, "attendance/reclassify.html", {"form": form})


# --- Accountability: coaching, CAPs, terms, issues -----------------------------------------------


def _action_for(request, pk: int, action: str = Action.VIEW):
    """A corrective action of an agent the user may read (or edit), and the user's capabilities."""
    queryset = CorrectiveAction.objects.select_related(
        "agent__cohort__tl",
        "agent__cohort__pm",
        "level",
        "issued_by",
        "override_by",
        "voided_by",
        "approved_by",
    )
    item = get_object_or_404(
        queryset.filter(agent__in=Agent.objects.filter(agent_filter(request.user, action))), pk=pk
    )
    timezone.activate(item.agent.cohort.tzinfo)
    return item, capabilities(request.user, item.agent.cohort, item.agent)


@login_required
@require_http_methods(["GET", "POST"])
def cap_new(request, agent_pk: int):
    """Issue coaching or a CAP, from a recommendation (its facts become the reasons) or not."""
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT)
    timezone.activate(agent.cohort.tzinfo)
    recommendation = None
    recommendation_id = request.GET.get("recommendation") or request.POST.get("recommendation")
    if recommendation_id:
        if not recommendation_id.isascii() or not recommendation_id.isdigit():
            raise Http404("No such recommendation.")
        recommendation = get_object_or_404(
            Recommendation.objects.select_related("rule", "level"),
            pk=int(recommendation_id),
            agent=agent,
            status=Recommendation.Status.PENDING,
        )
    initial = {"date": agent.cohort.local_today()}
    if recommendation:
        # The incidents are printed from the recommendation's facts, once, under their own heading.
        initial.update(
            level=recommendation.level,
            reasons=f"The rule “{recommendation.rule.name}” (version {recommendation.rule.version}) was met "
            "by the incidents listed above.",
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
                    approver=caps.approve,
                    by=request.user,
                )
            except LadderError as exc:
                form.add_error("level", str(exc))
            else:
                if action.status == CorrectiveAction.Status.PENDING_APPROVAL:
                    messages.success(request, f"{action.level} for {agent} sent to the PM for approval.")
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
            "caps": caps,
            "form": form,
            "recommendation": recommendation,
            "may_override": caps.approve,
        },
        status=status,
    )


def _decides_appeals(user) -> bool:
    """An ESP manager (or an admin) decides a CAP's appeal: someone above the TL and the PM."""
    return is_admin(user) or has_role(user, Role.ESP_MANAGER)


def _cap_context(request, action, caps, **forms) -> dict:
    """What the CAP page and its document show: the action, its life's forms (bound ones given
    in `forms` when a step was refused), the policy and rule behind it, prior actions in force."""
    today = action.agent.cohort.local_today()
    rule = action.recommendation.rule if action.recommendation_id else None
    prior = list(
        CorrectiveAction.objects.filter(agent=action.agent, date__lte=action.date)
        .exclude(pk=action.pk)
        .in_force(action.date)
        .select_related("level", "reduced_to")
        .order_by("date")
    )
    policy = (
        AttendancePolicy.objects.filter(effective_from__lte=action.date).order_by("-effective_from").first()
    )
    return {
        "action": action,
        "agent": action.agent,
        "cohort": action.agent.cohort,
        "caps": caps,
        "can_edit": caps.edit,
        "decides_appeals": _decides_appeals(request.user),
        "in_force": action.in_force_on(today),
        "rule": rule,
        "policy": policy,
        "prior": prior,
        "void_form": ReasonForm(),
        "approval_form": ApprovalForm(),
        "ack_form": forms.get("acknowledge") or AcknowledgeForm(initial={"acknowledged_on": today}),
        "refusal_form": forms.get("refuse") or RefusalForm(initial={"refused_on": today}, prefix="refuse"),
        "response_form": forms.get("respond") or WrittenForm(initial={"on": today}, prefix="respond"),
        "appeal_form": forms.get("appeal") or WrittenForm(initial={"on": today}, prefix="appeal"),
        "decision_form": forms.get("decide") or AppealDecisionForm(prefix="decide"),
    }


@login_required
@require_GET
def cap_detail(request, pk: int):
    """A coaching record or CAP: printable, and as a PDF with ?format=pdf."""
    action, caps = _action_for(request, pk)
    context = _cap_context(request, action, caps)
    if request.GET.get("format") == "pdf":
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
    action, _ = _action_for(request, pk, Action.EDIT)
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
def cap_approve(request, pk: int):
    """The cohort's PM (or an admin) approves or declines a step that waits for approval."""
    action, caps = _action_for(request, pk, Action.MANAGE)
    if not caps.approve:
        raise PermissionDenied("Only the cohort's PM or an admin approves a step of the ladder.")
    form = ApprovalForm(request.POST)
    try:
        if not form.is_valid():
            raise LadderError("Approve or decline the step.")
        data = form.cleaned_data
        approve_action(
            action=action, approve=data["decision"] == "approve", reason=data["reason"], by=request.user
        )
        messages.success(
            request,
            f"{action.level} {'approved: it is in force' if data['decision'] == 'approve' else 'declined'}.",
        )
    except LadderError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("attendance:cap", args=[action.pk]))


CAP_STEPS = ("deliver", "refuse", "respond", "appeal", "decide")


def _refused_step(request, action, caps, step: str, form):
    """The CAP page again with the step's form and its errors beside their fields (400), opened at
    the first field in error, far down the document."""
    first = next((name for name in form.errors if name in form.fields), None)
    if first:
        form.fields[first].widget.attrs["autofocus"] = True
    context = _cap_context(request, action, caps, **{step: form})
    return render(request, "attendance/cap_detail.html", context, status=400)


@login_required
@require_POST
def cap_step(request, pk: int, step: str):
    """A step of a CAP's life after it is issued: handed over, refused to sign (with a witness),
    the agent's written response, an appeal, and the appeal decided (by an ESP manager). A step
    refused shows its reason beside the field, with a 400."""
    if step not in CAP_STEPS:
        raise Http404("No such step.")
    action, caps = _action_for(request, pk, Action.VIEW if step == "decide" else Action.EDIT)
    if step == "decide" and not _decides_appeals(request.user):
        raise PermissionDenied("An ESP manager decides an appeal.")
    form = {
        "deliver": None,
        "refuse": RefusalForm(request.POST, prefix="refuse"),
        "respond": WrittenForm(request.POST, prefix="respond"),
        "appeal": WrittenForm(request.POST, prefix="appeal"),
        "decide": AppealDecisionForm(request.POST, prefix="decide"),
    }[step]
    done = {
        "deliver": "Recorded as handed to the agent: the response and appeal windows start now.",
        "refuse": "The refusal to sign is recorded with its witness; it is printed on the document.",
        "respond": "The agent's written response is recorded.",
        "appeal": "The appeal is recorded; an ESP manager decides it.",
        "decide": "The appeal is decided.",
    }[step]
    if form is not None and not form.is_valid():
        return _refused_step(request, action, caps, step, form)
    data = form.cleaned_data if form is not None else {}
    try:
        if step == "deliver":
            deliver(action=action, by=request.user)
        elif step == "refuse":
            refuse_to_sign(
                action=action,
                on=data["refused_on"],
                witness=data["witness"],
                note=data["note"],
                by=request.user,
            )
        elif step == "respond":
            record_response(action=action, text=data["text"], on=data["on"], by=request.user)
        elif step == "appeal":
            record_appeal(action=action, text=data["text"], on=data["on"], by=request.user)
        else:
            decide_appeal(action=action, outcome=data["outcome"], note=data["note"], by=request.user)
    except LifeError as exc:
        if form is None or not exc.field:  # about the step, not a field: said at the top
            messages.error(request, str(exc))
            return redirect(reverse("attendance:cap", args=[action.pk]))
        form.add_error(exc.field, str(exc))
        return _refused_step(request, action, caps, step, form)
    messages.success(request, done)
    return redirect(reverse("attendance:cap", args=[action.pk]))


@login_required
@require_GET
def caps_awaiting(request):
    """The CAPs still waiting for the agent's receipt (not handed over, or neither signed nor
    refused), across the cohorts the user reads, or one cohort's (?cohort=)."""
    readable = Agent.objects.filter(agent_filter(request.user, Action.VIEW))
    actions = (
        CorrectiveAction.objects.awaiting_receipt()
        .filter(agent__in=readable)
        .select_related("agent__cohort", "level", "issued_by")
        .order_by("created_at")
    )
    cohort = None
    chosen = request.GET.get("cohort", "")
    if chosen:
        if parse_whole(chosen) is None:
            raise Http404("No such cohort.")
        cohort, _ = cohort_for(request.user, parse_whole(chosen))
        actions = actions.filter(agent__cohort=cohort)
    return render(request, "attendance/caps_awaiting.html", {"actions": list(actions), "cohort": cohort})


@login_required
@require_POST
def cap_acknowledge(request, pk: int):
    action, _ = _action_for(request, pk, Action.EDIT)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            acknowledge(
                action=action,
                on=form.cleaned_data["acknowledged_on"],
                comments=form.cleaned_data["comments"],
                by=request.user,
            )
        except LifeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "The agent's acknowledgement is recorded: a receipt, not agreement.")
    else:
        messages.error(request, "Give the date the agent acknowledged it.")
    return redirect(reverse("attendance:cap", args=[action.pk]))


@login_required
@require_POST
def recommendation_dismiss(request, pk: int):
    recommendation = get_object_or_404(Recommendation.objects.select_related("agent"), pk=pk)
    agent, _ = agent_for(request.user, recommendation.agent_id, Action.EDIT)
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
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT)
    form = AgentIssueForm(request.POST)
    if form.is_valid():
        report_issue(agent=agent, details=form.cleaned_data["details"], by=request.user)
        messages.success(request, "Issue recorded; the PM is being emailed.")
        return HttpResponseClientRedirect(agent.get_absolute_url()) if request.htmx else redirect(agent)
    context = {"agent": agent, "cohort": agent.cohort, "caps": caps, "issue_form": form}
    if request.htmx:
        return render(request, "attendance/agent_forms.html#issue-form", context, status=400)
    return render(
        request,
        "certifications/agent_form_page.html",
        {**context, "part": "attendance/agent_forms.html#issue-form"},
        status=400,
    )


@login_required
@require_POST
def issue_handled(request, pk: int):
    """The PM marks an agent issue handled, saying what was done; back to the dashboard."""
    issue = get_object_or_404(AgentIssue.objects.select_related("agent"), pk=pk)
    agent_for(request.user, issue.agent_id, Action.MANAGE)
    form = IssueHandledForm(request.POST)
    back = reverse("desk:dashboard") + "#issues"
    if not form.is_valid():
        messages.error(request, "Say what was done about the issue before marking it handled.")
        return redirect(back)
    try:
        mark_issue_handled(issue=issue, note=form.cleaned_data["note"], by=request.user)
    except LadderError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Issue with {issue.agent.full_name} marked handled.")
    return redirect(back)


@login_required
@require_GET
def wfm_attendance(request):
    """Read-only attendance across every cohort the viewer may see, active or not: each
    occurrence in a range of days (the last two weeks unless chosen), on the page and exported."""
    cohorts = Cohort.objects.filter(cohort_filter(request.user, Action.ATTENDANCE)).order_by(
        "-start_date", "name"
    )
    form = WfmFilterForm(request.GET, cohorts=cohorts, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "attendance/wfm.html", {"form": form, "table": None}, status=400)
    start, end, chosen = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["cohort"]
    records = (
        AttendanceRecord.objects.filter(cohort__in=[chosen] if chosen else cohorts, day__range=(start, end))
        .with_occurrences()
        .select_related("cohort", "agent")
    )
    table = WfmAttendanceTable(records)
    tables.configure(request, table, per_page=100)
    try:
        fmt = export_format(request)
    except BadExport:
        return bad_export()
    if fmt:
        export = SafeTableExport(fmt, table, title="Attendance occurrences")
        return export.response(f"attendance-occurrences-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.{fmt}")
    context = {"form": form, "table": table, "start": start, "end": end, "chosen": chosen}
    return render(request, "attendance/wfm.html", context)
