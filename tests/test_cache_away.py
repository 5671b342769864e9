"""Finding 3 of the hardening issue: with Redis stopped the day board, roll call and tracker
answered 500 for the whole outage: the page cache was not optional. Now a read is a miss and a
write is skipped; the pages render from the database and saves still work."""

import logging

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from certifications.models import TaskStatus
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

# Nothing listens on port 9 of the loopback: every connection is refused at once.
AWAY = {
    "default": {
        "BACKEND": "core.cache.NearRedisCache",
        "LOCATION": "redis://127.0.0.1:9/1",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@override_settings(CACHES=AWAY)
def test_redis_down_is_no_outage(client_for, tl1, pm1, cohort1, tasks, week, caplog):
    agent = AgentFactory(cohort=cohort1)
    assert cache.get("anything") is None  # a miss, not an error
    tl = client_for(tl1)
    pages = [
        reverse("desk:board"),
        reverse("certifications:tracker", args=[cohort1.pk]),
        reverse("attendance:roll_call", args=[cohort1.pk]),
        reverse("desk:cohort", args=[cohort1.pk]),
        agent.get_absolute_url(),
    ]
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for url in pages:
            assert tl.get(url).status_code == 200, url
        key = f"c{agent.pk}-{tasks['rts'].pk}"
        response = tl.post(
            reverse("certifications:cell_save", args=[agent.pk, tasks["rts"].pk]),
            {f"{key}-status": "in_progress", f"{key}-version": "0"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert TaskStatus.objects.get(agent=agent).status == "in_progress"
        # And the page read right after shows it, from the database.
        assert 'in_progress" selected' in tl.get(pages[1]).content.decode()
        assert client_for(pm1).get(reverse("desk:dashboard")).status_code == 200
    assert "Cache unavailable" in caplog.text
