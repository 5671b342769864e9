"""Bounds on what people type, so that no input can break a page or a job for everyone."""

import datetime

from django.core.exceptions import ValidationError

# Dates people enter (a cohort's start, an exam, a CAP, a policy's first day, a range to report
# or reclassify) lie in this range: the ESP week's arithmetic (business days, time zones) works
# for any date in it, and a year like 9999 or 0001 is a typing slip, not a plan.
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2099, 12, 31)


def sane_date(value: datetime.date) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(
            "Enter a date between %(earliest)s and %(latest)s.",
            code="date_out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )
