from django import template
from django.utils.safestring import mark_safe

from attendance.rendering import occurrences_html

register = template.Library()


@register.filter
def occurrence_badges(record):
    return mark_safe(occurrences_html(record))  # noqa: S308 - built from escaped labels
