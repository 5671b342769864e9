"""URL path converters, registered once for every app's urls."""

import datetime

from django.urls import register_converter


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)  # ValueError → no match → 404

    def to_url(self, value: datetime.date) -> str:
        return value.isoformat()


register_converter(IsoDateConverter, "isodate")


def parse_day(text: str) -> datetime.date | None:
    """A day given in a query string (YYYY-MM-DD), or None for anything else."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def parse_whole(text: str | None) -> int | None:
    """A whole number typed or sent as ASCII digits ("12"), else None: str.isdigit() alone also
    takes "²" or "٣", which int() refuses."""
    return int(text) if text and text.isascii() and text.isdigit() else None
