import django_tables2 as tables

from cohorts.models import Agent, Cohort


class UserColumn(tables.Column):
    def render(self, value) -> str:
        return value.get_full_name() or value.username


class CohortTable(tables.Table):
    name = tables.Column(linkify=True)
    start_date = tables.DateColumn(format="D j M Y", verbose_name="Day 1")
    end_date = tables.DateColumn(format="D j M Y", verbose_name="Day 5", orderable=False)
    tl = UserColumn(order_by=("tl__last_name", "tl__username"))
    pm = UserColumn(order_by=("pm__last_name", "pm__username"))
    agent_count = tables.Column(verbose_name="Agents")

    class Meta:
        model = Cohort
        fields = ("name", "status", "start_date", "end_date", "time_zone", "tl", "pm", "agent_count")
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("-start_date",)


class RosterTable(tables.Table):
    name = tables.Column(
        accessor="full_name",
        order_by=("last_name", "first_name"),
        verbose_name="Agent",
        linkify=lambda record: record.get_absolute_url(),
    )
    production_tl = UserColumn(verbose_name="Production TL")

    class Meta:
        model = Agent
        fields = ("name", "employee_id", "email", "phone", "equipment_source", "status")
        sequence = ("name", "employee_id", "email", "phone", "equipment_source", "status", "production_tl")
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("name",)


class ReadOnlyRosterTable(RosterTable):
    """The roster for readers who see the cohort but not the agents' records (WFM)."""

    name = tables.Column(accessor="full_name", order_by=("last_name", "first_name"), verbose_name="Agent")
