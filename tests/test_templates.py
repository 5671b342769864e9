"""Template hygiene that Django does not check: a `{# #}` comment spans one line only; one that
spans several is printed on the page as text (the tracker showed its caching note to TLs)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse


def template_files():
    for folder in settings.TEMPLATES[0]["DIRS"]:
        yield from Path(folder).rglob("*.html")


def test_no_comment_tag_spans_lines():
    open_comments = [
        f"{path}:{number}"
        for path in template_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert open_comments == []


def test_there_are_templates_to_check():
    assert len(list(template_files())) > 30


@pytest.mark.django_db
def test_every_control_on_the_cohort_pages_has_a_unique_id_and_its_own_label(client_for, tl1, agent1, week):
    """The Tickets page's "New ticket" selects used to share ids with the filter's."""
    client = client_for(tl1)
    cohort = agent1.cohort
    for url in (
        reverse("tickets:list", args=[cohort.pk]),
        reverse("certifications:tracker", args=[cohort.pk]),
        reverse("attendance:roll_call", args=[cohort.pk]),
        reverse("desk:cohort", args=[cohort.pk]),
        agent1.get_absolute_url(),
    ):
        html = client.get(url).content.decode()
        controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
        ids = [m.group(1) for tag in controls if (m := re.search(r'\bid="([^"]+)"', tag))]
        assert len(ids) == len(set(ids)), (url, sorted({i for i in ids if ids.count(i) > 1}))
        labelled = re.findall(r'<label\b[^>]*\bfor="([^"]+)"', html)
        assert len(labelled) == len(set(labelled)), (
            url,
            sorted({i for i in labelled if labelled.count(i) > 1}),
        )
        for tag in controls:
            if 'type="hidden"' in tag or "aria-label" in tag:
                continue
            found = re.search(r'\bid="([^"]+)"', tag)
            assert found and found.group(1) in labelled, (url, tag)
