import datetime

import pytest
import time_machine

MONDAY = datetime.date(2026, 11, 23)
WEDNESDAY = datetime.date(2026, 11, 25)


@pytest.fixture
def week(cohort1, cohort2):
    """Both cohorts start on Monday; it is Wednesday afternoon in New York."""
    for cohort in (cohort1, cohort2):
        cohort.start_date = MONDAY
        cohort.save()
    with time_machine.travel(
        datetime.datetime(2026, 11, 25, 17, 0, tzinfo=datetime.UTC), tick=False
    ) as traveller:
        yield traveller
