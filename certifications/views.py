"""The tracker: the grid of agents by tasks with the day's note (cells save in place), and the
forms of an agent's record (exam attempts, proof, red flags) that the agent page shows.

A form posted from the agent page answers with a redirect to it; bad input answers 400 with the
form and its messages beside the fields, in place (htmx) or on a page of its own."""

import datetime
import functools

import tablib
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from certifications.forms import (
    ClearDuplicateForm,
    ExamAttemptForm,
    NoteForm,
    ProofReviewForm,
    ProofUploadForm,
    RedFlagForm,
    ResolveRedFlagForm,
    TaskStatusForm,
)
from certifications.models import DailyNote, Proof, RedFlag, TaskStatus
from certifications.selectors import TrackerRows, active_tasks, cell_for
from certifications.services import (
    ClosedDayReason,
    RepeatedRedFlag,
    StaleNote,
    StaleStatus,
    TrackerError,
    clear_duplicate,
    raise_red_flag,
    record_attempt,
    resolve_red_flag,
    review_proof,
    save_note,
    set_task_status,
    upload_proof,
)
from cohorts.access import Action
from cohorts.models import Agent
from cohorts.selectors import ATTENDING, agent_for, cohort_for, sign_off_of
from core.converters import parse_day
from core.exports import BadExport, bad_export, export_format, neutralised
from core.fragments import render_stamp
from core.urls import DAY, ID, ID2, UrlPattern

SHOW_CHOICES = {
    "all": "Everyone",
    "close": "Keeping the day from closing",
    "overdue": "Overdue tasks",
    "due_today": "Tasks due today",
    "no_note": "No note for the day",
    "blocked": "Blocked or failed",
    "flagged": "Red flags",
}
SORT_CHOICES = {"name": "Name", "progress": "Least done first", "-progress": "Most done first"}


# --- The grid --------------------------------------------------------------------------------------


@login_required
@require_GET
def tracker(request, pk: int):
    """The tracking sheet of a cohort: agents by tasks, with today's note; CSV/XLSX export."""
    cohort, caps = cohort_for(request.user, pk, Action.RECORDS, people=False)
    timezone.activate(cohort.tzinfo)
    now = timezone.now()
    today = now.astimezone(cohort.tzinfo).date()
    note_day = _note_day(cohort, today, request.GET.get("notes", ""))
    show = request.GET.get("show", "all") if request.GET.get("show") in SHOW_CHOICES else "all"
    sort = request.GET.get("sort", "name") if request.GET.get("sort") in SORT_CHOICES else "name"
    query = request.GET.get("q", "").strip()[:100]
    try:
        export = export_format(request)
    except BadExport:
        return bad_export()

    @functools.cache
    def grid() -> dict:
        """What the cached part of the page shows: built only when the cache misses. The rows
        hold their agents; the page reads the facts of those it renders (TrackerRows), the
        filters and the export those of every row."""
        tasks = active_tasks(cohort)
        agents = [a for a in Agent.objects.filter(cohort=cohort).for_rows() if _matches(a, query)]
        rows = TrackerRows(
            cohort,
            tasks,
            agents,
            day=note_day or today,
            now=now,
            user=request.user,
            sees_confidential=caps.confidential,
        )
        cells, notes = (
            UrlPattern("certifications:cell_save", ID, ID2),
            UrlPattern("certifications:note_save", ID, DAY),
        )
        agent_url = UrlPattern("desk:agent")
        for row in rows:
            row.key = f"{row.agent.pk}:{row.agent.revision}"
            row.url = agent_url(row.agent.pk)
            row.cells_url = cells.prefix(row.agent.pk)
            row.note_url = notes(row.agent.pk, note_day) if note_day else ""
        return {"tasks": tasks, "rows": _filtered(rows.complete() if export else rows, show, sort)}

    if export:
        data = grid()
        return _export(cohort, data["tasks"], data["rows"], note_day, export)
    phase = cohort.phase(now)
    return render(
        request,
        "certifications/tracker.html",
        {
            "cohort": cohort,
            "caps": caps,
            "grid": grid,
            "today": today,
            "phase": phase,
            "note_day": note_day,
            "note_days": [d for d in cohort.esp_days if d <= today],
            "day_number": cohort.day_number(today),
            "show_choices": SHOW_CHOICES,
            "sort_choices": SORT_CHOICES,
            "show": show,
            "sort": sort,
            "q": query,
            "statuses": TaskStatus.Status.choices,
            "sign_off": sign_off_of(cohort, today),
            "timeout": settings.PAGE_CACHE_SECONDS,
            # What every row's cached part depends on besides its agent's revision (row.key).
            "rows_key": (
                f"{cohort.shared_revision}:{render_stamp()}:{request.user.pk}:{caps.key}:{note_day}:{phase}:{show}"
            ),
        },
    )


def _note_day(cohort, today: datetime.date, asked: str) -> datetime.date | None:
    """The ESP day whose notes a page shows: the one asked for if it has come (a past day's
    notes, to fill in what is missing), else today's when today is an ESP day."""
    picked = parse_day(asked)
    if picked in cohort.esp_days and picked <= today:
        return picked
    return today if cohort.day_number(today) else None


@login_required
@require_GET
def notes(request, pk: int):
    """The day's note of every agent, each in a multi-line editor: the tracker's Notes column on
    a page of its own. Each note saves in place with its version (a conflict shows the other
    person's note); Enter saves and goes to the next agent, Shift+Enter starts a new line."""
    cohort, caps = cohort_for(request.user, pk, Action.RECORDS)
    timezone.activate(cohort.tzinfo)
    today = cohort.local_today()
    note_day = _note_day(cohort, today, request.GET.get("day", ""))
    following = cohort.next_esp_day(today)  # date.max once the week has ended
    agents = list(Agent.objects.filter(cohort=cohort))
    written = {n.agent_id: n for n in DailyNote.objects.filter(agent__cohort=cohort, day=note_day)}
    url = UrlPattern("certifications:note_save", ID, DAY)
    rows = [
        {
            "agent": agent,
            "note": written.get(agent.pk),
            "note_url": url(agent.pk, note_day) if note_day else "",
            "attending": agent.status in ATTENDING,
        }
        for agent in agents
    ]
    return render(
        request,
        "certifications/notes.html",
        {
            "cohort": cohort,
            "caps": caps,
            "rows": rows,
            "missing": sum(1 for r in rows if r["attending"] and r["note"] is None),
            "today": today,
            "note_day": note_day,
            "note_days": [d for d in cohort.esp_days if d <= today],
            "next_day": None if following == datetime.date.max else following,
            "day_number": cohort.day_number(note_day) if note_day else None,
            "sign_off": sign_off_of(cohort, note_day) if note_day else None,
        },
    )


def _matches(agent: Agent, query: str) -> bool:
    """The filter form's agent or ID search."""
    query = query.lower()
    return not query or query in agent.full_name.lower() or query in agent.employee_id.lower()


def _filtered(rows: TrackerRows, show: str, sort: str) -> list:
    """The rows the filter form's show and sort ask for, in its order: all of them, as they
    are, for everyone by name; else read in full, to filter and sort on what they show."""
    if show == "all" and sort == "name":
        return rows
    rows = rows.complete()
    if show == "overdue":
        rows = [r for r in rows if r.overdue]
    elif show == "due_today":
        rows = [r for r in rows if r.due_today]
    elif show == "close":
        rows = [r for r in rows if r.open_cells]
    elif show == "no_note":
        rows = [r for r in rows if r.note is None and r.attending]
    elif show == "blocked":
        rows = [r for r in rows if r.blocked]
    elif show == "flagged":
        rows = [r for r in rows if r.open_flags]
    if sort == "progress":
        rows = sorted(rows, key=lambda r: (r.done, -r.overdue))
    elif sort == "-progress":
        rows = sorted(rows, key=lambda r: (-r.done, r.overdue))
    return rows


def _export(cohort, tasks, rows, note_day, fmt) -> HttpResponse:
    """The grid in the sheet's column order: agent, employee ID, each task, then the notes."""
    notes_header = f"Notes {note_day:%Y-%m-%d}" if note_day else "Notes"
    data = tablib.Dataset(
        headers=["Agent", "Employee ID", *[t.name for t in tasks], notes_header],
        title=f"Tracker {cohort.name}"[:31],
    )
    for row in rows:
        cells = [
            c.label + ("" if c.done or c.state == "upcoming" else f" ({c.state_label.lower()})")
            for c in row.cells
        ]
        data.append(
            neutralised(
                [row.agent.full_name, row.agent.employee_id, *cells, row.note.text if row.note else ""]
            )
        )
    content_type = (
        "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data.export(fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="tracker-{cohort.pk}.{fmt}"'
    return response


def closed_reason(request) -> str:
    """The reason for changing a closed day: typed beside the change, or in the page's box."""
    return next((r for r in request.POST.getlist("closed_reason") if r.strip()), "")


@login_required
@require_POST
def cell_save(request, agent_pk: int, task_pk: int):
    """Save one tracker cell; answers with the cell (its error or conflict shown in it)."""
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT, people=False)
    cohort = agent.cohort
    timezone.activate(cohort.tzinfo)
    task = next((t for t in active_tasks(cohort) if t.pk == task_pk), None)
    if task is None:
        raise Http404("No such task on the tracker.")
    form = TaskStatusForm(request.POST, prefix=f"c{agent.pk}-{task.pk}")
    message, status, reason_error, closed_error, saved = "", 200, False, False, None
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = set_task_status(
                agent=agent,
                task=task,
                status=data["status"],
                reason=data["blocked_reason"],
                expected_version=data["version"],
                by=request.user,
                closed_reason=closed_reason(request),
            )
            message = "Saved"
        except StaleStatus as exc:
            saved = exc.current
            who = exc.current.updated_by
            name = (who.get_full_name() or who.username) if who else "someone"
            message = f"Not saved: {name} changed it to {exc.current.get_status_display()} first."
            status = 409
        except ClosedDayReason as exc:
            message, status, closed_error = str(exc), 400, True
        except TrackerError as exc:
            message, status = str(exc), 400
    else:
        message, status = "; ".join(e for errors in form.errors.values() for e in errors), 400
        reason_error = "blocked_reason" in form.errors
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, f"{agent}, {task}: {message}")
        return redirect(reverse("certifications:tracker", args=[cohort.pk]))
    cell = cell_for(agent, task, now=timezone.now(), status=saved)
    chosen = form.cleaned_data.get("status") if status == 400 else None
    if chosen:
        cell.status = chosen  # show what was chosen, beside its error
    context = {
        "agent": agent,
        "cell": cell,
        "caps": caps,
        "statuses": TaskStatus.Status.choices,
        "cells_url": UrlPattern("certifications:cell_save", ID, ID2).prefix(agent.pk),
        "message": message,
        "level": {200: "success", 409: "warning"}.get(status, "danger"),
        "reason_error": reason_error,
        "typed_reason": request.POST.get(f"c{agent.pk}-{task.pk}-blocked_reason", ""),
        "closed_error": closed_error,
    }
    return render(request, "certifications/tracker.html#tracker-cell", context, status=status)


@login_required
@require_POST
def note_save(request, agent_pk: int, day: datetime.date):
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT, people=False)
    timezone.activate(agent.cohort.tzinfo)
    form = NoteForm(request.POST, prefix=f"n{agent.pk}")
    status, message, note, closed_error = 200, "Saved", None, False
    if form.is_valid():
        try:
            note = save_note(
                agent=agent,
                day=day,
                text=form.cleaned_data["text"],
                by=request.user,
                reason=closed_reason(request),
                expected_version=form.cleaned_data["version"],
            )
        except StaleNote as exc:
            note, status = exc.current, 409
            who = exc.current.updated_by if exc.current else None
            name = (who.get_full_name() or who.username) if who else "someone"
            message = (
                f"Not saved: {name} changed this note while you were writing. Their note is shown; "
                f"yours was: “{form.cleaned_data['text'].strip()}”"
            )
        except ClosedDayReason as exc:
            status, message, closed_error = 400, str(exc), True
        except TrackerError as exc:
            status, message = 400, str(exc)
    else:
        status, message = 400, "; ".join(e for errors in form.errors.values() for e in errors)
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, f"Note for {agent}: {message}")
        return redirect(agent)
    if status != 409:
        note = note or DailyNote.objects.filter(agent=agent, day=day).first()
    context = {
        "row": {"agent": agent, "note": note, "note_url": request.path},
        "note_day": day,
        "caps": caps,
        "message": message,
        "ok": status == 200,
        "closed_error": closed_error,
        "typed": form.cleaned_data.get("text", "") if closed_error else None,
    }
    return render(request, "certifications/tracker.html#note-cell", context, status=status)


# --- The agent's record: forms shown on the agent page ------------------------------------------


def _answer(request, agent, template: str, context: dict, *, ok: str | None):
    """After a form of the agent page: back to the page when it worked; else the form with its
    messages, 400, in place for htmx or on a page of its own."""
    if ok is not None:
        messages.success(request, ok)
        if request.htmx:
            return HttpResponseClientRedirect(agent.get_absolute_url())
        return redirect(agent)
    context = {"agent": agent, "cohort": agent.cohort, **context}
    if request.htmx:
        return render(request, template, context, status=400)
    return render(request, "certifications/agent_form_page.html", {**context, "part": template}, status=400)


@login_required
@require_POST
def attempt_add(request, agent_pk: int):
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT, people=False)
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
            result = "passed" if attempt.passed else "failed"
            return _answer(request, agent, "", {}, ok=f"{attempt.task} attempt recorded: {result}.")
    return _answer(
        request,
        agent,
        "certifications/agent_forms.html#attempt-form",
        {"attempt_form": form, "caps": caps},
        ok=None,
    )


@login_required
@require_POST
def proof_upload(request, agent_pk: int):
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT)
    form = ProofUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            proof = upload_proof(
                agent=agent, task=form.cleaned_data["task"], upload=form.cleaned_data["file"], by=request.user
            )
        except TrackerError as exc:
            form.add_error("file", str(exc))
        else:
            return _answer(
                request, agent, "", {}, ok=f"{proof.task} proof uploaded; a TL or PM verifies it next."
            )
    return _answer(
        request,
        agent,
        "certifications/agent_forms.html#proof-form",
        {"proof_form": form, "caps": caps},
        ok=None,
    )


@login_required
@require_GET
def proof_file(request, pk: int):
    """The proof file itself, only to users who may see the agent."""
    proof = get_object_or_404(Proof.objects.select_related("agent"), pk=pk)
    agent_for(request.user, proof.agent_id)  # 404 unless the user reads this agent
    try:
        handle = proof.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    extension = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}[proof.content_type]
    response = FileResponse(handle, content_type=proof.content_type, filename=f"proof-{proof.pk}.{extension}")
    response["Content-Disposition"] = f'inline; filename="proof-{proof.pk}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _proof_for(request, pk: int):
    proof = get_object_or_404(Proof.objects.select_related("task"), pk=pk)
    agent, caps = agent_for(request.user, proof.agent_id, Action.EDIT)
    proof.agent = agent
    return proof, agent, caps


@login_required
@require_POST
def proof_review(request, pk: int):
    proof, agent, caps = _proof_for(request, pk)
    form = ProofReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            review_proof(
                proof=proof, verified=data["decision"] == "verify", reason=data["reason"], by=request.user
            )
        except TrackerError as exc:
            form.add_error(None, str(exc))
        else:
            return _answer(
                request, agent, "", {}, ok=f"{proof.task} proof {proof.get_review_display().lower()}."
            )
    context = {"proof": proof, "review_form": form, "caps": caps}
    return _answer(request, agent, "certifications/agent_forms.html#review-form", context, ok=None)


@login_required
@require_POST
def proof_clear_duplicate(request, pk: int):
    proof, agent, caps = _proof_for(request, pk)
    form = ClearDuplicateForm(request.POST)
    if form.is_valid():
        clear_duplicate(proof=proof, reason=form.cleaned_data["reason"], by=request.user)
        return _answer(
            request, agent, "", {}, ok=f"{proof.task} proof: the duplicate is explained; it can be verified."
        )
    context = {"proof": proof, "clear_form": form, "caps": caps}
    return _answer(request, agent, "certifications/agent_forms.html#clear-form", context, ok=None)


@login_required
@require_POST
def red_flag_raise(request, agent_pk: int):
    agent, caps = agent_for(request.user, agent_pk, Action.EDIT)
    form = RedFlagForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            raise_red_flag(
                agent=agent,
                category=data["category"],
                details=data["details"],
                confidential=data["confidential"],
                by=request.user,
            )
        except RepeatedRedFlag as repeat:
            at = timezone.localtime(repeat.flag.raised_at, agent.cohort.tzinfo)
            ok = f"This red flag was already raised at {at:%H:%M}; it was not raised or emailed again."
            return _answer(request, agent, "", {}, ok=ok)
        return _answer(
            request, agent, "", {}, ok="Red flag raised; the PM and the ESP managers are being emailed."
        )
    return _answer(
        request,
        agent,
        "certifications/agent_forms.html#flag-form",
        {"red_flag_form": form, "caps": caps},
        ok=None,
    )


@login_required
@require_POST
def red_flag_resolve(request, pk: int):
    flag = get_object_or_404(RedFlag, pk=pk)
    agent, caps = agent_for(request.user, flag.agent_id, Action.EDIT)
    if not RedFlag.objects.filter(pk=pk).visible_to(request.user, caps.confidential).exists():
        raise Http404
    form = ResolveRedFlagForm(request.POST)
    if form.is_valid():
        try:
            resolve_red_flag(flag=flag, resolution=form.cleaned_data["resolution"], by=request.user)
        except TrackerError as exc:
            form.add_error("resolution", str(exc))
        else:
            return _answer(request, agent, "", {}, ok="Red flag resolved.")
    context = {"flag": flag, "resolve_form": form, "caps": caps}
    return _answer(request, agent, "certifications/agent_forms.html#resolve-form", context, ok=None)
