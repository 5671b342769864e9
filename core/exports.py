"""Exports: the formats offered, a clear 400 for any other, and text that a spreadsheet can
never run: every CSV and XLSX the app writes passes its cells through `neutralise`."""

from django.http import HttpResponse
from django_tables2.export.export import TableExport

FORMATS = ("csv", "xlsx")

# OWASP's CSV injection rule: a cell starting with one of these is read as a formula (or, for tab
# and carriage return, moves to one) by Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def sheet_title(text: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of []:*?/\\."""
    return "".join(" " if c in "[]:*?/\\" else c for c in text).strip()[:31] or "Sheet"


def neutralise(value):
    """The value as a spreadsheet must show it: text that would start a formula gets a leading
    apostrophe (shown as text, never evaluated); numbers, dates and other values pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(row) -> list:
    return [neutralise(value) for value in row]


class SafeTableExport(TableExport):
    """django-tables2's export with every cell neutralised, and the sheet named for what it holds
    (not tablib's "Tablib Dataset")."""

    def __init__(self, export_format, table, *, title: str, **kwargs):
        super().__init__(export_format, table, dataset_kwargs={"title": sheet_title(title)}, **kwargs)

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        for i, row in enumerate(dataset):
            dataset[i] = neutralised(row)
        return dataset
