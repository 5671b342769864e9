import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.accountability import issue_action
from attendance.models import CorrectiveLevel
from cohorts.access import Role
from tests.factories import AgentFactory, CohortFactory, UserFactory

# The ESP week most tests run in: Monday 23 to Friday 27 November 2026.
MONDAY = datetime.date(2026, 11, 23)
TUESDAY = datetime.date(2026, 11, 24)
WEDNESDAY = datetime.date(2026, 11, 25)


def utc(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def shows_as_afresh(read, write) -> None:
    """After `write`, `read` (of a page or of what it shows) gives with the cache as the write
    left it exactly what it gives with nothing cached, and not what it gave before."""
    before = read()
    write()
    served = read()
    cache.clear()
    assert served == read()
    assert served != before  # the write shows


def issue_coaching(agent, by):
    """The first step of the ladder, for the agent, on Wednesday."""
    return issue_action(
        agent=agent, level=CorrectiveLevel.objects.get(rank=1), date=WEDNESDAY, reasons="Late twice",
        expectations="On time", consequences="A written CAP", by=by,
    )  # fmt: skip


@pytest.fixture
def week(cohort1, cohort2):
    """Both cohorts start on MONDAY and it is Wednesday 12:00 in New York (09:00 in Los Angeles);
    the clock stands still unless the test moves it (`week.shift(...)`)."""
    for cohort in (cohort1, cohort2):
        cohort.start_date = MONDAY
        cohort.save()
    moment = datetime.datetime(2026, 11, 25, 17, 0, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tl1(db):
    return UserFactory(username="tl1", roles=[Role.TL])


@pytest.fixture
def tl2(db):
    return UserFactory(username="tl2", roles=[Role.TL])


@pytest.fixture
def pm1(db):
    return UserFactory(username="pm1", roles=[Role.PM])


@pytest.fixture
def pm2(db):
    return UserFactory(username="pm2", roles=[Role.PM])


@pytest.fixture
def mgr1(db):
    return UserFactory(username="mgr1", roles=[Role.ESP_MANAGER])


@pytest.fixture
def wfm1(db):
    return UserFactory(username="wfm1", roles=[Role.WFM])


@pytest.fixture
def staff(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def cohort1(tl1, pm1):
    return CohortFactory(name="East", tl=tl1, pm=pm1)


@pytest.fixture
def cohort2(tl2, pm1):
    return CohortFactory(name="West", tl=tl2, pm=pm1, time_zone="America/Los_Angeles")


@pytest.fixture
def agent1(cohort1):
    return AgentFactory(cohort=cohort1, first_name="Alice", last_name="Archer")


@pytest.fixture
def agent2(cohort2):
    return AgentFactory(cohort=cohort2, first_name="Bob", last_name="Brown")


@pytest.fixture
def client_for(client):
    """A logged-in test client for a user (None for an anonymous one)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def count_queries():
    """Run a callable and return how many queries it made."""

    def count(func) -> int:
        with CaptureQueriesContext(connection) as ctx:
            func()
        return len(ctx.captured_queries)

    return count


@pytest.fixture
def user_model():
    return get_user_model()


@pytest.fixture
def tasks(db):
    """The ESP tasks the data migration seeds, by code."""
    from certifications.models import Task

    return {t.code: t for t in Task.objects.all()}


SEEDING_MIGRATIONS = [
    ("cohorts.migrations.0002_roles", "create_roles"),
    ("cohorts.migrations.0007_default_schedule", "seed_schedule"),
    ("attendance.migrations.0002_default_policy", "seed_default_policy"),
    ("attendance.migrations.0004_default_ladder_and_rules", "seed"),
    ("attendance.migrations.0006_final_and_term_need_approval", "seed"),
    ("certifications.migrations.0002_default_tasks", "seed_tasks"),
    ("certifications.migrations.0007_task_terms", "first_version"),
    ("tickets.migrations.0002_default_types_and_playbooks", "seed"),
    ("tickets.migrations.0006_seed_playbook_contacts", "seed"),
]


@pytest.fixture
def seeded_rows(transactional_db):
    """Transactional tests end with a flush that also removes the rows data migrations seed
    (roles, policy, tasks, forms, schedule); this puts them back the way the migrations do."""
    import importlib

    from django.apps import apps

    for module, function in SEEDING_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
