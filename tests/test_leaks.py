"""Finding 9 of the hardening issue: leaks across the line of access. A confidential red flag's
existence showed to the TL ("1 red flag open" in "Not ready yet", history "No longer ready: 1 red
flag open"); the duplicate-proof warning named another cohort's agent and cohort to a TL who may
not see them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certifications.services import raise_red_flag, upload_proof
from cohorts.models import Agent
from desk.readiness import recompute_readiness
from tests.certifications.conftest import PNG

pytestmark = pytest.mark.django_db


def test_a_duplicate_proof_warning_does_not_name_an_agent_the_tl_cannot_see(
    client_for, tl1, tl2, pm1, agent1, agent2, tasks
):
    upload_proof(agent=agent1, task=tasks["ahip"], upload=SimpleUploadedFile("a.png", PNG), by=tl1)
    upload_proof(agent=agent2, task=tasks["ahip"], upload=SimpleUploadedFile("b.png", PNG), by=tl2)
    page = client_for(tl1).get(agent1.get_absolute_url()).content.decode()
    assert "The same file was uploaded for 1 agent you cannot see." in page
    assert agent2.full_name not in page and agent2.cohort.name not in page
    seen_by_pm = client_for(pm1).get(agent1.get_absolute_url()).content.decode()  # the PM leads both
    assert f"The same file was uploaded for {agent2.full_name} ({agent2.cohort.name})." in seen_by_pm


def test_a_confidential_flag_shows_nowhere_to_a_tl_who_did_not_raise_it(client_for, tl1, pm1, agent1, tasks):
    raise_red_flag(agent=agent1, category="conduct", details="Sealed", confidential=True, by=pm1)
    pages = [
        client_for(tl1).get(agent1.get_absolute_url()),
        client_for(tl1).get(reverse("desk:board")),
        client_for(tl1).get(agent1.cohort.get_absolute_url()),
        client_for(tl1).get(reverse("desk:handoff", args=[agent1.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert (
            "Sealed" not in html and "red flag open" not in html and "Open red flags: <strong>1" not in html
        )
    assert "Sealed" in client_for(pm1).get(agent1.get_absolute_url()).content.decode()  # the PM sees it


def test_the_history_of_readiness_does_not_tell_of_a_confidential_flag(pm1, agent1):
    Agent.objects.filter(pk=agent1.pk).update(status=Agent.Status.READY)
    raise_red_flag(agent=agent1, category="conduct", details="Sealed", confidential=True, by=pm1)
    recompute_readiness([agent1.pk])
    agent1.refresh_from_db()
    assert agent1.status == Agent.Status.IN_ESP
    reason = agent1.history.latest().history_change_reason
    assert reason.startswith("No longer ready") and "red flag" not in reason
