"""What a TL sees when a save fails on the server: a message where they are, and the cell back to
what the server holds (nothing on screen claims a value that was not saved)."""

import datetime

import pytest
import time_machine
from django.db import OperationalError
from playwright.sync_api import expect

from certifications import views as certification_views
from certifications.models import TaskStatus
from tests.conftest import MONDAY
from tests.factories import AgentFactory, CohortFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_save_the_database_does_not_take_says_so_and_undoes_the_cell(login, live_server, monkeypatch):
    tl1 = UserFactory(username="tl1", roles=["TL"])
    cohort = CohortFactory(name="ESP East", tl=tl1, start_date=MONDAY, time_zone="America/New_York")
    agent = AgentFactory(cohort=cohort, first_name="Alice", last_name="Archer")

    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, 0, tzinfo=datetime.UTC), tick=True):
        page = login("tl1")
        page.goto(f"{live_server.url}/tracker/cohorts/{cohort.pk}/")
        cell = page.get_by_label("TBT, Alice Archer")
        expect(cell).to_have_value("not_started")
        monkeypatch.setattr(certification_views, "set_task_status", database_gone)
        cell.select_option("complete")
        notice = page.get_by_role("alert").filter(has_text="Not saved: the database is not answering.")
        expect(notice).to_be_visible()
        expect(cell).to_have_value("not_started")  # back to what the server holds
        expect(page.get_by_role("heading", name="Tracker: ESP East")).to_be_visible()  # the page stayed

    assert not TaskStatus.objects.filter(agent=agent).exists()
