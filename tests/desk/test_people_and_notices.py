"""PM pages name people by full name, never offer the PM to tell herself, and nobody is
emailed about what they did themselves (issue: PMs, WFM and production, point 4)."""

import pytest
from django.urls import reverse

from certifications.services import raise_red_flag
from desk.forms import MoveToProductionForm
from notifications.models import Notice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_production_tl_choice_lists_full_names(tl1):
    UserFactory(username="ntortiz", first_name="Nina", last_name="Ortiz", roles=["TL"])
    html = str(MoveToProductionForm()["production_tl"])
    assert ">Nina Ortiz</option>" in html and "ntortiz" not in html


def test_only_the_tl_is_offered_to_tell_the_pm(client_for, tl1, pm1, agent1):
    assert "Tell the PM now" in client_for(tl1).get(agent1.get_absolute_url()).content.decode()
    assert "Tell the PM now" not in client_for(pm1).get(agent1.get_absolute_url()).content.decode()


def test_a_red_flag_the_pm_raises_is_not_emailed_to_her(pm1, mgr1, tl1, agent1):
    raise_red_flag(agent=agent1, category="conduct", details="Rude on a call", confidential=False, by=pm1)
    assert Notice.objects.get(kind=Notice.Kind.RED_FLAG).recipients == [mgr1.email]
    raise_red_flag(agent=agent1, category="other", details="Missed a meeting", confidential=False, by=tl1)
    latest = Notice.objects.filter(kind=Notice.Kind.RED_FLAG).latest("pk")
    assert sorted(latest.recipients) == sorted([pm1.email, mgr1.email])


def test_the_dashboard_names_the_tl_by_full_name(client_for, pm1, tl1, cohort1, week):
    page = client_for(pm1).get(reverse("desk:dashboard")).content.decode()
    assert tl1.get_full_name() in page and ">tl1<" not in page
