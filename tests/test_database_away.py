"""Finding 2 of the hardening issue: when the database restarted right after a save's commit,
the user saw a 500 for a save that was stored; during a 3 s PostgreSQL restart 85 requests
answered 500. Now a lost connection answers a clear 503 ("nothing was changed, try again") before
the commit, and "Saved" after it. The connection is really dropped, by the server, mid-request."""

import json

import psycopg2
import pytest
from django.db import connection, transaction
from django.urls import reverse

from certifications import views as certification_views
from certifications.models import TaskStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="drops a PostgreSQL connection"),
    pytest.mark.usefixtures("seeded_rows"),
]

HTMX = {"HTTP_HX_REQUEST": "true"}


def drop_the_connection():
    """Have the server end this process's database connection, as a restart would."""
    pid = connection.connection.get_backend_pid()
    params = connection.get_connection_params()
    with psycopg2.connect(**params) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits until it is gone
    other.close()


def dropping_before(func):
    def wrapper(*args, **kwargs):
        drop_the_connection()
        return func(*args, **kwargs)

    return wrapper


@pytest.fixture
def cell(tl1, agent1, tasks, week, client_for):
    tbt = tasks["tbt"]
    prefix = f"c{agent1.pk}-{tbt.pk}-"
    client = client_for(tl1)
    client.get(reverse("certifications:tracker", args=[agent1.cohort_id]))  # the connection is open
    yield (
        client,
        reverse("certifications:cell_save", args=[agent1.pk, tbt.pk]),
        {
            prefix + "status": "complete",
            prefix + "version": 0,
            prefix + "blocked_reason": "",
        },
    )
    connection.close()  # the test client does not close a broken connection itself


def stored(agent1, tasks):
    connection.close()
    return TaskStatus.objects.filter(agent=agent1, task=tasks["tbt"], status="complete").exists()


def test_a_connection_lost_before_the_commit_answers_503_and_nothing_is_written(
    cell, monkeypatch, agent1, tasks
):
    client, url, data = cell
    monkeypatch.setattr(
        certification_views, "set_task_status", dropping_before(certification_views.set_task_status)
    )
    response = client.post(url, data, **HTMX)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["HX-Reswap"] == "none"  # the grid stays as it was, not replaced by an error page
    notice = json.loads(response["HX-Trigger"])["esp:notice"]
    assert notice == {"message": notice["message"], "ok": False}
    assert notice["message"].startswith("Not saved: the database is not answering")
    assert not stored(agent1, tasks)


def test_a_restart_right_after_the_commit_leaves_the_save_answered_saved(cell, monkeypatch, agent1, tasks):
    """The connection drops as the transaction commits, before the reactions that follow it run."""
    client, url, data = cell
    original = certification_views.set_task_status

    def save_then_lose_the_database(**kwargs):
        with transaction.atomic():  # the service's unit joins it; this hook runs first at the commit
            transaction.on_commit(drop_the_connection)
            return original(**kwargs)

    monkeypatch.setattr(certification_views, "set_task_status", save_then_lose_the_database)
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert stored(agent1, tasks)


def test_a_page_that_cannot_be_brought_up_to_date_after_the_commit_says_saved(
    cell, monkeypatch, agent1, tasks
):
    """Work after the commit that needs the database (here: the cell read again) finds it gone."""
    client, url, data = cell

    def lose_the_database_then_read(agent, task, **kwargs):
        drop_the_connection()
        TaskStatus.objects.filter(agent=agent, task=task).first()

    monkeypatch.setattr(certification_views, "cell_for", lose_the_database_then_read)
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"  # the cell keeps what the user chose
    notice = json.loads(response["HX-Trigger"])["esp:notice"]
    assert notice["ok"] is True and notice["message"].startswith("Saved.")
    assert "Retry-After" not in response
    assert stored(agent1, tasks)


def test_a_form_post_lost_before_the_commit_gets_a_page_that_says_so(cell, monkeypatch, agent1, tasks):
    client, url, data = cell
    monkeypatch.setattr(
        certification_views, "set_task_status", dropping_before(certification_views.set_task_status)
    )
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 503
    assert '<h1 class="h3">Try again in a moment</h1>' in body
    assert "Nothing was changed; try again in a moment." in body
    assert not stored(agent1, tasks)


def test_a_page_read_when_the_database_is_away_answers_503(cell, monkeypatch, agent1):
    client, _, _ = cell
    monkeypatch.setattr(certification_views, "cohort_for", dropping_before(certification_views.cohort_for))
    response = client.get(reverse("certifications:tracker", args=[agent1.cohort_id]))
    assert response.status_code == 503
    assert "The database is not answering. Reload this page in a moment." in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
