import datetime

import pytest
import time_machine

MONDAY = datetime.date(2026, 11, 23)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n" + b"0" * 64


@pytest.fixture
def week(cohort1, cohort2):
    """Both cohorts start on MONDAY; it is Wednesday 12:00 in New York."""
    for cohort in (cohort1, cohort2):
        cohort.start_date = MONDAY
        cohort.save()
    with time_machine.travel(datetime.datetime(2026, 11, 25, 17, 0, tzinfo=datetime.UTC), tick=False):
        yield
