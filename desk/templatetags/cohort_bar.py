"""`{% cohort_bar cohort "tracker" %}`: the bar on every cohort page (Today, Roll call, Tracker,
Notes, Tickets, Attendance, Agents). The page renders its links at no cost; htmx then asks
desk.views.cohort_bar for the version with what is still open on each (desk.board.bar_counts),
and again after each save. A template tag, so pages of every app show it without their code
importing this layer."""

from django import template
from django.urls import reverse

from cohorts.access import capabilities

register = template.Library()

# The pages the bar is on, and the URL name of each (a close from the bar returns there).
PAGES = {
    "today": "desk:cohort",
    "roll_call": "attendance:roll_call",
    "tracker": "certifications:tracker",
    "notes": "certifications:notes",
    "tickets": "tickets:list",
    "attendance": "attendance:matrix",
}


def page_url(cohort, current: str) -> str:
    return reverse(PAGES[current], args=[cohort.pk])


@register.inclusion_tag("desk/_cohort_bar.html", takes_context=True)
def cohort_bar(context, cohort, current: str):
    return {
        "cohort": cohort,
        "current": current,
        "caps": capabilities(context["request"].user, cohort),
        "counts": None,
        "back": page_url(cohort, current),
    }
