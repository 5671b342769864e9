"""Roll-call rows as HTML built in Python: a row per agent with six inputs each, where Django's
widget templates cost more than the rest of the page (see certifications/rendering.py)."""

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from attendance.models import Occurrence

SENTINEL = 987654321
BADGE_CLASSES = {
    Occurrence.LATE: "text-bg-warning",
    Occurrence.LEFT_EARLY: "text-bg-warning",
    Occurrence.LATE_PARTIAL: "text-bg-danger",
    Occurrence.LEFT_EARLY_PARTIAL: "text-bg-danger",
    Occurrence.ABSENT: "text-bg-dark",
}


def occurrences_html(record) -> str:
    """The day's occurrences as badges: the roll call, the matrix and the agent's history share it."""
    if record is None:
        return '<span class="text-body-secondary">not taken</span>'
    if not record.occurrences:
        return '<span class="badge text-bg-success">present</span>'
    html = " ".join(
        f'<span class="badge {BADGE_CLASSES[k]}">{escape(Occurrence(k).label)}</span>'
        for k in record.occurrences
    )
    if record.excused:
        html += f' <span class="badge text-bg-info" title="{escape(record.excused_reason)}">excused</span>'
    return html


class RowKit:
    """What every row of one response shares: the save URL pattern."""

    def __init__(self, cohort, day):
        self._url = reverse("attendance:roll_call_save", args=[cohort.pk, day, SENTINEL])

    def url(self, agent_pk: int) -> str:
        return self._url.replace(str(SENTINEL), str(agent_pk))


def _value(form, name: str) -> str:
    """The field's value as the input shows it: what was posted, else the initial value."""
    value = form[name].value()
    if value is None or value is False:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%H:%M")
    return str(value)


def render_row(row, *, cohort, kit: RowKit) -> SafeString:
    """One agent's roll-call row; saves on change (htmx) and shows its occurrences and errors."""
    agent, form, record = row.agent, row.form, row.record
    name = escape(agent.full_name)
    errors = form.errors if form.is_bound else {}
    prefix = form.prefix
    shift = (
        f"{record.scheduled_start_at.astimezone(cohort.tzinfo):%H:%M}–{record.scheduled_end_at.astimezone(cohort.tzinfo):%H:%M}"
        if record
        else "–".join(t.strftime("%H:%M") for t in agent.scheduled_shift())
    )
    status_note = "" if row.attending else f" · {escape(agent.get_status_display())}"
    parts = [
        f'<tr id="row-{agent.pk}" class="{"" if row.attending else "table-secondary"}" hx-post="{kit.url(agent.pk)}" '
        f'hx-trigger="change" hx-include="closest tr, #closed-reason" hx-target="this" hx-swap="outerHTML">'
        f'<th scope="row">{name}<div class="small text-body-secondary">{escape(agent.employee_id)}{status_note}</div></th>'
        f'<td class="small text-nowrap">{shift}</td>'
    ]
    for field, label, kind in (
        ("arrival", "Arrival", "time"),
        ("departure", "Departure", "time"),
        ("absent", "Absent all day", "checkbox"),
        ("excused", "Excused", "checkbox"),
        ("excused_reason", "Reason", "text"),
    ):
        field_id = f"id_{prefix}-{field}"
        invalid = field in errors
        described = f' aria-invalid="true" aria-describedby="{field_id}-error"' if invalid else ""
        if kind == "checkbox":
            checked = (
                " checked" if _value(form, field) and _value(form, field) not in ("False", "false") else ""
            )
            control = f'<input type="checkbox" class="form-check-input" name="{prefix}-{field}" id="{field_id}"{checked}{described}>'
        else:
            extra = ' placeholder="why excused"' if field == "excused_reason" else ""
            css = "form-control form-control-sm" + (" is-invalid" if invalid else "")
            control = (
                f'<input type="{kind}" class="{css}" name="{prefix}-{field}" id="{field_id}" '
                f'value="{escape(_value(form, field))}"{extra}{described}>'
            )
        error_html = "".join(
            f'<div class="invalid-feedback d-block" id="{field_id}-error">{escape(str(e))}</div>'
            for e in errors.get(field, [])
        )
        width = ' class="w-25"' if field == "excused_reason" else ""
        parts.append(
            f'<td{width}><label class="visually-hidden" for="{field_id}">{label}, {name}</label>{control}{error_html}</td>'
        )
    version = _value(form, "version") or "0"
    parts.append(
        f'<td><input type="hidden" name="{prefix}-version" value="{escape(version)}" id="id_{prefix}-version">'
        f'<span class="occurrences">{occurrences_html(record)}</span></td>'
    )
    if row.message:
        status = f'<span class="text-{row.level}">{escape(row.message)}</span>'
    elif record:
        status = f'<span class="text-body-secondary">v{record.version}</span>'
    else:
        status = ""
    non_field = "".join(f'<div class="text-danger">{escape(str(e))}</div>' for e in errors.get("__all__", []))
    parts.append(f'<td class="small" role="status">{status}{non_field}</td></tr>')
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
