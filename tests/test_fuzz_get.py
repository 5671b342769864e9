"""Findings 10 and the fuzzing the hardening issue asks for: hostile GET parameters and export
formats on every page that answers GET, as each role that may open it: never a 500, and an unknown
export format is a 400. Finding 10 named `?cohort=²`, `?recommendation=²` (digits int() refuses),
`_export=ods|xls|yaml`, and `next` pointing off-site or at `javascript:`."""

import pytest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tests.test_permission_matrix import EXPECTED, ROLES, url_for, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

# Every query parameter a view or filter of the app reads, and django-tables2's.
PARAMS = [
    "_export", "agent", "cohort", "day", "end", "format", "name", "next", "page", "per_page", "q",
    "recommendation", "show", "sort", "start", "starts_after", "starts_before", "status", "ticket_type",
]  # fmt: skip
VALUES = [
    "²", "-1", "0", "99999999999999999999999", "x" * 3000, "2026-13-45", "9999-12-31", "0001-01-01",
    "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "javascript:alert(1)", "https://evil.example/",
    "1e309", "[]", "../../etc/passwd",
]  # fmt: skip
FORMATS = ["ods", "xls", "yaml", "json", "html", "tsv", "pdf", "csv ", "../x", "²"]

PAGES = sorted(
    name
    for name, row in EXPECTED.items()
    if any(code == 200 for role, code in row.items() if role != "anonymous") and name != "healthz"
)


def opener(name):
    """The first role that opens the page, preferring the one who sees the most."""
    row = EXPECTED[name]
    return next(role for role in ("staff", "pm1", "tl1", "mgr1", "wfm1") if row[role] == 200)


@pytest.fixture
def as_opener(client, request):
    def login(name):
        client.force_login(request.getfixturevalue(opener(name)))
        return client

    return login


@pytest.mark.parametrize("name", PAGES)
def test_hostile_query_parameters_never_answer_500(name, world, as_opener):  # noqa: F811
    client, url = as_opener(name), url_for(name, world)
    refused = []
    for value in VALUES:
        status = client.get(url, {p: value for p in PARAMS if p != "_export"}).status_code
        if status >= 500:
            refused.append(("all", value, status))
    for param in PARAMS:
        for value in ("²", "x" * 3000, "2026-02-30"):
            status = client.get(url, {param: value}).status_code
            if status >= 500:
                refused.append((param, value, status))
    assert refused == []


@pytest.mark.parametrize("name", PAGES)
def test_unknown_export_formats_are_a_400_never_a_500(name, world, as_opener):  # noqa: F811
    client, url = as_opener(name), url_for(name, world)
    answers = {fmt: client.get(url, {"_export": fmt}).status_code for fmt in FORMATS}
    assert all(code < 500 for code in answers.values()), answers
    if client.get(url, {"_export": "csv"})["Content-Type"].startswith("text/csv"):  # a page with exports
        assert set(answers.values()) == {400}, answers


@pytest.mark.parametrize("target", ["javascript:alert(1)", "https://evil.example/", "//evil.example", "abc"])
def test_next_never_leads_off_site_or_to_a_script(target, client, tl1, cohort1, agent1):
    client.force_login(tl1)
    response = client.post(reverse("desk:close_day", args=[cohort1.pk]), {"next": target})
    assert response.status_code == 302 and response.url == reverse("desk:board")
    day = cohort1.local_today()
    note = {f"n{agent1.pk}-text": "Shadowed calls", f"n{agent1.pk}-version": 0, "next": target}
    response = client.post(
        reverse("certifications:note_save", args=[agent1.pk, day]) + f"?next={target}", note
    )
    assert response.status_code == 302 and response.url == agent1.get_absolute_url()  # saved, then back
    client.logout()
    tl1.set_password("a long pass phrase")
    tl1.save()
    data = {"username": "tl1", "password": "a long pass phrase", "next": target}
    response = client.post(reverse("login"), data)
    assert response.status_code == 302
    assert url_has_allowed_host_and_scheme(response.url, allowed_hosts={"testserver"}, require_https=False)


def test_a_user_name_longer_than_any_is_refused_beside_the_field(client):
    response = client.post(reverse("login"), {"username": "x" * 300, "password": "whatever"})
    assert response.status_code == 200
    assert "A user name has at most 150 characters." in response.content.decode()
