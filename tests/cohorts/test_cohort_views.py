import datetime

import pytest
from django.urls import reverse

from cohorts.models import Cohort, Schedule
from tests.factories import AgentFactory, CohortFactory

pytestmark = pytest.mark.django_db


def list_page(client):
    return client.get(reverse("cohorts:list"))


class TestCohortList:
    def test_anonymous_users_are_sent_to_login(self, client_for, cohort1):
        response = list_page(client_for(None))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_a_tl_sees_their_cohort_and_not_another_tls(self, client_for, tl1, cohort1, cohort2):
        response = list_page(client_for(tl1))
        assert response.status_code == 200
        assert b"East" in response.content
        assert b"West" not in response.content

    def test_a_pm_sees_the_cohorts_they_manage(self, client_for, pm1, cohort1, cohort2):
        content = list_page(client_for(pm1)).content
        assert b"East" in content and b"West" in content

    def test_it_filters_by_status(self, client_for, mgr1, cohort1, cohort2):
        cohort2.status = Cohort.Status.COMPLETED
        cohort2.save()
        response = client_for(mgr1).get(reverse("cohorts:list"), {"status": "completed"})
        assert b"West" in response.content
        assert b"East" not in response.content

    def test_it_sorts_by_name(self, client_for, mgr1, cohort1, cohort2):
        response = client_for(mgr1).get(reverse("cohorts:list"), {"sort": "-name"})
        content = response.content.decode()
        assert content.index("West") < content.index("East")

    def test_it_counts_agents(self, client_for, tl1, cohort1):
        AgentFactory.create_batch(3, cohort=cohort1)
        response = list_page(client_for(tl1))
        assert response.context["table"].rows[0].get_cell("agent_count") == 3

    def test_queries_do_not_grow_with_cohorts_or_agents(self, client_for, mgr1, count_queries):
        client = client_for(mgr1)
        for _ in range(3):
            AgentFactory.create_batch(1, cohort=CohortFactory())
        few = count_queries(lambda: list_page(client))
        for _ in range(10):
            AgentFactory.create_batch(3, cohort=CohortFactory())
        many = count_queries(lambda: list_page(client))
        assert few == many


class TestCohortDetail:
    def url(self, cohort):
        return reverse("desk:cohort", args=[cohort.pk])

    @pytest.mark.parametrize("who", ["tl1", "pm1", "mgr1", "wfm1", "staff"])
    def test_readers_see_the_roster(self, request, client_for, who, agent1):
        response = client_for(request.getfixturevalue(who)).get(self.url(agent1.cohort))
        assert response.status_code == 200
        assert b"Archer" in response.content

    def test_another_tl_gets_404(self, client_for, tl2, cohort1):
        assert client_for(tl2).get(self.url(cohort1)).status_code == 404

    def test_a_pm_of_other_cohorts_gets_404(self, client_for, pm2, cohort1):
        assert client_for(pm2).get(self.url(cohort1)).status_code == 404

    def test_anonymous_users_are_sent_to_login(self, client_for, cohort1):
        response = client_for(None).get(self.url(cohort1))
        assert response.status_code == 302 and "login" in response.url

    def test_wfm_sees_names_without_links_to_agent_records(self, client_for, wfm1, agent1):
        content = client_for(wfm1).get(self.url(agent1.cohort)).content.decode()
        assert "Alice Archer" in content
        assert reverse("desk:agent", args=[agent1.pk]) not in content

    def test_the_tl_gets_links_and_edit_actions(self, client_for, tl1, agent1):
        content = client_for(tl1).get(self.url(agent1.cohort)).content.decode()
        assert reverse("desk:agent", args=[agent1.pk]) in content
        assert reverse("cohorts:roster_import", args=[agent1.cohort.pk]) in content
        assert reverse("cohorts:edit", args=[agent1.cohort.pk]) not in content

    def test_it_shows_the_meeting_links(self, client_for, tl1, cohort1):
        cohort1.meeting_main_url = "https://meet.example.com/main-room"
        cohort1.save()
        assert b"https://meet.example.com/main-room" in client_for(tl1).get(self.url(cohort1)).content

    def test_queries_do_not_grow_with_agents(self, client_for, tl1, cohort1, count_queries):
        client = client_for(tl1)
        AgentFactory.create_batch(3, cohort=cohort1)
        few = count_queries(lambda: client.get(self.url(cohort1)))
        AgentFactory.create_batch(27, cohort=cohort1)
        many = count_queries(lambda: client.get(self.url(cohort1)))
        assert few == many


def cohort_data(tl, pm, **overrides):
    data = {
        "name": "Dec East",
        "start_date": "2026-12-07",
        "day_count": 5,
        "time_zone": "America/Chicago",
        "shift_start": "08:00",
        "shift_end": "16:30",
        "tl": tl.pk,
        "pm": pm.pk,
        "meeting_main_url": "https://meet.example.com/dec",
        "meeting_assist_url": "",
        "meeting_call_cert_url": "",
        "meeting_shadow_url": "",
        "status": "planned",
    }
    data.update(overrides)
    return data


class TestCohortCreate:
    url = reverse("cohorts:create")

    def test_a_pm_creates_a_cohort_they_manage(self, client_for, pm1, tl1):
        response = client_for(pm1).post(self.url, cohort_data(tl1, pm1))
        cohort = Cohort.objects.get(name="Dec East")
        assert response.status_code == 302 and response.url == cohort.get_absolute_url()
        assert cohort.pm == pm1 and cohort.tl == tl1
        assert cohort.start_date == datetime.date(2026, 12, 7)
        assert cohort.history.first().history_user == pm1

    def test_a_pm_cannot_create_a_cohort_for_another_pm(self, client_for, pm1, pm2, tl1):
        client_for(pm1).post(self.url, cohort_data(tl1, pm2))
        assert Cohort.objects.get(name="Dec East").pm == pm1  # the PM field is fixed to the PM

    def test_an_admin_chooses_the_pm(self, client_for, staff, pm2, tl1):
        client_for(staff).post(self.url, cohort_data(tl1, pm2))
        assert Cohort.objects.get(name="Dec East").pm == pm2

    @pytest.mark.parametrize("who", ["tl1", "mgr1", "wfm1"])
    def test_other_roles_are_refused(self, request, client_for, who, tl1, pm1):
        client = client_for(request.getfixturevalue(who))
        assert client.get(self.url).status_code == 403
        assert client.post(self.url, cohort_data(tl1, pm1)).status_code == 403
        assert not Cohort.objects.exists()

    def test_a_shift_that_ends_before_it_starts_is_refused_beside_the_field(self, client_for, pm1, tl1):
        response = client_for(pm1).post(self.url, cohort_data(tl1, pm1, shift_end="07:00"))
        assert response.status_code == 400
        assert "The shift must end after it starts." in response.context["form"].errors["shift_end"]
        assert not Cohort.objects.exists()

    def test_a_new_cohort_is_offered_the_admins_default_end_of_day(self, client_for, pm1, tl1):
        """The Schedule's default end of day fills the new-cohort form; the cohort keeps what was
        posted, and a later change of the default moves no cohort already made."""
        Schedule.objects.update(default_end_of_day=datetime.time(18, 15))
        page = client_for(pm1).get(self.url).content.decode()
        assert 'name="end_of_day" value="18:15' in page
        client_for(pm1).post(self.url, cohort_data(tl1, pm1, end_of_day="18:15"))
        cohort = Cohort.objects.get(name="Dec East")
        assert cohort.end_of_day_time == datetime.time(18, 15)
        Schedule.objects.update(default_end_of_day=datetime.time(19, 0))
        cohort.refresh_from_db()
        assert cohort.end_of_day_time == datetime.time(18, 15)
        assert (
            'name="end_of_day" value="18:15'
            in client_for(pm1).get(reverse("cohorts:edit", args=[cohort.pk])).content.decode()
        )

    def test_an_end_of_day_before_the_shift_starts_is_refused_beside_the_field(self, client_for, pm1, tl1):
        response = client_for(pm1).post(self.url, cohort_data(tl1, pm1, end_of_day="08:00"))
        assert response.status_code == 400
        assert "after the shift starts" in response.context["form"].errors["end_of_day"][0]
        assert not Cohort.objects.exists()

    def test_a_weekend_start_is_refused(self, client_for, pm1, tl1):
        response = client_for(pm1).post(self.url, cohort_data(tl1, pm1, start_date="2026-12-05"))
        assert response.status_code == 400
        assert "business day" in response.context["form"].errors["start_date"][0]

    def test_the_tl_must_be_a_tl(self, client_for, pm1, wfm1):
        response = client_for(pm1).post(self.url, cohort_data(wfm1, pm1))
        assert response.status_code == 400
        assert "tl" in response.context["form"].errors


class TestCohortEdit:
    def url(self, cohort):
        return reverse("cohorts:edit", args=[cohort.pk])

    def test_the_pm_edits_and_history_keeps_it(self, client_for, pm1, tl1, cohort1):
        client = client_for(pm1)
        assert client.get(self.url(cohort1)).status_code == 200
        data = cohort_data(tl1, pm1, name="East renamed", start_date=cohort1.start_date.isoformat())
        assert client.post(self.url(cohort1), data).status_code == 302
        cohort1.refresh_from_db()
        assert cohort1.name == "East renamed"
        assert cohort1.history.first().history_user == pm1

    @pytest.mark.parametrize("who", ["tl1", "tl2", "pm2", "mgr1", "wfm1"])
    def test_others_get_404(self, request, client_for, who, cohort1):
        assert client_for(request.getfixturevalue(who)).get(self.url(cohort1)).status_code == 404

    def test_put_is_not_allowed(self, client_for, pm1, cohort1):
        assert client_for(pm1).put(self.url(cohort1)).status_code == 405


def test_the_cohort_page_lists_agents_ready_for_production(client_for, pm1, wfm1, cohort1):
    AgentFactory(cohort=cohort1, first_name="Ready", last_name="One", status="ready")
    AgentFactory(cohort=cohort1, first_name="Still", last_name="Working")
    response = client_for(pm1).get(reverse("desk:cohort", args=[cohort1.pk]))
    assert [a.full_name for a in response.context["page"]()["ready_agents"]] == ["Ready One"]
    assert 'id="ready-agents"' in response.content.decode()
    assert (
        client_for(wfm1).get(reverse("desk:cohort", args=[cohort1.pk])).context["page"]()["ready_agents"]
        == []
    )
