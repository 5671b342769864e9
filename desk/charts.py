"""The dashboard's per-cohort charts as server-side SVG geometry (no script, no library): each
drawn at its own pixel size so that its text is never smaller than LABEL_PX, with a legend, a
title and a description that says every figure in words (the text alternative), from the
cohort's summary (desk.dashboard.CohortSummary), so the charts and the table cannot disagree.
"""

from dataclasses import dataclass, field

LABEL_PX = 13
DONE_COLOR = "#0d6efd"
TRACK_COLOR = "#dee2e6"
PACE_COLOR = "#212529"
GROUP_COLORS = {"Late": "#fd7e14", "Left early": "#6f42c1", "Absent": "#b02a37"}


@dataclass
class Mark:
    """One drawn piece: a rectangle (width, height) or a text (text) at x, y."""

    x: float
    y: float
    width: float = 0
    height: float = 0
    color: str = ""
    text: str = ""
    tip: str = ""
    anchor: str = "start"


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    legend: list[tuple[str, str, str]]  # (colour, label, "box" | "line")
    marks: list[Mark] = field(default_factory=list)
    texts: list[Mark] = field(default_factory=list)
    pace: str = ""  # the pace line's points, for a polyline
    axis: list[Mark] = field(default_factory=list)

    @property
    def font_px(self) -> int:
        return LABEL_PX


def task_chart(summary) -> Chart:
    """Each task's share of agents done, over a grey track to where it should be by the end of
    today (every agent, for a task due by today; none yet for a later one)."""
    label_w, bar_w, row_h = 230, 200, 30
    rows = [*summary.task_pace]
    chart = Chart(
        id=f"tasks-{summary.cohort.pk}",
        title=f"{summary.cohort.name}: tasks done against today's pace",
        description="; ".join(
            f"{p.task.name} {p.percent}% done, due day {p.due_number}"
            + (", should be done by today" if p.due_by_today else "")
            for p in rows
        )
        + f". All tasks: {summary.overall}% done, {summary.pace}% should be by today.",
        width=label_w + bar_w + 56,
        height=row_h * (len(rows) + 1) + 6,
        legend=[(DONE_COLOR, "Agents done", "box"), (TRACK_COLOR, "Should be done by today", "box")],
    )
    entries = [(p.task.name, f"due day {p.due_number}", p.percent, p.expected) for p in rows]
    entries.append(("All tasks", "pace", summary.overall, summary.pace))
    for i, (name, sub, percent, expected) in enumerate(entries):
        y = i * row_h + 4
        chart.texts.append(Mark(0, y + 13, text=name))
        chart.texts.append(Mark(label_w - 8, y + 13, text=sub, anchor="end", color="#495057"))
        if expected:
            track = bar_w * expected / 100
            chart.marks.append(Mark(label_w, y, track, 20, TRACK_COLOR, tip=f"{expected}% by today"))
        done = round(bar_w * percent / 100, 1)
        chart.marks.append(Mark(label_w, y + 4, done, 12, DONE_COLOR, tip=f"{percent}%"))
        chart.texts.append(Mark(label_w + bar_w + 6, y + 14, text=f"{percent}%"))
    return chart


def day_chart(summary) -> Chart:
    """Task cells done by the end of each ESP day (today: by now) as columns, the pace (where
    the cohort should be by the end of each day) as a line."""
    top, plot_h, col_w, gap, left = 10, 150, 48, 20, 40
    days = summary.days
    chart = Chart(
        id=f"days-{summary.cohort.pk}",
        title=f"{summary.cohort.name}: task cells done by day against the pace",
        description="; ".join(
            f"{p.label}: " + ("to come" if p.done is None else f"{p.done}% done") + f", pace {p.pace}%"
            for p in days
        )
        + ".",
        width=left + len(days) * (col_w + gap),
        height=top + plot_h + 2 * LABEL_PX + 12,
        legend=[(DONE_COLOR, "Done by the end of the day", "box"), (PACE_COLOR, "Pace", "line")],
    )
    base = top + plot_h
    for value in (0, 50, 100):
        y = base - plot_h * value / 100
        chart.axis.append(Mark(left - 6, y, width=chart.width, text=f"{value}%", anchor="end"))
    points = []
    for i, p in enumerate(days):
        x = left + gap / 2 + i * (col_w + gap)
        if p.done is not None:
            h = round(plot_h * p.done / 100, 1)
            chart.marks.append(Mark(x, base - h, col_w, h, DONE_COLOR, tip=f"{p.label}: {p.done}% done"))
            # inside the column's top when it is tall enough, clear of the pace line
            inside = h >= LABEL_PX + 8
            y = base - h + LABEL_PX + 2 if inside else base - h - 4
            chart.texts.append(
                Mark(x + col_w / 2, y, text=f"{p.done}%", anchor="middle", color="#fff" if inside else "")
            )
        chart.texts.append(Mark(x + col_w / 2, base + LABEL_PX + 4, text=f"Day {p.number}", anchor="middle"))
        chart.texts.append(
            Mark(x + col_w / 2, base + 2 * LABEL_PX + 8, text=f"{p.day:%a}", anchor="middle", color="#495057")
        )
        y = round(base - plot_h * p.pace / 100, 1)
        points += [f"{x:g},{y:g}", f"{x + col_w:g},{y:g}"]
    chart.pace = " ".join(points)
    return chart


def occurrence_chart(summary, groups: tuple[str, ...]) -> Chart:
    """Occurrences per ESP day so far, stacked by group (late, left early, absent)."""
    top, plot_h, col_w, gap, left = 18, 110, 44, 20, 40
    days = [p for p in summary.days if p.done is not None]
    most = max((p.occurrence_total for p in days), default=0) or 1
    chart = Chart(
        id=f"occurrences-{summary.cohort.pk}",
        title=f"{summary.cohort.name}: occurrences per day",
        description="; ".join(
            f"{p.label}: "
            + (", ".join(f"{p.occurrences[g]} {g.lower()}" for g in groups if p.occurrences.get(g)) or "none")
            for p in days
        )
        + ".",
        width=left + max(len(days), 1) * (col_w + gap),
        height=top + plot_h + LABEL_PX + 12,
        legend=[(GROUP_COLORS[g], g, "box") for g in groups],
    )
    base = top + plot_h
    chart.axis.append(Mark(left - 6, base, width=chart.width, text="0", anchor="end"))
    chart.axis.append(Mark(left - 6, top, width=chart.width, text=str(most), anchor="end"))
    for i, p in enumerate(days):
        x = left + gap / 2 + i * (col_w + gap)
        y = base
        for g in groups:
            n = p.occurrences.get(g, 0)
            if n:
                h = round(plot_h * n / most, 1)
                y -= h
                chart.marks.append(Mark(x, y, col_w, h, GROUP_COLORS[g], tip=f"{p.label}: {n} {g.lower()}"))
        chart.texts.append(Mark(x + col_w / 2, y - 4, text=str(p.occurrence_total), anchor="middle"))
        chart.texts.append(Mark(x + col_w / 2, base + LABEL_PX + 4, text=f"Day {p.number}", anchor="middle"))
    return chart


def week_chart(
    id: str, title: str, weeks: list, values: list[float | None], unit: str, top: float, color: str
) -> Chart:
    """Past start weeks as columns on the measure's own scale (`top` is its full height), oldest
    first; a week without a value (no agent ready) has no column and says so."""
    top = top or 1
    plot_h, col_w, gap, left, head = 70, 34, 14, 8, LABEL_PX + 6
    shown = ["no agent ready" if v is None else f"{v:g}{unit}" for v in values]
    latest = shown[-1] if values[-1] is not None else "—"
    chart = Chart(
        id=f"outcomes-{id}",
        title=f"{title} by start week, oldest first",
        description="; ".join(f"Week of {w:%-d %b}: {text}" for w, text in zip(weeks, shown, strict=True))
        + ".",
        width=left + len(weeks) * (col_w + gap),
        height=head + plot_h + LABEL_PX + 10,
        legend=[(color, f"{title} · latest week: {latest}", "box")],
    )
    base = head + plot_h
    chart.axis.append(Mark(left - 6, base, width=chart.width, text=""))
    for i, (week, value, text) in enumerate(zip(weeks, values, shown, strict=True)):
        x = left + gap / 2 + i * (col_w + gap)
        h = 0 if value is None else round(plot_h * min(value, top) / top, 1)
        chart.marks.append(Mark(x, base - h, col_w, h, color, tip=f"Week of {week:%-d %b}: {text}"))
        label = "—" if value is None else f"{value:g}"
        chart.texts.append(Mark(x + col_w / 2, base - h - 4, text=label, anchor="middle"))
        chart.texts.append(Mark(x + col_w / 2, base + LABEL_PX + 4, text=f"{week:%-d %b}", anchor="middle"))
    return chart


def cohort_charts(summary, groups: tuple[str, ...]) -> list[Chart]:
    return [task_chart(summary), day_chart(summary), occurrence_chart(summary, groups)]
