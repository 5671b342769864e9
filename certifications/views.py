import datetime
from typing import NamedTuple

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST

from certifications.forms import (
    ExamAttemptForm,
    MoveToProductionForm,
    NoteForm,
    ProofReviewForm,
    ProofUploadForm,
    RedFlagForm,
    ResolveRedFlagForm,
    TaskStatusForm,
)
from certifications.models import DailyNote, ExamAttempt, Handoff, Proof, RedFlag, Task, TaskStatus
from certifications.rendering import CellKit, render_cell, render_note_cell, render_row
from certifications.services import (
    Cell,
    StaleStatus,
    TrackerError,
    acknowledge_handoff,
    duplicates_of,
    is_overdue,
    move_to_production,
    raise_red_flag,
    readiness_blockers,
    record_attempt,
    red_flags_for,
    resolve_red_flag,
    review_proof,
    save_note,
    set_task_status,
    tracker_rows,
    upload_proof,
)
from cohorts.access import Action, get_agent_for, get_cohort_for, sees_confidential
from cohorts.models import Agent, Cohort
from esp import fragments
from tickets.services import unsubmitted_count

SHOW_CHOICES = {
    "all": "Everyone",
    "overdue": "Overdue tasks",
    "blocked": "Blocked or failed",
    "flagged": "Red flags",
}


def _may(user, action: str, cohort: Cohort) -> bool:
    return Cohort.objects.visible_to(user, action).filter(pk=cohort.pk).exists()


# --- The grid --------------------------------------------------------------------------------------


@login_required
@require_GET
def tracker(request, pk: int):
    """The tracking sheet of a cohort: agents by tasks, with today's note; CSV/XLSX export."""
    cohort = get_cohort_for(
        request.user, pk, Action.RECORDS, queryset=Cohort.objects.select_related("tl", "pm")
    )
    today = cohort.local_today()
    note_day = today if cohort.day_number(today) else None
    export = request.GET.get("_export")
    if export in ("csv", "xlsx"):
        tasks = list(Task.objects.filter(active=True))
        rows = tracker_rows(cohort, tasks, day=note_day or today, user=request.user)
        return _export(cohort, tasks, _filtered(rows, request.GET), note_day, export)

    can_edit = _may(request.user, Action.EDIT, cohort)
    grid = fragments.cached(
        "tracker",
        (cohort.pk, can_edit, sees_confidential(request.user)),
        (cohort.revision, today),
        lambda: _grid(cohort, today, note_day, can_edit, request.user),
    )
    return render(
        request,
        "certifications/tracker.html",
        {
            "cohort": cohort,
            "tasks": grid.tasks,
            "rows": _filtered(grid.rows, request.GET),
            "today": today,
            "note_day": note_day,
            "day_number": cohort.day_number(today),
            "show_choices": SHOW_CHOICES,
            "show": request.GET.get("show", "all"),
            "sort": request.GET.get("sort", "name"),
            "q": request.GET.get("q", ""),
            "unsubmitted": grid.unsubmitted,
        },
    )


class GridRow(NamedTuple):
    """A rendered tracker row, with what the filters and sorts read."""

    name: str
    employee_id: str
    done: int
    overdue: int
    blocked: bool
    open_flags: int
    html: SafeString


class Grid(NamedTuple):
    tasks: list[tuple[str, int]]  # name and due day, for the header
    rows: list[GridRow]
    unsubmitted: int


def _grid(cohort: Cohort, today: datetime.date, note_day, can_edit: bool, user) -> Grid:
    tasks = list(Task.objects.filter(active=True))
    kit = CellKit()
    rows = [
        GridRow(
            name=row.name,
            employee_id=row.employee_id,
            done=row.done,
            overdue=row.overdue,
            blocked=row.blocked,
            open_flags=row.open_flags,
            html=render_row(row, can_edit=can_edit, note_day=note_day, kit=kit),
        )
        for row in tracker_rows(cohort, tasks, day=note_day or today, user=user)
    ]
    return Grid([(t.name, t.due_day) for t in tasks], rows, unsubmitted_count(cohort))


def _filtered(rows: list, params) -> list:
    """The rows the filter form asks for (agent or ID search, show, sort), in its order."""
    query = params.get("q", "").strip().lower()
    if query:
        rows = [r for r in rows if query in r.name.lower() or query in r.employee_id.lower()]
    show = params.get("show", "all")
    if show == "overdue":
        rows = [r for r in rows if r.overdue]
    elif show == "blocked":
        rows = [r for r in rows if r.blocked]
    elif show == "flagged":
        rows = [r for r in rows if r.open_flags]
    sort = params.get("sort", "name")
    if sort == "progress":
        rows = sorted(rows, key=lambda r: (r.done, -r.overdue))
    elif sort == "-progress":
        rows = sorted(rows, key=lambda r: (-r.done, r.overdue))
    return rows


def _export(cohort, tasks, rows, note_day, fmt) -> HttpResponse:
    """The grid in the sheet's column order: agent, employee ID, each task, then the notes."""
    notes_header = f"Notes {note_day:%Y-%m-%d}" if note_day else "Notes"
    data = tablib.Dataset(headers=["Agent", "Employee ID", *[t.name for t in tasks], notes_header])
    for row in rows:
        cells = [c.label + (" (overdue)" if c.overdue else "") for c in row.cells]
        data.append([row.agent.full_name, row.agent.employee_id, *cells, row.note.text if row.note else ""])
    content_type = (
        "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data.export(fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="tracker-{cohort.pk}.{fmt}"'
    return response


@login_required
@require_POST
def cell_save(request, agent_pk: int, task_pk: int):
    """Save one tracker cell; answers with the cell."""
    agent = get_agent_for(request.user, agent_pk, Action.EDIT)
    task = get_object_or_404(Task, pk=task_pk, active=True)
    form = TaskStatusForm(request.POST, prefix=f"c{agent.pk}-{task.pk}")
    cell_status, message, status = None, "", 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            cell_status = set_task_status(
                agent=agent,
                task=task,
                status=data["status"],
                reason=data["blocked_reason"],
                expected_version=data["version"],
                by=request.user,
            )
            message = "Saved"
        except StaleStatus as exc:
            cell_status = exc.current
            who = exc.current.updated_by
            message = (
                f"Not saved: {who.get_full_name() or who.username if who else 'someone'} changed it first."
            )
            status = 409
            form = None
    else:
        message, status = "; ".join(e for errors in form.errors.values() for e in errors), 400
        cell_status = TaskStatus.objects.filter(agent=agent, task=task).first()
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, f"{agent}, {task}: {message}")
        return redirect(reverse("certifications:tracker", args=[agent.cohort_id]))
    failed = ExamAttempt.objects.filter(agent=agent, task=task, passed=False).count() if task.is_exam else 0
    value = cell_status.status if cell_status else TaskStatus.Status.NOT_STARTED
    cell = Cell(task, cell_status, is_overdue(task, value, agent.cohort, agent.cohort.local_today()), failed)
    html = render_cell(
        agent,
        cell,
        can_edit=True,
        kit=CellKit(),
        message=message,
        level={200: "success", 409: "warning"}.get(status, "danger"),
        reason_error=status == 400 and form is not None and "blocked_reason" in form.errors,
    )
    return HttpResponse(html, status=status)


@login_required
@require_POST
def note_save(request, agent_pk: int, day: datetime.date):
    agent = get_agent_for(request.user, agent_pk, Action.EDIT)
    form = NoteForm(request.POST, prefix=f"n{agent.pk}")
    status, message, note = 200, "Saved", None
    if form.is_valid():
        try:
            note = save_note(
                agent=agent,
                day=day,
                text=form.cleaned_data["text"],
                by=request.user,
                reason=request.POST.get("closed_reason", ""),
            )
        except TrackerError as exc:
            status, message = 400, str(exc)
    else:
        status, message = 400, "; ".join(form.errors["text"])
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, f"Note for {agent}: {message}")
        return redirect(request.POST.get("next") or agent.get_absolute_url())
    note = note or DailyNote.objects.filter(agent=agent, day=day).first()
    html = render_note_cell(agent, note, note_day=day, can_edit=True, message=message, ok=status == 200)
    return HttpResponse(html, status=status)


# --- The agent's record (shown on the agent page) --------------------------------------------------


def agent_record_context(request, agent: Agent, forms: dict | None = None) -> dict:
    """What the agent page shows of the tracker; `forms` carries bound forms after bad input."""
    forms = forms or {}
    user = request.user
    cohort = agent.cohort
    tasks = list(Task.objects.filter(active=True))
    statuses = {s.task_id: s for s in TaskStatus.objects.filter(agent=agent).select_related("updated_by")}
    today = cohort.local_today()
    failed: dict[int, int] = {}
    attempts = list(ExamAttempt.objects.filter(agent=agent).select_related("task", "recorded_by"))
    for attempt in attempts:
        failed[attempt.task_id] = failed.get(attempt.task_id, 0) + (not attempt.passed)
    cells = []
    for task in tasks:
        status = statuses.get(task.pk)
        value = status.status if status else TaskStatus.Status.NOT_STARTED
        cells.append(Cell(task, status, is_overdue(task, value, cohort, today), failed.get(task.pk, 0)))
    proofs = list(Proof.objects.filter(agent=agent).select_related("task", "uploaded_by", "reviewed_by"))
    duplicates = duplicates_of(proofs)
    for proof in proofs:
        proof.duplicates = duplicates.get(proof.pk, [])
    can_edit = _may(user, Action.EDIT, cohort)
    handoff = Handoff.objects.filter(agent=agent).select_related("to_tl", "moved_by").first()
    return {
        "cells": cells,
        "attempts": attempts,
        "proofs": proofs,
        "notes": list(DailyNote.objects.filter(agent=agent).select_related("updated_by")),
        "red_flags": list(
            red_flags_for(user, RedFlag.objects.filter(agent=agent)).select_related("raised_by")
        ),
        "blockers": readiness_blockers(agent),
        "handoff": handoff,
        "can_edit": can_edit,
        "can_move": _may(user, Action.MANAGE, cohort),
        "note_day": today if cohort.day_number(today) else None,
        "today_note": DailyNote.objects.filter(agent=agent, day=today).first(),
        "attempt_form": forms.get("attempt") or ExamAttemptForm(initial={"taken_on": today}),
        "proof_form": forms.get("proof") or ProofUploadForm(),
        "red_flag_form": forms.get("red_flag") or RedFlagForm(),
        "move_form": forms.get("move") or MoveToProductionForm(),
        "statuses": TaskStatus.Status.choices,
    }


def _agent_page(request, agent: Agent, status: int = 200, **forms):
    from cohorts.views import render_agent_page

    return render_agent_page(request, agent, status=status, forms=forms)


@login_required
@require_POST
def attempt_add(request, agent_pk: int):
    agent = get_agent_for(request.user, agent_pk, Action.EDIT)
    form = ExamAttemptForm(request.POST, cohort=agent.cohort)
    if form.is_valid():
        data = form.cleaned_data
        try:
            attempt = record_attempt(
                agent=agent,
                task=data["task"],
                taken_on=data["taken_on"],
                score=data["score"],
                passed=data["passed"],
                by=request.user,
            )
        except TrackerError as exc:
            form.add_error("task", str(exc))
        else:
            messages.success(
                request, f"{attempt.task} attempt recorded: {'passed' if attempt.passed else 'failed'}."
            )
            return redirect(agent)
    return _agent_page(request, agent, 400, attempt=form)


@login_required
@require_POST
def proof_upload(request, agent_pk: int):
    agent = get_agent_for(request.user, agent_pk, Action.EDIT)
    form = ProofUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            proof = upload_proof(
                agent=agent, task=form.cleaned_data["task"], upload=form.cleaned_data["file"], by=request.user
            )
        except TrackerError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"{proof.task} proof uploaded; a TL or PM verifies it next.")
            return redirect(agent)
    return _agent_page(request, agent, 400, proof=form)


@login_required
@require_GET
def proof_file(request, pk: int):
    """The proof file itself, only to users who may see the agent."""
    proof = get_object_or_404(Proof.objects.select_related("agent"), pk=pk)
    get_agent_for(request.user, proof.agent_id)  # 404 unless the user reads this agent
    try:
        handle = proof.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    extension = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}[proof.content_type]
    response = FileResponse(handle, content_type=proof.content_type, filename=f"proof-{proof.pk}.{extension}")
    response["Content-Disposition"] = f'inline; filename="proof-{proof.pk}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def proof_review(request, pk: int):
    proof = get_object_or_404(Proof, pk=pk)
    agent = get_agent_for(request.user, proof.agent_id, Action.EDIT)
    form = ProofReviewForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Proof not reviewed: " + "; ".join(e for errs in form.errors.values() for e in errs)
        )
        return _agent_page(request, agent, 400)
    data = form.cleaned_data
    review_proof(proof=proof, verified=data["decision"] == "verify", reason=data["reason"], by=request.user)
    messages.success(request, f"{proof.task} proof {proof.get_review_display().lower()}.")
    return redirect(agent)


@login_required
@require_POST
def red_flag_raise(request, agent_pk: int):
    agent = get_agent_for(request.user, agent_pk, Action.EDIT)
    form = RedFlagForm(request.POST)
    if not form.is_valid():
        return _agent_page(request, agent, 400, red_flag=form)
    data = form.cleaned_data
    raise_red_flag(
        agent=agent,
        category=data["category"],
        details=data["details"],
        confidential=data["confidential"],
        by=request.user,
    )
    messages.success(request, "Red flag raised; the PM and the ESP managers are being emailed.")
    return redirect(agent)


@login_required
@require_POST
def red_flag_resolve(request, pk: int):
    flag = get_object_or_404(RedFlag, pk=pk)
    agent = get_agent_for(request.user, flag.agent_id, Action.EDIT)
    if not red_flags_for(request.user, RedFlag.objects.filter(pk=pk)).exists():
        raise Http404
    form = ResolveRedFlagForm(request.POST)
    if form.is_valid():
        try:
            resolve_red_flag(flag=flag, resolution=form.cleaned_data["resolution"], by=request.user)
        except TrackerError as exc:
            messages.error(request, str(exc))
            return _agent_page(request, agent, 400)
        messages.success(request, "Red flag resolved.")
        return redirect(agent)
    messages.error(request, "Say how the red flag was resolved.")
    return _agent_page(request, agent, 400)


@login_required
@require_POST
def move(request, agent_pk: int):
    agent = get_agent_for(request.user, agent_pk, Action.EDIT)
    if not _may(request.user, Action.MANAGE, agent.cohort):
        raise PermissionDenied("Only the cohort's PM (or an admin) moves agents to production.")
    form = MoveToProductionForm(request.POST)
    if form.is_valid():
        try:
            move_to_production(
                agent=agent,
                production_tl=form.cleaned_data["production_tl"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except TrackerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{agent} moved to production.")
            return redirect(reverse("certifications:handoff", args=[agent.pk]))
    return _agent_page(request, agent, 400, move=form)


@login_required
@require_GET
def handoff(request, agent_pk: int):
    """A printable page for the agent's new TL: attendance, CAPs, notes, tasks not done, red flags."""
    from attendance.models import AttendanceRecord, CorrectiveAction

    agent = get_agent_for(request.user, agent_pk)
    record = agent_record_context(request, agent)
    attendance = list(AttendanceRecord.objects.filter(agent=agent))
    actions = list(CorrectiveAction.objects.filter(agent=agent).select_related("level"))
    occurrences = [(r, r.occurrence_labels()) for r in attendance if r.occurrences]
    return render(
        request,
        "certifications/handoff.html",
        {
            "agent": agent,
            "cohort": agent.cohort,
            "attendance": attendance,
            "occurrences": occurrences,
            "not_done": [c for c in record["cells"] if c.value not in TaskStatus.DONE],
            "actions": actions,
            "can_acknowledge": bool(
                record["handoff"]
                and record["handoff"].to_tl_id == request.user.pk
                and not record["handoff"].acknowledged_at
            ),
            **record,
        },
    )


@login_required
@require_POST
def handoff_acknowledge(request, agent_pk: int):
    agent = get_agent_for(request.user, agent_pk)
    record = get_object_or_404(Handoff, agent=agent)
    try:
        acknowledge_handoff(handoff=record, by=request.user)
    except TrackerError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, f"You acknowledged the handoff of {agent}.")
    return redirect(reverse("certifications:handoff", args=[agent.pk]))
