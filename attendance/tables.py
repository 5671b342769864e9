import django_tables2 as tables
from django.template.loader import get_template

from core.tables import DateColumn, LocalTimeColumn, YesNoColumn

BADGES = "attendance/_occurrence_badges.html"


def occurrence_badges(record) -> str:
    """The day's occurrences as badges: the roll call, the matrix and the WFM page share them."""
    return get_template(BADGES).render({"record": record})


def occurrence_text(record) -> str:
    if record is None:
        return ""
    labels = record.occurrence_labels() or ["present"]
    return "; ".join(labels) + (" (excused)" if record.excused else "")


class DayColumn(tables.Column):
    """One ESP day of the matrix: the record's occurrences as badges, as text when exported."""

    def __init__(self, day, **kwargs):
        # Rows keep their records under the ISO date, so the accessor yields the record itself.
        super().__init__(accessor=f"days__{day.isoformat()}", empty_values=(), orderable=False, **kwargs)

    def render(self, value):
        return occurrence_badges(value)

    def value(self, value):
        return occurrence_text(value)


class AttendanceMatrixTable(tables.Table):
    """Agents by ESP days; the day columns are added per cohort."""

    name = tables.Column(
        verbose_name="Agent",
        order_by=("last_name", "first_name"),
        linkify=lambda record: record["url"] or None,
    )
    employee_id = tables.Column(verbose_name="Employee ID")
    occurrences = tables.Column(verbose_name="Occurrences")

    class Meta:
        attrs = {"class": "table table-sm table-bordered align-middle"}
        orderable = True


class WfmAttendanceTable(tables.Table):
    """Attendance across cohorts for WFM: one row per agent day with an occurrence."""

    cohort = tables.Column(accessor="cohort__name", verbose_name="Cohort")
    agent = tables.Column(accessor="agent", order_by=("agent__last_name", "agent__first_name"))
    employee_id = tables.Column(accessor="agent__employee_id", verbose_name="Employee ID")
    occurrences = tables.Column(empty_values=(), orderable=False)
    arrived = LocalTimeColumn(accessor="arrived_at", verbose_name="Arrived", zone=lambda r: r.cohort.tzinfo)
    departed = LocalTimeColumn(accessor="departed_at", verbose_name="Left", zone=lambda r: r.cohort.tzinfo)
    excused = YesNoColumn()
    excused_reason = tables.Column(verbose_name="Reason")

    class Meta:
        attrs = {"class": "table table-sm align-middle"}
        sequence = (
            "day",
            "cohort",
            "agent",
            "employee_id",
            "occurrences",
            "arrived",
            "departed",
            "excused",
            "excused_reason",
        )
        order_by = ("-day", "cohort")

    day = DateColumn(format="D j M")

    def render_occurrences(self, record):
        return occurrence_badges(record)

    def value_occurrences(self, record):
        return occurrence_text(record)
