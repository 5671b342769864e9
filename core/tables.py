"""Tables (django-tables2) configured from the request, with what the user may ask for bounded."""

import datetime

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger

from core.converters import parse_whole

# The most rows a page of any table shows, whatever ?per_page asks for.
MAX_PER_PAGE = 500


def configure(request, table, *, per_page: int | None = None):
    """django-tables2's RequestConfig, without its holes: ?per_page=0, -1 or a million, and
    ?page=-1, made a 500 (EmptyPage, a paginator of no pages) or a page of every row. The size is
    the user's only between 1 and MAX_PER_PAGE, and a page outside the table shows its last page."""
    table.request = request
    order_by = request.GET.getlist(table.prefixed_order_by_field)
    if order_by:
        table.order_by = order_by
    if per_page is None:
        return table
    asked = parse_whole(request.GET.get(table.prefixed_per_page_field))
    size = asked if asked and asked <= MAX_PER_PAGE else per_page
    page = parse_whole(request.GET.get(table.prefixed_page_field)) or 1
    try:
        table.paginate(page=page, per_page=size)
    except (EmptyPage, PageNotAnInteger):
        table.page = table.paginator.page(table.paginator.num_pages)
    return table


YES, NO = "yes", "no"  # the one yes/no of pages, CSV and XLSX alike (the digest's CSV too)


class YesNoColumn(tables.Column):
    """A true/false fact shown as "yes" or "no" on the page and in every export."""

    def render(self, value):
        return YES if value else NO

    def value(self, value):
        return YES if value else NO


class DateColumn(tables.DateColumn):
    """A date shown in the page's format, exported as a real date (a date cell in XLSX, ISO in CSV)."""

    def value(self, value):
        return value


class LocalTimeColumn(tables.Column):
    """An aware datetime shown as the time of day in its row's zone (`zone(record)`): "09:40" on
    the page, a real time cell in XLSX (ISO in CSV), empty when there is none."""

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def _local(self, value, record) -> datetime.time | None:
        return value.astimezone(self.zone(record)).time().replace(second=0, microsecond=0) if value else None

    def render(self, value, record):
        return self._local(value, record).strftime("%H:%M")

    def value(self, value, record):
        return self._local(value, record)
