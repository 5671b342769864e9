import datetime

import pytest
import time_machine

MONDAY = datetime.date(2026, 11, 23)
WEDNESDAY = datetime.date(2026, 11, 25)


@pytest.fixture
def week(cohort1, cohort2):
    """Both cohorts start on MONDAY and it is Wednesday 12:00 in New York (09:00 in Los Angeles)."""
    for cohort in (cohort1, cohort2):
        cohort.start_date = MONDAY
        cohort.save()
    moment = datetime.datetime(2026, 11, 25, 17, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        yield WEDNESDAY
