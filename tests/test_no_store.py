"""Finding 11 of the hardening issue: pages with personal data, exports and CAP PDFs carried no
`Cache-Control: no-store`, so a shared or browser cache could keep a copy."""

import pytest
from django.urls import reverse

from attendance.accountability import issue_action
from attendance.models import CorrectiveLevel
from tests.conftest import MONDAY

pytestmark = pytest.mark.django_db


def test_personal_pages_exports_and_documents_are_never_stored(client_for, tl1, agent1, week):
    cap = issue_action(
        agent=agent1, level=CorrectiveLevel.objects.get(rank=1), date=MONDAY, reasons="r", expectations="e",
        consequences="c", by=tl1,
    )  # fmt: skip
    client = client_for(tl1)
    cohort = agent1.cohort
    for url in (
        reverse("desk:board"),
        agent1.get_absolute_url(),
        reverse("certifications:tracker", args=[cohort.pk]) + "?_export=xlsx",
        reverse("attendance:matrix", args=[cohort.pk]) + "?_export=csv",
        reverse("attendance:cap", args=[cap.pk]) + "?format=pdf",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
