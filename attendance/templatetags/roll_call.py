from django import template
from django.utils.safestring import mark_safe

from attendance.rendering import RowKit, occurrences_html, render_row

register = template.Library()


@register.simple_tag(takes_context=True)
def roll_call_row(context, row, cohort, day):
    kit = context.render_context.get("row_kit")
    if kit is None:
        kit = context.render_context["row_kit"] = RowKit(cohort, day)
    return render_row(row, cohort=cohort, kit=kit)


@register.filter
def occurrence_badges(record):
    return mark_safe(occurrences_html(record))  # noqa: S308 - built from escaped labels
