"""The tracker's cells as HTML, built in Python: the grid has a cell per agent and task, and
rendering each through the template engine (or one format_html per fragment) cost more than
the rest of the page together. Everything user-written is escaped here."""

from functools import cached_property
from html import escape  # the stdlib's: Django's lazy-aware wrapper costs more than the escaping

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from certifications.models import TaskStatus

STATUS_LABELS = dict(TaskStatus.Status.choices)
SENTINELS = (987654321, 987654322)


class CellKit:
    """What every cell of one response shares: option lists and URL patterns, built once."""

    def __init__(self):
        self._options: dict[str, str] = {}

    def options(self, selected: str) -> str:
        if selected not in self._options:
            self._options[selected] = "".join(
                f'<option value="{value}"{" selected" if value == selected else ""}>{escape(label)}</option>'
                for value, label in STATUS_LABELS.items()
            )
        return self._options[selected]

    @cached_property
    def _cell_url(self) -> str:
        return reverse("certifications:cell_save", args=SENTINELS)

    def cell_url(self, agent_pk: int, task_pk: int) -> str:
        return self._cell_url.replace(str(SENTINELS[0]), str(agent_pk)).replace(
            str(SENTINELS[1]), str(task_pk)
        )

    @cached_property
    def _agent_url(self) -> str:
        return reverse("cohorts:agent_detail", args=[SENTINELS[0]])

    def agent_url(self, agent_pk: int) -> str:
        return self._agent_url.replace(str(SENTINELS[0]), str(agent_pk))


def cell_class(cell) -> str:
    if cell.overdue:
        return "table-danger"
    if cell.value == TaskStatus.Status.VERIFIED:
        return "table-success"
    if cell.value in (TaskStatus.Status.BLOCKED, TaskStatus.Status.FAILED):
        return "table-warning"
    return ""


def render_cell(
    agent,
    cell,
    *,
    can_edit: bool,
    kit: CellKit,
    message: str = "",
    level: str = "",
    reason_error: bool = False,
) -> SafeString:
    """One tracker cell: an in-place select that saves on change (htmx), with its marks."""
    task, status = cell.task, cell.status
    name, task_name = escape(agent.full_name), escape(task.name)
    prefix = f"c{agent.pk}-{task.pk}"
    parts = [f'<td id="cell-{agent.pk}-{task.pk}" class="{cell_class(cell)}"']
    if can_edit:
        parts.append(
            f' hx-post="{kit.cell_url(agent.pk, task.pk)}" hx-trigger="change" hx-include="closest td" '
            f'hx-target="this" hx-swap="outerHTML">'
            f'<label class="visually-hidden" for="{prefix}-status">{task_name}, {name}</label>'
            f'<select class="form-select form-select-sm" name="{prefix}-status" id="{prefix}-status">'
            f"{kit.options(cell.value)}</select>"
            f'<input type="hidden" name="{prefix}-version" value="{status.version if status else 0}">'
        )
        if cell.value == TaskStatus.Status.BLOCKED or reason_error:
            invalid = " is-invalid" if reason_error else ""
            parts.append(
                f'<label class="visually-hidden" for="{prefix}-reason">What blocks {task_name}, {name}</label>'
                f'<input class="form-control form-control-sm mt-1{invalid}" name="{prefix}-blocked_reason" '
                f'id="{prefix}-reason" placeholder="what blocks it" '
                f'value="{escape(status.blocked_reason) if status else ""}">'
            )
    else:
        parts.append(f"><span>{escape(cell.label)}</span>")
        if status and status.blocked_reason:
            parts.append(f'<div class="small">{escape(status.blocked_reason)}</div>')
    if cell.overdue:
        parts.append('<span class="badge text-bg-danger">overdue</span>')
    if task.is_exam and cell.failed_attempts:
        badge = "text-bg-danger" if cell.limit_reached else "text-bg-secondary"
        limit = ": limit" if cell.limit_reached else ""
        parts.append(
            f'<span class="badge {badge}" title="failed attempts of {task.attempt_limit} allowed">'
            f"{cell.failed_attempts}/{task.attempt_limit} failed{limit}</span>"
        )
    if message:
        parts.append(f'<div class="small text-{level}" role="status">{escape(message)}</div>')
    parts.append("</td>")
    return mark_safe("".join(parts))  # noqa: S308 - every user-written value above is escaped


def render_note_cell(
    agent, note, *, note_day, can_edit: bool, message: str = "", ok: bool = True
) -> SafeString:
    """The sheet's notes column for one agent and day."""
    text = escape(note.text) if note else ""
    if can_edit and note_day:
        url = reverse("certifications:note_save", args=[agent.pk, note_day])
        html = (
            f'<td id="note-{agent.pk}" class="note-cell" hx-post="{url}" hx-trigger="change" '
            f'hx-include="closest td, #closed-reason" hx-target="this" hx-swap="outerHTML">'
            f'<label class="visually-hidden" for="n{agent.pk}-text">Note for {note_day:%a %-d %b}, '
            f"{escape(agent.full_name)}</label>"
            f'<textarea class="form-control form-control-sm" rows="1" name="n{agent.pk}-text" '
            f'id="n{agent.pk}-text" placeholder="today\'s note">{text}</textarea>'
        )
    else:
        html = f'<td id="note-{agent.pk}" class="note-cell">' + (text.replace("\n", "<br>") or "—")
    if message:
        html += f'<div class="small {"text-success" if ok else "text-danger"}" role="status">{escape(message)}</div>'
    return mark_safe(html + "</td>")  # noqa: S308 - the note and names are escaped


def render_row(row, *, can_edit: bool, note_day, kit: CellKit) -> SafeString:
    """A whole tracker row: the agent, a cell per task and the day's note."""
    agent = row.agent
    extra = ""
    if row.open_flags:
        plural = "s" if row.open_flags > 1 else ""
        extra += f' · <span class="badge text-bg-danger">{row.open_flags} red flag{plural}</span>'
    if agent.status != "in_esp":
        extra += f" · {escape(agent.get_status_display())}"
    head = (
        f'<th scope="row"><a href="{kit.agent_url(agent.pk)}">{escape(agent.full_name)}</a>'
        f'<div class="small text-body-secondary">{escape(agent.employee_id)} · {row.done}/{len(row.cells)} done'
        f"{extra}</div></th>"
    )
    cells = "".join(render_cell(agent, cell, can_edit=can_edit, kit=kit) for cell in row.cells)
    note = render_note_cell(agent, row.note, note_day=note_day, can_edit=can_edit)
    return mark_safe(f"<tr>{head}{cells}{note}</tr>")  # noqa: S308 - names are escaped
