"""Finding 3 of the hardening issue (its second half): a red flag raised while Redis was away was
saved with its notice but answered 500; the TL retried and a second flag and a second email were
made. The same red flag raised again within RED_FLAG_REPEAT_WINDOW is now recognised as the
first: one flag, one notice, and the retry is told so."""

import datetime

import pytest
from django.urls import reverse

from certifications.models import RedFlag
from certifications.services import RepeatedRedFlag, raise_red_flag
from notifications.models import Notice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(pm1, mgr1):
    pm1.email, mgr1.email = "pm1@example.com", "mgr1@example.com"
    pm1.save()
    mgr1.save()


def flag(agent, by, category="equipment", details="Laptop stolen"):
    return raise_red_flag(agent=agent, category=category, details=details, confidential=False, by=by)


def raise_it(client, agent, details="Laptop stolen"):
    url = reverse("certifications:red_flag_raise", args=[agent.pk])
    return client.post(url, {"category": "equipment", "details": details}, follow=True)


def test_a_retried_red_flag_is_raised_and_emailed_once(client_for, tl1, agent1, week, told):
    client = client_for(tl1)
    first = raise_it(client, agent1)
    assert "Red flag raised" in first.content.decode()
    week.shift(datetime.timedelta(minutes=2))
    again = raise_it(client, agent1, details="  Laptop stolen ")
    assert again.status_code == 200
    assert "This red flag was already raised at 12:00; it was not raised or emailed again." in (
        again.content.decode()
    )  # 12:00 in the cohort's zone (New York)
    assert RedFlag.objects.count() == 1
    assert Notice.objects.filter(kind="red_flag").count() == 1


def test_a_different_flag_or_a_later_one_is_raised(tl1, agent1, week, told, settings):
    flag(agent1, tl1)
    flag(agent1, tl1, category="conduct")
    flag(agent1, tl1, details="Headset broken")
    week.shift(settings.RED_FLAG_REPEAT_WINDOW + datetime.timedelta(seconds=1))
    flag(agent1, tl1)
    assert RedFlag.objects.count() == 4


def test_the_same_flag_from_someone_else_at_once_is_the_same_flag(tl1, agent1, week, told):
    first = raise_red_flag(
        agent=agent1, category="equipment", details="Laptop stolen", confidential=False, by=tl1
    )
    colleague = UserFactory(username="tl1b", roles=["TL"])
    with pytest.raises(RepeatedRedFlag) as repeat:
        raise_red_flag(
            agent=agent1, category="equipment", details="Laptop stolen", confidential=False, by=colleague
        )
    assert repeat.value.flag == first


def test_a_resolved_flag_raised_again_is_a_new_flag(tl1, agent1, week, told):
    first = raise_red_flag(
        agent=agent1, category="equipment", details="Laptop stolen", confidential=False, by=tl1
    )
    first.resolved_at = first.raised_at
    first.save()
    flag(agent1, tl1)
    assert RedFlag.objects.count() == 2
