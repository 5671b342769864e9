"""The board's ladder rank is read on each cohort's own day, in its zone: at Thursday 02:00 UTC it
is still Wednesday in Los Angeles, so a CAP that expires on Thursday is in force on the West
cohort's board though the server's date has moved on."""

import datetime

import pytest

from attendance.accountability import issue_action
from attendance.models import CorrectiveAction, CorrectiveLevel
from cohorts.models import Cohort
from desk.board import active_cohorts, collect
from tests.conftest import MONDAY, WEDNESDAY

pytestmark = pytest.mark.django_db
THURSDAY = WEDNESDAY + datetime.timedelta(days=1)


def test_a_cap_is_on_the_ladder_until_the_end_of_the_cohorts_own_day(week, agent2, tl2):
    cap = issue_action(
        agent=agent2, level=CorrectiveLevel.objects.get(rank=1), date=MONDAY, reasons="Late twice",
        expectations="On time", consequences="A Final CAP", by=tl2,
    )  # fmt: skip
    CorrectiveAction.objects.filter(pk=cap.pk).update(expires_on=THURSDAY)
    week.move_to(datetime.datetime(2026, 11, 26, 2, 0, tzinfo=datetime.UTC))  # Wed 18:00 in LA

    def board() -> tuple[datetime.date, int]:
        cohorts = active_cohorts(Cohort.objects.filter(pk=agent2.cohort_id))
        (day,) = collect(cohorts, user=tl2, sees_confidential=True)
        return day.day, {line.agent.pk: line.cap_rank for line in day.lines}[agent2.pk]

    assert board() == (WEDNESDAY, 1)
    week.move_to(datetime.datetime(2026, 11, 26, 8, 30, tzinfo=datetime.UTC))  # Thu 00:30 in LA
    assert board() == (THURSDAY, 0)
