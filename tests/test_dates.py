"""Finding 5 of the hardening issue: one PM input (a cohort dated 9999-12-31, or 0001-01-01)
made its pages answer 500 and stopped every scheduled job. Dates people type are bounded in
every form and model (core.validators.sane_date), with the reason beside the field."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from certifications.models import ExamAttempt
from cohorts.models import Cohort
from desk.jobs import run_scheduled_jobs
from tests.cohorts.test_cohort_views import cohort_data
from tests.factories import CohortFactory

pytestmark = pytest.mark.django_db

SLIPS = ["9999-12-31", "0001-01-01", "2100-01-01", "1999-12-31"]


@pytest.mark.parametrize("day", SLIPS)
def test_a_cohort_dated_out_of_range_is_refused_with_the_reason(client_for, pm1, tl1, day):
    response = client_for(pm1).post(reverse("cohorts:create"), cohort_data(tl1, pm1, start_date=day))
    assert response.status_code == 400
    assert "Enter a date between 2000-01-01 and 2099-12-31." in response.context["form"].errors["start_date"]
    assert not Cohort.objects.exists()


def test_a_cohort_edit_is_bounded_too(client_for, pm1, tl1, cohort1):
    data = cohort_data(tl1, pm1, name=cohort1.name, start_date="9999-12-31")
    response = client_for(pm1).post(reverse("cohorts:edit", args=[cohort1.pk]), data)
    assert response.status_code == 400 and "start_date" in response.context["form"].errors
    cohort1.refresh_from_db()
    assert cohort1.start_date.year < 9999


def test_the_model_refuses_it_whatever_form_it_came_through(cohort1):
    cohort1.start_date = cohort1.start_date.replace(year=9999)
    with pytest.raises(ValidationError) as exc:
        cohort1.full_clean()
    assert "start_date" in exc.value.message_dict


@pytest.mark.parametrize("day", SLIPS)
def test_an_exam_attempt_dated_out_of_range_is_refused(client_for, tl1, agent1, tasks, day):
    data = {"task": tasks["aetna"].pk, "taken_on": day, "score": "58", "passed": "0"}
    response = client_for(tl1).post(reverse("certifications:attempt_add", args=[agent1.pk]), data)
    assert response.status_code == 400
    assert "Enter a date between" in response.content.decode()
    assert not ExamAttempt.objects.exists()


@pytest.mark.parametrize("view", ["attendance:reclassify"])
def test_report_ranges_are_bounded(client_for, staff, view):
    data = {"start": "0001-01-01", "end": "9999-12-31", "reason": "typo"}
    response = client_for(staff).post(reverse(view), data)
    assert response.status_code == 400
    assert "Enter a date between" in response.content.decode()


def test_the_scheduled_jobs_run_beside_the_latest_cohort_there_can_be(tl1, pm1):
    CohortFactory(tl=tl1, pm=pm1, start_date="2099-12-28")
    CohortFactory(tl=tl1, pm=pm1, start_date="2000-01-03")
    result = run_scheduled_jobs()
    assert set(result) >= {"statuses_changed", "end_of_day_checks", "digest_sent"}
