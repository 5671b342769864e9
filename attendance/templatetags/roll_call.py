from django import template

from attendance.rendering import RowKit, render_row

register = template.Library()


@register.simple_tag(takes_context=True)
def roll_call_row(context, row, cohort, day):
    kit = context.render_context.get("row_kit")
    if kit is None:
        kit = context.render_context["row_kit"] = RowKit(cohort, day)
    return render_row(row, cohort=cohort, kit=kit)
