"""Settings → Tasks (issue: settings, point 2): due days and attempt limits are versioned. A
running cohort keeps the version in force when it started; the next version is previewed, then
published for cohorts starting from a later day; an admin moves a cohort after seeing what changes
for its agents; every change is in history. The clock stands on Wednesday 25 Nov, 12:00 New York;
cohort1 started Monday."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certifications.models import Task, TaskTerms
from certifications.selectors import active_tasks, task_cells
from certifications.services import TrackerError, publish_task_terms, record_attempt
from cohorts.models import Cohort
from tests.conftest import MONDAY, WEDNESDAY
from tests.factories import AgentFactory, CohortFactory

pytestmark = pytest.mark.django_db

THURSDAY = WEDNESDAY + datetime.timedelta(days=1)
NEXT_MONDAY = MONDAY + datetime.timedelta(days=7)


@pytest.fixture
def esp_admin(django_user_model):
    return django_user_model.objects.create_user("espadmin", "esp.admin@example.com", "pw", is_staff=True)


def draft(tasks, effective_from=THURSDAY, action="preview", **changes):
    """The Tasks page's form: every task's terms as they are, with `changes` ({field: value})."""
    data = {"effective_from": effective_from.isoformat(), "note": "Guide 2027", "action": action}
    for task in tasks.values():
        data[f"due_{task.pk}"] = str(task.due_day)
        if task.is_exam:
            data[f"limit_{task.pk}"] = str(task.attempt_limit)
    return data | {k.format(**{code: t.pk for code, t in tasks.items()}): v for k, v in changes.items()}


def fail(agent, task, by):
    return record_attempt(agent=agent, task=task, taken_on=WEDNESDAY, score=50, passed=False, by=by)


def test_a_running_cohort_keeps_its_attempt_limit_after_a_change(
    week, client_for, esp_admin, tl1, agent1, tasks
):
    """Aetna allows 3 failed attempts; version 2 allows 1, for cohorts from Thursday. cohort1
    (started Monday) still takes a second and a third attempt; a cohort starting next Monday is
    refused after its first failure, and its pages say 1/1 where cohort1's say 2/3."""
    aetna = tasks["aetna"]
    publish_task_terms(
        terms={t.pk: (t.due_day, 1 if t.code == "aetna" else t.attempt_limit) for t in tasks.values()},
        effective_from=THURSDAY,
        note="",
        by=esp_admin,
    )
    assert Task.objects.get(pk=aetna.pk).attempt_limit == 1  # what new cohorts get
    fail(agent1, Task.objects.get(pk=aetna.pk), tl1)
    fail(agent1, Task.objects.get(pk=aetna.pk), tl1)  # no refusal: cohort1 is held to 3
    later = CohortFactory(tl=tl1, start_date=NEXT_MONDAY, status="planned")
    newcomer = AgentFactory(cohort=later)
    fail(newcomer, Task.objects.get(pk=aetna.pk), tl1)
    with pytest.raises(TrackerError, match=r"\(1\)"):
        fail(newcomer, Task.objects.get(pk=aetna.pk), tl1)
    assert [t.attempt_limit for t in active_tasks(agent1.cohort) if t.code == "aetna"] == [3]
    assert [t.attempt_limit for t in active_tasks(later) if t.code == "aetna"] == [1]
    client = client_for(tl1)
    assert (
        "2/3 failed"
        in client.get(reverse("certifications:tracker", args=[agent1.cohort_id])).content.decode()
    )
    assert (
        "1/1 failed: limit" in client.get(reverse("certifications:tracker", args=[later.pk])).content.decode()
    )


def test_the_next_version_is_previewed_then_published_with_its_history(client_for, esp_admin, tasks, tl1):
    """On the real clock (the seeded tasks' history is dated when the database was made)."""
    client = client_for(esp_admin)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    CohortFactory(
        name="ESP January", tl=tl1, start_date=tomorrow + datetime.timedelta(days=7), status="planned"
    )
    page = client.post(reverse("desk:settings_tasks"), draft(tasks, tomorrow, **{"due_{tbt}": "2"}))
    text = page.content.decode()
    assert page.status_code == 200
    assert "TBT</strong>: due day <del>3</del> → 2" in text
    assert "It would hold 1 planned cohort: ESP January" in text
    assert TaskTerms.objects.count() == 1 and Task.objects.get(pk=tasks["tbt"].pk).due_day == 3  # a preview
    page = client.post(
        reverse("desk:settings_tasks"), draft(tasks, tomorrow, "publish", **{"due_{tbt}": "2"})
    )
    assert page.status_code == 302
    version = TaskTerms.objects.get(number=2)
    assert version.effective_from == tomorrow and version.published_by == esp_admin
    assert Task.objects.get(pk=tasks["tbt"].pk).due_day == 2
    text = client.get(reverse("desk:settings_tasks")).content.decode()
    assert "espadmin: Changed; due ESP day 3 → 2; terms from 2000-01-01 → " in text
    assert f"(Task terms version 2, for cohorts from {tomorrow.isoformat()})" in text


@pytest.mark.parametrize(
    ("effective_from", "changes", "field", "message"),
    [
        (WEDNESDAY, {}, "effective_from", "Choose a day after today"),
        (THURSDAY, {"due_{tbt}": "0"}, "due_{tbt}", "greater than or equal to 1"),
        (THURSDAY, {"limit_{aetna}": ""}, "limit_{aetna}", "This field is required"),
    ],
)
def test_a_bad_draft_is_refused_beside_its_field_and_nothing_is_published(
    week, client_for, esp_admin, tasks, effective_from, changes, field, message
):
    data = draft(tasks, effective_from=effective_from, action="publish", **changes)
    page = client_for(esp_admin).post(reverse("desk:settings_tasks"), data)
    assert page.status_code == 400
    name = field.format(**{code: t.pk for code, t in tasks.items()})
    assert message in str(page.context["form"].errors[name])
    assert f'id="id_{name}_error"' in page.content.decode() or "invalid-feedback" in page.content.decode()
    assert TaskTerms.objects.count() == 1


def test_a_version_must_start_after_the_newest(week, esp_admin, tasks):
    terms = {t.pk: (t.due_day, t.attempt_limit) for t in tasks.values()}
    publish_task_terms(terms=terms, effective_from=NEXT_MONDAY, note="", by=esp_admin)
    with pytest.raises(ValueError, match="must start after it"):
        publish_task_terms(terms=terms, effective_from=THURSDAY, note="", by=esp_admin)
    with pytest.raises(Exception, match="never deleted"):
        TaskTerms.objects.all().delete()


def test_moving_a_cohort_shows_each_agents_change_first_then_holds_it(
    week, client_for, esp_admin, tasks, tl1, agent1, cohort1
):
    """Version 2 puts TBT on day 2. Moving cohort1 (TBT due today, Wednesday) to it makes the
    agent's TBT overdue: the preview says so, nothing changes until confirmed, then the tracker
    shows "due day 2" and the move is in history with its reason."""
    publish_task_terms(
        terms={t.pk: (2 if t.code == "tbt" else t.due_day, t.attempt_limit) for t in tasks.values()},
        effective_from=THURSDAY,
        note="",
        by=esp_admin,
    )
    version = TaskTerms.objects.get(number=2)
    client = client_for(esp_admin)
    url = reverse("desk:settings_cohort_terms", args=[cohort1.pk])
    page = client.post(url, {"terms": version.pk, "reason": "The new guide applies now", "action": "preview"})
    text = page.content.decode()
    assert page.status_code == 200
    assert '<span id="preview-count">1</span> task of its agents would change' in text
    assert "due Wed 25 Nov, due today" in text and "due Tue 24 Nov, overdue" in text
    assert Cohort.objects.get(pk=cohort1.pk).task_terms_day is None
    tl_client = Client()
    tl_client.force_login(tl1)
    tracker = tl_client.get(reverse("certifications:tracker", args=[cohort1.pk])).content.decode()
    assert "due day 3" in tracker.split("TBT")[1][:80]
    move = {"terms": version.pk, "reason": "The new guide applies now", "action": "move"}
    page = client.post(url, move | {"reason": ""})
    assert page.status_code == 400 and Cohort.objects.get(pk=cohort1.pk).task_terms_day is None
    page = client.post(url, move)  # not previewed for this version: shown first, not moved
    assert page.status_code == 200 and "task of its agents would change" in page.content.decode()
    assert Cohort.objects.get(pk=cohort1.pk).task_terms_day is None
    page = client.post(url, move | {"previewed": version.pk})
    assert page.status_code == 302
    assert Cohort.objects.get(pk=cohort1.pk).task_terms_day == THURSDAY  # held by version 2's day
    tracker = tl_client.get(reverse("certifications:tracker", args=[cohort1.pk])).content.decode()
    assert "due day 2" in tracker.split("TBT")[1][:80]
    history = client.get(url).content.decode()
    assert "espadmin: Changed; task terms as of " in history and " 2026-11-26 <span" in history
    assert "(Held to task terms version 2: The new guide applies now)" in history
    listing = client.get(reverse("desk:settings_tasks")).content.decode()
    assert "moved by an admin" in listing
    # Moved back to the version it started under, it is held by its start date again.
    page = client.post(url, move | {"terms": TaskTerms.objects.get(number=1).pk, "previewed": ""})
    page = client.post(
        url,
        move | {"terms": TaskTerms.objects.get(number=1).pk, "previewed": TaskTerms.objects.get(number=1).pk},
    )
    assert page.status_code == 302 and Cohort.objects.get(pk=cohort1.pk).task_terms_day is None


def test_the_board_and_tracker_agree_under_an_earlier_version(
    week, client_for, esp_admin, tasks, tl1, agent1
):
    """Version 2 (from Thursday) puts Equipment on day 3: cohort1 is still held to day 1, so its
    open Equipment is overdue on the tracker and the board alike, not due today."""
    publish_task_terms(
        terms={t.pk: (3 if t.code == "equipment" else t.due_day, t.attempt_limit) for t in tasks.values()},
        effective_from=THURSDAY,
        note="",
        by=esp_admin,
    )
    client = client_for(tl1)
    board = client.get(reverse("desk:board")).content.decode()
    assert "Equipment (overdue)" in board and "Equipment (due today)" not in board
    tracker = client.get(reverse("certifications:tracker", args=[agent1.cohort_id])).content.decode()
    assert "due day 1" in tracker.split("Equipment")[1][:80]
    cells = task_cells([agent1], active_tasks(agent1.cohort), now=timezone.now())[agent1.pk]
    assert [c.state for c in cells if c.task.code == "equipment"] == ["overdue"]
