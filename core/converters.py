"""URL path converters, registered once for every app's urls, and the parsers of what users type
or send: days, whole numbers, times of day."""

import datetime
import re

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


CLOCK_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p", "%I:%M:%S%p")


def parse_clock(text: str, day: datetime.date | None = None) -> datetime.time | None:
    """A wall-clock time as reports write it ("9:02 AM", "09:02:11", "13:05"), or a full timestamp
    that a spreadsheet stored ("2026-11-25 09:02"), whose date must be `day` when one is given;
    None when it is none of them."""
    text = " ".join(text.strip().upper().split())
    stamp = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](.+)", text)
    if stamp:
        if day is not None and stamp.group(1) != day.isoformat():
            return None
        text = stamp.group(2)
    for fmt in CLOCK_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    return None
