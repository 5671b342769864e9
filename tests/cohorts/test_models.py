import datetime

import pytest

from cohorts.models import Cohort
from cohorts.services import refresh_cohort_statuses
from tests.conftest import MONDAY, WEDNESDAY
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db


def test_esp_days_are_five_business_days_from_the_start():
    cohort = Cohort(start_date=WEDNESDAY, day_count=5)
    assert cohort.esp_days == [
        datetime.date(2026, 11, 25),
        datetime.date(2026, 11, 26),
        datetime.date(2026, 11, 27),
        datetime.date(2026, 11, 30),
        datetime.date(2026, 12, 1),
    ]
    assert cohort.end_date == datetime.date(2026, 12, 1)


def test_day_number_counts_business_days_and_is_none_outside_the_week():
    cohort = Cohort(start_date=WEDNESDAY)
    assert cohort.day_number(WEDNESDAY) == 1
    assert cohort.day_number(datetime.date(2026, 11, 30)) == 4
    assert cohort.day_number(datetime.date(2026, 11, 28)) is None  # Saturday
    assert cohort.day_number(datetime.date(2026, 12, 2)) is None


def test_local_datetime_is_aware_in_the_cohorts_zone():
    cohort = Cohort(start_date=MONDAY, time_zone="America/Los_Angeles")
    moment = cohort.local_datetime(MONDAY, datetime.time(9, 0))
    assert moment.utcoffset() == datetime.timedelta(hours=-8)
    assert moment.astimezone(datetime.UTC).hour == 17


def test_status_follows_the_calendar():
    cohort = Cohort(start_date=MONDAY, status=Cohort.Status.PLANNED)
    assert cohort.status_on(MONDAY - datetime.timedelta(days=1)) == Cohort.Status.PLANNED
    assert cohort.status_on(MONDAY) == Cohort.Status.ACTIVE
    assert cohort.status_on(cohort.end_date) == Cohort.Status.ACTIVE
    assert cohort.status_on(cohort.end_date + datetime.timedelta(days=1)) == Cohort.Status.COMPLETED
    cohort.status = Cohort.Status.CANCELLED
    assert cohort.status_on(MONDAY) == Cohort.Status.CANCELLED


def test_shift_must_end_after_it_starts():
    from django.core.exceptions import ValidationError

    cohort = Cohort(start_date=MONDAY, shift_start=datetime.time(9), shift_end=datetime.time(8))
    with pytest.raises(ValidationError) as excinfo:
        cohort.clean()
    assert "shift_end" in excinfo.value.message_dict


def test_refresh_moves_cohorts_by_their_local_date_once():
    planned = CohortFactory(start_date=MONDAY, status=Cohort.Status.PLANNED)
    finished = CohortFactory(start_date=MONDAY - datetime.timedelta(weeks=2), status=Cohort.Status.ACTIVE)
    cancelled = CohortFactory(start_date=MONDAY, status=Cohort.Status.CANCELLED)

    assert refresh_cohort_statuses(today_for=lambda c: WEDNESDAY) == 2
    assert refresh_cohort_statuses(today_for=lambda c: WEDNESDAY) == 0

    planned.refresh_from_db()
    finished.refresh_from_db()
    cancelled.refresh_from_db()
    assert planned.status == Cohort.Status.ACTIVE
    assert finished.status == Cohort.Status.COMPLETED
    assert cancelled.status == Cohort.Status.CANCELLED
    latest = planned.history.first()
    assert latest.status == Cohort.Status.ACTIVE
    assert latest.history_user is None
    assert "planned → active" in latest.history_change_reason


def test_refresh_task_is_on_the_beat_schedule():
    from django.conf import settings

    from esp.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
