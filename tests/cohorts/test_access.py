import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cohorts.access import Action, roles_of
from cohorts.models import Agent, Cohort
from cohorts.selectors import cohort_for
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db


def visible(user, action=Action.VIEW):
    return set(Cohort.objects.visible_to(user, action).values_list("name", flat=True))


def agents_visible(user, action=Action.VIEW):
    return set(Agent.objects.visible_to(user, action).values_list("first_name", flat=True))


def test_a_tl_reads_and_edits_only_the_cohorts_they_lead(tl1, cohort1, cohort2):
    assert visible(tl1) == {"East"}
    assert visible(tl1, Action.EDIT) == {"East"}
    assert visible(tl1, Action.ATTENDANCE) == {"East"}


def test_a_tl_does_not_manage_cohort_settings(tl1, cohort1):
    assert visible(tl1, Action.MANAGE) == set()


def test_a_pm_reads_edits_and_manages_the_cohorts_they_manage(pm1, pm2, cohort1, cohort2):
    assert visible(pm1) == {"East", "West"}
    assert visible(pm1, Action.MANAGE) == {"East", "West"}
    assert visible(pm2) == set()


def test_an_esp_manager_reads_every_cohort_but_edits_none(mgr1, cohort1, cohort2):
    assert visible(mgr1) == {"East", "West"}
    assert visible(mgr1, Action.EDIT) == set()
    assert visible(mgr1, Action.MANAGE) == set()


def test_wfm_reads_rosters_and_attendance_but_no_agent_records(wfm1, agent1, agent2):
    assert visible(wfm1) == {"East", "West"}
    assert visible(wfm1, Action.ATTENDANCE) == {"East", "West"}
    assert visible(wfm1, Action.EDIT) == set()
    assert agents_visible(wfm1) == set()
    assert agents_visible(wfm1, Action.ATTENDANCE) == {"Alice", "Bob"}


def test_admins_do_everything(staff, agent1, agent2):
    assert visible(staff, Action.MANAGE) == {"East", "West"}
    assert agents_visible(staff, Action.EDIT) == {"Alice", "Bob"}


def test_a_user_with_no_role_sees_nothing(agent1):
    nobody = UserFactory(username="nobody")
    assert visible(nobody) == set()
    assert agents_visible(nobody) == set()


def test_an_inactive_user_sees_nothing(tl1, agent1):
    tl1.is_active = False
    assert visible(tl1) == set()
    assert agents_visible(tl1) == set()


def test_agents_follow_their_cohort(tl1, tl2, agent1, agent2):
    assert agents_visible(tl1) == {"Alice"}
    assert agents_visible(tl2, Action.EDIT) == {"Bob"}
    assert Agent.objects.visible_to(tl1, Action.EDIT).filter(pk=agent1.pk).exists()
    assert not Agent.objects.visible_to(tl1, Action.VIEW).filter(pk=agent2.pk).exists()


def test_a_production_tl_reads_the_agents_handed_to_them(tl2, agent1):
    handed = AgentFactory(cohort=agent1.cohort, first_name="Handed", production_tl=tl2)
    assert agents_visible(tl2) == {"Handed"}
    assert not Agent.objects.visible_to(tl2, Action.EDIT).filter(pk=handed.pk).exists()


def test_roles_are_read_once_per_user_object(tl1, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert roles_of(tl1) == {"TL"}
        assert roles_of(tl1) == {"TL"}


def test_a_cohort_read_for_a_page_that_names_no_one_joins_no_user(tl1, cohort1, django_assert_num_queries):
    with CaptureQueriesContext(connection) as read:
        cohort, caps = cohort_for(tl1, cohort1.pk, Action.RECORDS, people=False)
    assert caps.edit and cohort == cohort1
    cohorts = [q["sql"] for q in read.captured_queries if 'FROM "cohorts_cohort"' in q["sql"]]
    assert len(cohorts) == 1 and '"auth_user"' not in cohorts[0]
    with django_assert_num_queries(1):
        cohort, _ = cohort_for(tl1, cohort1.pk, Action.RECORDS)
        assert (cohort.tl, cohort.pm) == (cohort1.tl, cohort1.pm)  # read with the cohort
