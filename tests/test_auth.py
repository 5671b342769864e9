import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_login_page_renders_with_labelled_fields(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert 'id="id_username"' in html and 'autocomplete="current-password"' in html
    assert "<main" in html and 'aria-label="Main navigation"' in html


def test_a_user_logs_in_with_the_password_and_lands_on_their_cohorts(client, tl1, cohort1):
    response = client.post(reverse("login"), {"username": "tl1", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("desk:board")
    assert b"East" in response.content


def test_a_wrong_password_is_refused(client, tl1):
    response = client.post(reverse("login"), {"username": "tl1", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_logout_refuses_get_and_works_by_post(client, tl1):
    client.force_login(tl1)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("cohorts:list")).status_code == 302


def test_password_change_needs_login_and_works(client, tl1):
    assert client.get(reverse("password_change")).status_code == 302
    client.force_login(tl1)
    response = client.post(
        reverse("password_change"),
        {"old_password": "pw", "new_password1": "A-long-new-pass-42", "new_password2": "A-long-new-pass-42"},
    )
    assert response.status_code == 302
    tl1.refresh_from_db()
    assert tl1.check_password("A-long-new-pass-42")


def test_pages_load_nothing_from_another_host(client, tl1, cohort1):
    client.force_login(tl1)
    html = client.get(reverse("desk:cohort", args=[cohort1.pk])).content.decode()
    for attribute in ('src="http', "src='http", 'href="//', 'src="//'):
        assert attribute not in html
    assert "/static/bootstrap/css/bootstrap.min.css" in html
    assert "/static/django_htmx/htmx" in html


def test_nav_shows_admin_and_new_cohort_only_to_those_allowed(client, tl1, pm1, staff):
    client.force_login(tl1)
    html = client.get(reverse("cohorts:list")).content.decode()
    assert reverse("cohorts:create") not in html and reverse("admin:index") not in html
    client.force_login(pm1)
    assert reverse("cohorts:create") in client.get(reverse("cohorts:list")).content.decode()
    client.force_login(staff)
    assert reverse("admin:index") in client.get(reverse("cohorts:list")).content.decode()


def test_the_health_check_answers_without_login_and_only_to_get(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json()["database"] == "ok"
    assert client.post(reverse("healthz")).status_code == 405
