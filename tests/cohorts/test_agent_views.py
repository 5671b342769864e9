import datetime

import pytest
from django.urls import reverse

from cohorts.models import Agent
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

AGENT = {
    "first_name": "Carmen",
    "last_name": "Diaz",
    "employee_id": "NEW001",
    "email": "carmen.diaz@example.com",
    "phone": "555-0199",
    "equipment_source": "personal",
}


class TestAgentCreate:
    def url(self, cohort):
        return reverse("cohorts:agent_create", args=[cohort.pk])

    @pytest.mark.parametrize("who", ["tl1", "pm1", "staff"])
    def test_the_tl_pm_and_admin_add_agents(self, request, client_for, who, cohort1):
        user = request.getfixturevalue(who)
        response = client_for(user).post(self.url(cohort1), AGENT)
        assert response.status_code == 302
        agent = Agent.objects.get(employee_id="NEW001")
        assert agent.cohort == cohort1
        assert agent.history.first().history_user == user

    @pytest.mark.parametrize("who", ["tl2", "pm2", "mgr1", "wfm1"])
    def test_others_get_404(self, request, client_for, who, cohort1):
        client = client_for(request.getfixturevalue(who))
        assert client.get(self.url(cohort1)).status_code == 404
        assert client.post(self.url(cohort1), AGENT).status_code == 404
        assert not Agent.objects.exists()

    def test_a_taken_employee_id_is_refused_beside_the_field(self, client_for, tl1, cohort1, agent2):
        response = client_for(tl1).post(self.url(cohort1), {**AGENT, "employee_id": agent2.employee_id})
        assert response.status_code == 400
        assert "already exists" in response.context["form"].errors["employee_id"][0]

    def test_a_bad_email_is_refused(self, client_for, tl1, cohort1):
        response = client_for(tl1).post(self.url(cohort1), {**AGENT, "email": "not-an-email"})
        assert response.status_code == 400
        assert "email" in response.context["form"].errors


class TestAgentDetailAndEdit:
    def detail(self, agent):
        return reverse("desk:agent", args=[agent.pk])

    def edit(self, agent):
        return reverse("cohorts:agent_edit", args=[agent.pk])

    @pytest.mark.parametrize("who", ["tl1", "pm1", "mgr1", "staff"])
    def test_readers_see_the_agent(self, request, client_for, who, agent1):
        response = client_for(request.getfixturevalue(who)).get(self.detail(agent1))
        assert response.status_code == 200
        assert agent1.employee_id in response.content.decode()

    @pytest.mark.parametrize("who", ["tl2", "pm2", "wfm1"])
    def test_others_get_404(self, request, client_for, who, agent1):
        client = client_for(request.getfixturevalue(who))
        assert client.get(self.detail(agent1)).status_code == 404
        assert client.get(self.edit(agent1)).status_code == 404

    def test_the_manager_reads_but_cannot_edit(self, client_for, mgr1, agent1):
        assert client_for(mgr1).get(self.edit(agent1)).status_code == 404

    def test_an_edit_shows_in_the_history_with_user_and_time(self, client_for, tl1, agent1):
        client = client_for(tl1)
        data = {**AGENT, "employee_id": agent1.employee_id, "phone": "555-0777"}
        assert client.post(self.edit(agent1), data).status_code == 302
        page = client.get(self.detail(agent1))
        html = page.content.decode()
        latest = html[html.index('id="history-heading"') :].split("</tr>")[1]  # the newest entry
        assert f"<td>{tl1.get_full_name()}</td>" in latest and "<strong>Changed</strong>" in latest
        assert "Phone: <del>555-0100</del> → 555-0777" in latest
        assert "Equipment: <del>Company equipment</del> → Personal equipment" in latest
        recorded = agent1.history.first().history_date.astimezone(agent1.cohort.tzinfo)
        assert recorded.strftime("%Y-%m-%d %H:%M") in html  # in the cohort's zone, which the header names
        assert "When (America/New_York)" in html

    def test_a_moment_in_the_history_is_shown_in_the_cohorts_zone(self, client_for, tl1, agent1):
        """Ready at 18:30 UTC is 13:30 in New York, as the history's header says."""
        agent1.ready_at = datetime.datetime(2026, 11, 25, 18, 30, 15, tzinfo=datetime.UTC)
        agent1.save()
        html = client_for(tl1).get(self.detail(agent1)).content.decode()
        assert "Ready at: <del>—</del> → 2026-11-25 13:30" in html
        assert "18:30" not in html

    def test_history_queries_do_not_grow_with_edits(self, client_for, tl1, agent1, count_queries):
        client = client_for(tl1)
        client.get(self.detail(agent1))  # what stays cached across the agent's writes (the tasks)
        agent1.phone = "555-0199"
        agent1.save()
        few = count_queries(lambda: client.get(self.detail(agent1)))
        for n in range(10):
            agent1.phone = f"555-02{n:02d}"
            agent1.save()
        many = count_queries(lambda: client.get(self.detail(agent1)))
        assert few == many

    def test_a_production_tl_reads_the_agent_handed_to_them(self, client_for, tl2, cohort1):
        agent = AgentFactory(cohort=cohort1, production_tl=tl2)
        client = client_for(tl2)
        assert client.get(self.detail(agent)).status_code == 200
        assert client.get(self.edit(agent)).status_code == 404
