"""Exports: the formats offered, and a clear 400 for any other."""

from django.http import HttpResponse

FORMATS = ("csv", "xlsx")


class BadExport(ValueError):
    pass


def export_format(request) -> str | None:
    """The export the request asks for (`?_export=`), None for the page itself; BadExport for
    a format the app does not offer."""
    fmt = request.GET.get("_export")
    if fmt is None:
        return None
    if fmt not in FORMATS:
        raise BadExport(fmt)
    return fmt


def bad_export() -> HttpResponse:
    return HttpResponse("Export as csv or xlsx.", status=400, content_type="text/plain")
