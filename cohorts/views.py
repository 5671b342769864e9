"""Cohorts and agents: the list, creating and editing, the roster import. The cohort and agent
pages themselves combine every app and live in desk.views."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cohorts.access import Action, can_create_cohort
from cohorts.filters import CohortFilter
from cohorts.forms import AgentForm, CohortForm, RosterUploadForm
from cohorts.models import Agent, Cohort
from cohorts.selectors import agent_for, cohort_for
from cohorts.services import import_roster, read_roster, rows_from_dicts, save_agent, save_cohort
from cohorts.tables import CohortTable
from core import tables

logger = logging.getLogger(__name__)

ROSTER_SIGNING_SALT = "cohorts.roster-import"
ROSTER_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview stays valid before it must be uploaded again


@login_required
def cohort_list(request):
    cohorts = (
        Cohort.objects.visible_to(request.user)
        .select_related("tl", "pm")
        .annotate(agent_count=Count("agents"))
    )
    cohort_filter = CohortFilter(request.GET, queryset=cohorts)
    table = CohortTable(cohort_filter.qs)
    tables.configure(request, table, per_page=25)
    return render(
        request,
        "cohorts/cohort_list.html",
        {"table": table, "filter": cohort_filter, "can_create": can_create_cohort(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request):
    if not can_create_cohort(request.user):
        raise PermissionDenied("Only program managers and admins create cohorts.")
    form = CohortForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            cohort = save_cohort(cohort=form.save(commit=False), by=request.user)
            messages.success(request, f"Cohort {cohort} created.")
            return redirect(cohort)
        return render(request, "cohorts/cohort_form.html", {"form": form}, status=400)
    return render(request, "cohorts/cohort_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request, pk: int):
    cohort, caps = cohort_for(request.user, pk, Action.MANAGE)
    timezone.activate(cohort.tzinfo)
    form = CohortForm(request.POST or None, instance=cohort, user=request.user)
    context = {"form": form, "cohort": cohort, "caps": caps}
    if request.method == "POST":
        if form.is_valid():
            save_cohort(cohort=form.save(commit=False), by=request.user)
            messages.success(request, f"Cohort {cohort} saved.")
            return redirect(cohort)
        return render(request, "cohorts/cohort_form.html", context, status=400)
    return render(request, "cohorts/cohort_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agent_create(request, cohort_pk: int):
    cohort, caps = cohort_for(request.user, cohort_pk, Action.EDIT)
    form = AgentForm(request.POST or None, instance=Agent(cohort=cohort))
    context = {"form": form, "cohort": cohort, "caps": caps}
    if request.method == "POST":
        if form.is_valid():
            agent = save_agent(agent=form.save(commit=False), by=request.user)
            messages.success(request, f"{agent} added to {cohort}.")
            return redirect(cohort)
        return render(request, "cohorts/agent_form.html", context, status=400)
    return render(request, "cohorts/agent_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def agent_edit(request, pk: int):
    agent, caps = agent_for(request.user, pk, Action.EDIT)
    form = AgentForm(request.POST or None, instance=agent)
    context = {"form": form, "cohort": agent.cohort, "agent": agent, "caps": caps}
    if request.method == "POST":
        if form.is_valid():
            save_agent(agent=form.save(commit=False), by=request.user)
            messages.success(request, f"{agent} saved.")
            return redirect(agent)
        return render(request, "cohorts/agent_form.html", context, status=400)
    return render(request, "cohorts/agent_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request, cohort_pk: int):
    """Upload a roster file and see it checked; nothing is written until it is confirmed."""
    cohort, caps = cohort_for(request.user, cohort_pk, Action.EDIT)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    context = {"cohort": cohort, "form": form, "caps": caps}
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
    cohort, caps = cohort_for(request.user, cohort_pk, Action.EDIT)
    try:
        data = signing.loads(
            request.POST.get("payload", ""), salt=ROSTER_SIGNING_SALT, max_age=ROSTER_PREVIEW_MAX_AGE
        )
    except signing.BadSignature:
        messages.error(request, "That preview has expired or was altered. Upload the file again.")
        return render(
            request,
            "cohorts/roster_import.html",
            {"cohort": cohort, "form": RosterUploadForm(), "caps": caps},
            status=400,
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
            request,
            "cohorts/roster_import.html",
            {"cohort": cohort, "form": RosterUploadForm(), "caps": caps},
            status=409,
        )
    messages.success(request, f"Imported {len(created)} agents into {cohort}.")
    return redirect(cohort)
