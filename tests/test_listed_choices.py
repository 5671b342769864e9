"""A model select's options are read with one plain SELECT per form, not through a server-side
cursor (three round trips on PostgreSQL), and once however often the form renders it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certifications.forms import ExamAttemptForm
from certifications.models import Task

pytestmark = pytest.mark.django_db


def test_a_select_of_tasks_is_one_plain_select_read_once(tasks):
    with CaptureQueriesContext(connection) as ctx:
        form = ExamAttemptForm()  # no cohort: the task list is read (a cohort's comes from the cache)
        first, again = str(form["task"]), str(form["task"])
    sent = [q["sql"] for q in ctx.captured_queries]
    assert len(sent) == 1 and sent[0].startswith("SELECT"), sent
    exams = Task.objects.filter(is_exam=True, active=True)
    assert exams.exists()
    for task in exams:
        assert f">{task.name}</option>" in first
    assert first == again


def test_the_choice_still_validates_against_the_query(tasks):
    exam = Task.objects.filter(is_exam=True, active=True).first()
    other = Task.objects.filter(is_exam=False).first()
    data = {"taken_on": "2026-11-24", "score": "80", "passed": "1"}
    assert ExamAttemptForm({**data, "task": exam.pk}).is_valid()
    refused = ExamAttemptForm({**data, "task": other.pk})
    assert not refused.is_valid() and "task" in refused.errors
