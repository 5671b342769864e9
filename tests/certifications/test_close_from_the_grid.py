"""Closing the day from the tracker: "Keeping the day from closing" lists the rows whose cells
are open (Cell.open, the rule the close itself applies), marks those cells, and carries an
agent's open items over with a reason from the row; the board's count links there."""

import pytest
from django.urls import reverse

from certifications.models import TaskStatus
from certifications.services import set_task_status
from desk.endofday import end_of_day_items
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def close_url(cohort):
    return reverse("certifications:tracker", args=[cohort.pk]) + "?show=close"


def test_the_rows_that_keep_the_day_open_with_their_cells_marked(client_for, tl1, cohort1, tasks, week):
    ana = AgentFactory(cohort=cohort1, first_name="Ana", last_name="Open")
    ben = AgentFactory(cohort=cohort1, first_name="Ben", last_name="Done")
    for code in ("equipment", "ahip", "aetna", "tbt"):  # every task due by Wednesday, done
        set_task_status(
            agent=ben, task=tasks[code], status=TaskStatus.Status.COMPLETE, expected_version=0, by=tl1
        )
    html = client_for(tl1).get(close_url(cohort1)).content.decode()
    assert f'id="row-{ana.pk}"' in html and f'id="row-{ben.pk}"' not in html
    report = end_of_day_items(cohort1, cohort1.local_today())
    open_codes = {cell.task.code for agent, cell in report.open_tasks if agent == ana}
    assert open_codes == {"equipment", "ahip", "aetna", "tbt"}  # the close's own list
    for code, task in tasks.items():
        assert ("cell-open" in _classes(html, ana, task)) == (code in open_codes), code
    assert f'hx-post="{reverse("desk:carry_over", args=[cohort1.pk, ana.pk])}"' in html
    assert f"Carry {len(open_codes)} over" in html


def _classes(html, agent, task):
    start = html.index(f'id="cell-{agent.pk}-{task.pk}" class="') + len(
        f'id="cell-{agent.pk}-{task.pk}" class="'
    )
    return html[start : html.index('"', start)]


def test_carrying_over_from_the_row_returns_to_the_list_and_empties_it(client_for, tl1, cohort1, tasks, week):
    ana = AgentFactory(cohort=cohort1, first_name="Ana", last_name="Open")
    client = client_for(tl1)
    answer = client.post(
        reverse("desk:carry_over", args=[cohort1.pk, ana.pk]),
        {"reason": "Absent all day: sick", "next": close_url(cohort1)},
        **HTMX,
    )
    assert answer.status_code == 200 and answer["HX-Redirect"] == close_url(cohort1)
    html = client.get(close_url(cohort1)).content.decode()
    assert "Nothing in the tracker keeps today from closing." in html
    assert not end_of_day_items(cohort1, cohort1.local_today()).open_tasks
    carried = TaskStatus.objects.filter(agent=ana, carried_reason="Absent all day: sick")
    assert carried.count() == 4  # Equipment, AHIP (overdue), Aetna and TBT (due today)


def test_another_address_to_return_to_is_refused(client_for, tl1, cohort1, tasks, week):
    ana = AgentFactory(cohort=cohort1)
    answer = client_for(tl1).post(
        reverse("desk:carry_over", args=[cohort1.pk, ana.pk]),
        {"reason": "sick", "next": close_url(cohort1) + "&x=https://evil.example"},
        **HTMX,
    )
    assert answer["HX-Redirect"] == reverse("desk:board")


def test_the_board_links_its_open_tasks_there(client_for, tl1, cohort1, tasks, week):
    AgentFactory(cohort=cohort1)
    html = client_for(tl1).get(reverse("desk:board")).content.decode()
    assert f'href="{close_url(cohort1)}"' in html.replace("&amp;", "&")
