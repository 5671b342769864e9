"""A change after the TL closed the day asks for its reason in place, beside the change; the
reason stays in the record's history and is on the next day's board (issue: the TL's
workspace, point 7)."""

import pytest
from django.urls import reverse

from certifications.models import DailyNote, TaskStatus
from certifications.services import save_note
from cohorts.models import ClosedDayEdit, DaySignOff
from tests.conftest import MONDAY, WEDNESDAY

pytestmark = pytest.mark.django_db


def save_cell(client, agent, task, status, **extra):
    key = f"c{agent.pk}-{task.pk}"
    data = {f"{key}-status": status, f"{key}-version": "0", **extra}
    return client.post(
        reverse("certifications:cell_save", args=[agent.pk, task.pk]), data, HTTP_HX_REQUEST="true"
    )


def test_a_change_after_the_close_asks_for_its_reason_beside_it(client_for, tl1, agent1, tasks, week):
    DaySignOff.objects.create(cohort=agent1.cohort, day=WEDNESDAY, signed_by=tl1)
    client, tbt = client_for(tl1), tasks["tbt"]
    response = save_cell(client, agent1, tbt, "complete", closed_reason="")
    assert response.status_code == 400
    html = response.content.decode()
    assert f'name="closed_reason" id="c{agent1.pk}-{tbt.pk}-closed"' in html  # asked for in the cell
    assert '<option value="complete" selected>' in html  # what was chosen stays chosen
    assert not TaskStatus.objects.exists()

    # The cell sends its own reason box; the page's (empty) one comes too and does not win.
    response = save_cell(client, agent1, tbt, "complete", closed_reason=["Agent finished TBT at 18:10", ""])
    assert response.status_code == 200
    cell = TaskStatus.objects.get()
    assert cell.status == "complete"
    assert (
        cell.history.latest().history_change_reason == "After the day was closed: Agent finished TBT at 18:10"
    )
    (edit,) = ClosedDayEdit.objects.all()
    assert edit.reason == "Agent finished TBT at 18:10" and edit.by == tl1


def test_a_cell_and_a_note_already_written_ask_for_the_reason_too(client_for, tl1, agent1, tasks, week):
    """A later change of a row (the tests above write a row's first): the reason is asked for
    and logged all the same."""
    client, tbt = client_for(tl1), tasks["tbt"]
    cell_url = reverse("certifications:cell_save", args=[agent1.pk, tbt.pk])
    note_url = reverse("certifications:note_save", args=[agent1.pk, WEDNESDAY])
    key = f"c{agent1.pk}-{tbt.pk}"
    assert save_cell(client, agent1, tbt, "in_progress").status_code == 200
    note = {f"n{agent1.pk}-text": "Shadowed two calls", f"n{agent1.pk}-version": "0"}
    assert client.post(note_url, note, HTTP_HX_REQUEST="true").status_code == 200
    DaySignOff.objects.create(cohort=agent1.cohort, day=WEDNESDAY, signed_by=tl1)

    change = {f"{key}-status": "complete", f"{key}-version": "1"}
    response = client.post(cell_url, change, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "give a reason for changing it" in response.content.decode()
    assert TaskStatus.objects.get().status == "in_progress"
    response = client.post(cell_url, {**change, "closed_reason": "Finished at 18:10"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and TaskStatus.objects.get().status == "complete"

    note = {f"n{agent1.pk}-text": "Shadowed three calls", f"n{agent1.pk}-version": "1"}
    assert client.post(note_url, note, HTTP_HX_REQUEST="true").status_code == 400
    assert DailyNote.objects.get().text == "Shadowed two calls"
    response = client.post(note_url, {**note, "closed_reason": "Miscounted"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and DailyNote.objects.get().text == "Shadowed three calls"
    assert sorted(ClosedDayEdit.objects.values_list("reason", flat=True)) == [
        "Finished at 18:10",
        "Miscounted",
    ]


def test_the_next_days_board_shows_the_changes_and_their_reasons(client_for, tl1, agent1, tasks, week):
    DaySignOff.objects.create(cohort=agent1.cohort, day=WEDNESDAY, signed_by=tl1)
    save_cell(client_for(tl1), agent1, tasks["tbt"], "complete", closed_reason="Finished after hours")
    save_note(agent=agent1, day=WEDNESDAY, text="Stayed late", by=tl1, reason="Forgot to write it")
    assert DailyNote.objects.get().history.latest().history_change_reason == (
        "After the day was closed: Forgot to write it"
    )
    week.shift(86400)  # Thursday
    board = client_for(tl1).get(reverse("desk:board")).content.decode()
    assert "Changed after a close" in board
    assert "Finished after hours" in board and "Forgot to write it" in board


def test_a_past_days_missing_note_is_filled_in_from_the_tracker(client_for, tl1, agent1, week):
    client = client_for(tl1)
    tracker = reverse("certifications:tracker", args=[agent1.cohort.pk])
    page = client.get(tracker, {"notes": MONDAY.isoformat()}).content.decode()
    assert "Notes · Mon 23 Nov" in page and f"Note for Mon 23 Nov, {agent1.full_name}" in page
    assert "Day 1 · Mon 23 Nov" in page and "Day 3 · Wed 25 Nov" in page and "Day 4" not in page
    friday = client.get(tracker, {"notes": "2026-11-27"}).content.decode()
    assert "Notes · Wed 25 Nov" in friday  # a day still to come: today's notes

    DaySignOff.objects.create(cohort=agent1.cohort, day=MONDAY, signed_by=tl1)
    url = reverse("certifications:note_save", args=[agent1.pk, MONDAY])
    data = {f"n{agent1.pk}-text": "Arrived late, caught up by noon", f"n{agent1.pk}-version": "0"}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="n{agent1.pk}-closed"' in html and "Arrived late, caught up by noon</textarea>" in html
    response = client.post(url, {**data, "closed_reason": "Missed on Monday"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    note = DailyNote.objects.get(day=MONDAY)
    assert note.text == "Arrived late, caught up by noon"
    assert note.history.latest().history_change_reason == "After the day was closed: Missed on Monday"
