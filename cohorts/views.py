import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from cohorts.access import (
    Action,
    Role,
    can_create_cohort,
    get_agent_for,
    get_cohort_for,
    is_admin,
    roles_of,
    sees_confidential,
)
from cohorts.filters import CohortFilter
from cohorts.forms import AgentForm, CohortForm, RosterUploadForm
from cohorts.models import Agent, Cohort
from cohorts.services import import_roster, read_roster, rows_from_dicts
from cohorts.tables import CohortTable, ReadOnlyRosterTable, RosterTable
from esp import fragments
from esp.history import history_entries
from tickets.services import unsubmitted_count

logger = logging.getLogger(__name__)

ROSTER_SIGNING_SALT = "cohorts.roster-import"
ROSTER_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview stays valid before it must be uploaded again


@login_required
def home(request):
    """Each role's start page: the TL's day board, the PM's dashboard, WFM's attendance."""
    roles = roles_of(request.user)
    if Role.TL in roles:
        return redirect("cohorts:board")
    if is_admin(request.user) or roles & {Role.PM, Role.ESP_MANAGER}:
        return redirect("cohorts:dashboard")
    if Role.WFM in roles:
        return redirect("attendance:wfm")
    return redirect("cohorts:list")


@login_required
def board(request):
    """The TL's whole day: each active cohort they lead, today in its own zone."""
    from esp.board import active_cohorts, collect

    cohorts = active_cohorts(Cohort.objects.visible_to(request.user, Action.EDIT).filter(tl=request.user))
    confidential = sees_confidential(request.user)

    def build(missing: list[int]) -> dict[int, str]:
        days = collect([c for c in cohorts if c.pk in missing], user=request.user)
        return {d.cohort.pk: fragments.render_part("cohorts/_board_card.html", {"d": d}) for d in days}

    entries = {c.pk: ((c.pk, confidential), (c.revision, c.local_today())) for c in cohorts}
    cards = fragments.cached_many("board-card", entries, build)
    return render(
        request, "cohorts/board.html", {"cards": [fragments.with_csrf(cards[c.pk], request) for c in cohorts]}
    )


@login_required
@require_POST
def close_day(request, pk: int):
    """The TL signs off the cohort's today once the end-of-day checks would pass."""
    from cohorts.models import DaySignOff
    from esp.board import collect

    cohort = _cohort_for(request, pk, Action.EDIT)
    if cohort.tl_id != request.user.pk and not is_admin(request.user):
        raise PermissionDenied("The cohort's team lead closes the day.")
    today = cohort.local_today()
    if cohort.day_number(today) is None:
        messages.error(request, "Today is not one of this cohort's ESP days.")
        return redirect("cohorts:board")
    (cohort_day,) = collect([cohort], user=request.user)
    report = cohort_day.report
    if report.open_count:
        messages.error(
            request,
            f"{report.open_count} item{'s are' if report.open_count > 1 else ' is'} still open; "
            "the day closes when the checklist is green.",
        )
        return redirect("cohorts:board")
    _, created = DaySignOff.objects.get_or_create(
        cohort=cohort, day=today, defaults={"signed_by": request.user}
    )
    messages.success(
        request, f"{cohort}: day closed." if created else f"{cohort}: the day was already closed."
    )
    return redirect("cohorts:board")


@login_required
def dashboard(request):
    """The PM's view of the active cohorts they manage (every cohort for ESP managers)."""
    from esp.board import active_cohorts, recent_completed

    if not (is_admin(request.user) or roles_of(request.user) & {Role.PM, Role.ESP_MANAGER}):
        raise PermissionDenied("The dashboard is for program managers and ESP managers.")
    visible = Cohort.objects.visible_to(request.user, Action.RECORDS)
    cohorts = active_cohorts(visible)
    completed = recent_completed(visible)
    selected = next((c for c in cohorts if str(c.pk) == request.GET.get("cohort")), None)
    selected = selected or (cohorts[0] if cohorts else None)
    names = ([c.pk for c in cohorts], selected and selected.pk, sees_confidential(request.user))
    version = ([(c.revision, c.local_today()) for c in cohorts], [(c.pk, c.revision) for c in completed])
    content = fragments.cached(
        "dashboard", names, version, lambda: _dashboard_content(request.user, cohorts, completed, selected)
    )
    return render(request, "cohorts/dashboard.html", {"content": fragments.with_csrf(content, request)})


def _dashboard_content(user, cohorts: list[Cohort], completed: list[Cohort], selected: Cohort | None) -> str:
    from esp.board import collect, completion_by_day, occurrence_counts, outcome_charts, past_outcomes

    # Past cohorts change rarely: a write to an active cohort does not recount them.
    outcomes = fragments.cached(
        "outcomes",
        (sorted(c.pk for c in completed),),
        [c.revision for c in sorted(completed, key=lambda c: c.pk)],
        lambda: past_outcomes(completed),
    )
    cohort_days = collect(cohorts, user=user)
    selected_day = next((d for d in cohort_days if d.cohort == selected), None)
    return fragments.render_part(
        "cohorts/_dashboard.html",
        {
            "cohort_days": cohort_days,
            "occurrences": occurrence_counts(cohorts),
            "at_risk": sorted(  # the most reasons first
                ((d, line) for d in cohort_days for line in d.lines if line.risks),
                key=lambda pair: -len(pair[1].risks),
            ),
            "ready": [
                (d, line) for d in cohort_days for line in d.lines if line.agent.status == Agent.Status.READY
            ],
            "selected": selected_day,
            "by_day_bars": [
                (f"Day {n} · {d:%a %-d %b}", v) for n, (d, v) in enumerate(completion_by_day(selected_day), 1)
            ]
            if selected_day
            else [],
            "outcome_charts": outcome_charts(outcomes),
            "outcomes": outcomes,
        },
    )


@login_required
def cohort_list(request):
    cohorts = (
        Cohort.objects.visible_to(request.user)
        .select_related("tl", "pm")
        .annotate(agent_count=Count("agents"))
    )
    cohort_filter = CohortFilter(request.GET, queryset=cohorts)
    table = CohortTable(cohort_filter.qs)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return render(
        request,
        "cohorts/cohort_list.html",
        {"table": table, "filter": cohort_filter, "can_create": can_create_cohort(request.user)},
    )


def _cohort_for(request, pk: int, action: str = Action.VIEW) -> Cohort:
    """The cohort with its TL and PM if the user may perform `action` on it, else 404."""
    return get_cohort_for(request.user, pk, action, queryset=Cohort.objects.select_related("tl", "pm"))


@login_required
def cohort_detail(request, pk: int):
    cohort = _cohort_for(request, pk)
    user = request.user
    agents = Agent.objects.filter(cohort=cohort).select_related("production_tl")
    can_edit = Cohort.objects.visible_to(user, Action.EDIT).filter(pk=cohort.pk).exists()
    reads_records = Cohort.objects.visible_to(user, Action.RECORDS).filter(pk=pk).exists()
    can_manage = can_edit and Cohort.objects.visible_to(user, Action.MANAGE).filter(pk=pk).exists()
    reads_agents = can_edit or Agent.objects.visible_to(user).filter(cohort=cohort).exists()
    table_class = RosterTable if reads_agents else ReadOnlyRosterTable
    table = table_class(agents)
    RequestConfig(request, paginate=False).configure(table)
    ready = (
        [row.record for row in table.rows if row.record.status == Agent.Status.READY] if reads_agents else []
    )
    return render(
        request,
        "cohorts/cohort_detail.html",
        {
            "cohort": cohort,
            "table": table,
            "agent_count": len(table.rows),
            "ready_agents": ready,
            "can_edit": can_edit,
            "can_manage": can_manage,
            "reads_records": reads_records,
            "end_of_day": _end_of_day(cohort) if can_edit else None,
            "unsubmitted": unsubmitted_count(cohort) if reads_records else 0,
            "pending_caps": _pending_recommendations(cohort) if reads_records else 0,
            "day_number": cohort.day_number(),
            "today": cohort.local_today(),
        },
    )


def _pending_recommendations(cohort: Cohort) -> int:
    from attendance.models import Recommendation

    return Recommendation.objects.filter(agent__cohort=cohort, status=Recommendation.Status.PENDING).count()


def _end_of_day(cohort: Cohort):
    """Today's end-of-day items for the TL's pages, or None outside the ESP days."""
    from esp.scheduled import end_of_day_items

    today = cohort.local_today()
    return end_of_day_items(cohort, today) if cohort.day_number(today) else None


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request):
    if not can_create_cohort(request.user):
        raise PermissionDenied("Only program managers and admins create cohorts.")
    form = CohortForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            cohort = form.save()
            messages.success(request, f"Cohort {cohort} created.")
            return redirect(cohort)
        return render(request, "cohorts/cohort_form.html", {"form": form}, status=400)
    return render(request, "cohorts/cohort_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request, pk: int):
    cohort = _cohort_for(request, pk, Action.MANAGE)
    form = CohortForm(request.POST or None, instance=cohort, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, f"Cohort {cohort} saved.")
            return redirect(cohort)
        return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": cohort}, status=400)
    return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": cohort})


@login_required
@require_http_methods(["GET", "POST"])
def agent_create(request, cohort_pk: int):
    cohort = _cohort_for(request, cohort_pk, Action.EDIT)
    form = AgentForm(request.POST or None, instance=Agent(cohort=cohort))
    if request.method == "POST":
        if form.is_valid():
            agent = form.save()
            messages.success(request, f"{agent} added to {cohort}.")
            return redirect(cohort)
        return render(request, "cohorts/agent_form.html", {"form": form, "cohort": cohort}, status=400)
    return render(request, "cohorts/agent_form.html", {"form": form, "cohort": cohort})


@login_required
@require_http_methods(["GET", "POST"])
def agent_edit(request, pk: int):
    agent = get_agent_for(request.user, pk, Action.EDIT)
    form = AgentForm(request.POST or None, instance=agent)
    context = {"form": form, "cohort": agent.cohort, "agent": agent}
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, f"{agent} saved.")
            return redirect(agent)
        return render(request, "cohorts/agent_form.html", context, status=400)
    return render(request, "cohorts/agent_form.html", context)


@login_required
def agent_detail(request, pk: int):
    return render_agent_page(request, get_agent_for(request.user, pk))


def render_agent_page(request, agent: Agent, *, status: int = 200, forms: dict | None = None):
    """The agent page: details, the tracker record and history; `forms` after bad input."""
    from attendance.views import accountability_context
    from certifications.views import agent_record_context
    from tickets.views import agent_tickets_context

    context = {
        "agent": agent,
        "cohort": agent.cohort,
        "history": history_entries(agent.history.all()),
        **agent_record_context(request, agent, forms),
        **agent_tickets_context(request, agent, forms),
        **accountability_context(request, agent, forms),
    }
    return render(request, "cohorts/agent_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request, cohort_pk: int):
    """Upload a roster file and see it checked; nothing is written until it is confirmed."""
    cohort = _cohort_for(request, cohort_pk, Action.EDIT)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    context = {"cohort": cohort, "form": form}
    if request.method == "GET":
        return render(request, "cohorts/roster_import.html", context)
    if not form.is_valid():
        return render(request, "cohorts/roster_import.html", context, status=400)
    result = read_roster(form.cleaned_data["file"].read())
    context["result"] = result
    if not result.ok:
        return render(request, "cohorts/roster_import.html", context, status=400)
    context["payload"] = signing.dumps(
        {"cohort": cohort.pk, "rows": result.rows_as_dicts()}, salt=ROSTER_SIGNING_SALT, compress=True
    )
    return render(request, "cohorts/roster_preview.html", context)


@login_required
@require_POST
def roster_import_confirm(request, cohort_pk: int):
    """Write a previewed roster: all rows, after checking them again, or none."""
    cohort = _cohort_for(request, cohort_pk, Action.EDIT)
    try:
        data = signing.loads(
            request.POST.get("payload", ""), salt=ROSTER_SIGNING_SALT, max_age=ROSTER_PREVIEW_MAX_AGE
        )
    except signing.BadSignature:
        messages.error(request, "That preview has expired or was altered. Upload the file again.")
        return render(
            request, "cohorts/roster_import.html", {"cohort": cohort, "form": RosterUploadForm()}, status=400
        )
    if data.get("cohort") != cohort.pk:
        raise PermissionDenied("That preview belongs to another cohort.")
    rows = rows_from_dicts(data["rows"])
    taken = set(
        Agent.objects.filter(employee_id__in=[r.employee_id for r in rows]).values_list(
            "employee_id", flat=True
        )
    )
    if not taken:
        try:
            created = import_roster(cohort=cohort, rows=rows, by=request.user)
        except IntegrityError:  # someone added one of these IDs between the check and the write
            taken = {"(added a moment ago)"}
    if taken:
        messages.error(
            request,
            "Nothing was imported: these employee IDs were added since the preview: "
            + ", ".join(sorted(taken))
            + ". Upload the file again to see what is left.",
        )
        return render(
            request, "cohorts/roster_import.html", {"cohort": cohort, "form": RosterUploadForm()}, status=409
        )
    messages.success(request, f"Imported {len(created)} agents into {cohort}.")
    return redirect(reverse("cohorts:detail", args=[cohort.pk]))
