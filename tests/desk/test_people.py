"""People, in the Settings (issue: settings, point 6): an ESP admin creates a person who is
invited to set their own password, gives roles and cohorts, hands a cohort over, deactivates;
a cohort never loses its TL or PM; every change is kept with who and when."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cohorts.access import roles_of
from cohorts.models import PersonChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def esp_admin(django_user_model):
    return django_user_model.objects.create_user("espadmin", "esp.admin@example.com", "pw", is_staff=True)


def person_form(**changes):
    data = {"first_name": "Tia", "last_name": "Lane", "username": "tlane", "email": "tia.lane@example.com"}
    return data | changes


def test_a_new_person_is_invited_to_set_their_own_password(
    client_for, esp_admin, django_user_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(esp_admin).post(reverse("desk:settings_person_new"), person_form(roles=["TL"]))
    client = Client()  # the invited person, not logged in
    person = django_user_model.objects.get(username="tlane")
    assert response.status_code == 302 and response.url == reverse("desk:settings_person", args=[person.pk])
    assert not person.has_usable_password() and roles_of(person) == {"TL"} and not person.is_staff
    (invitation,) = mail.outbox
    assert invitation.to == ["tia.lane@example.com"] and "invited you to ESP Tracker" in invitation.body
    assert PersonChange.objects.get(person=person).by == esp_admin
    link = re.search(r"https?://\S+", invitation.body).group(0)
    page = client.get(urlparse(link).path, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    password = "a-long-new-password-42"
    set_it = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert set_it.status_code == 302
    person.refresh_from_db()
    assert person.has_usable_password() and person.check_password(password)


def test_a_cohort_is_handed_to_another_tl_and_the_change_is_kept(client_for, esp_admin, tl1, tl2, cohort1):
    client = client_for(esp_admin)
    data = person_form(
        first_name=tl2.first_name, last_name=tl2.last_name, username=tl2.username, email=tl2.email,
        roles=["TL"], leads=[cohort1.pk, *tl2.led_cohorts.values_list("pk", flat=True)], is_active="on",
    )  # fmt: skip
    assert client.post(reverse("desk:settings_person", args=[tl2.pk]), data).status_code == 302
    cohort1.refresh_from_db()
    assert cohort1.tl == tl2
    page = client.get(reverse("desk:settings_person", args=[tl2.pk])).content.decode()
    assert f"Leads {cohort1.name} (was {tl1.get_full_name()})" in page
    assert cohort1.history.first().history_user == esp_admin  # and in the cohort's own history


def test_a_cohort_is_never_left_without_its_tl_and_a_leader_is_not_deactivated(
    client_for, esp_admin, tl1, cohort1, week
):
    client = client_for(esp_admin)
    base = person_form(
        first_name=tl1.first_name, last_name=tl1.last_name, username=tl1.username, email=tl1.email
    )
    dropped = client.post(
        reverse("desk:settings_person", args=[tl1.pk]), base | {"roles": ["TL"], "is_active": "on"}
    )
    assert dropped.status_code == 400
    assert "Every cohort needs its TL: to hand East over, choose it on the new TL" in dropped.content.decode()
    leaving = base | {"roles": ["TL"], "leads": [cohort1.pk]}  # is_active unticked
    refused = client.post(reverse("desk:settings_person", args=[tl1.pk]), leaving)
    assert (
        refused.status_code == 400
        and "still leads or manages East: hand them over first" in refused.content.decode()
    )
    tl1.refresh_from_db()
    assert tl1.is_active and cohort1.tl == tl1 and not PersonChange.objects.exists()


def test_roles_and_deactivation_are_kept_in_history(client_for, esp_admin, django_user_model):
    wfm = django_user_model.objects.create_user(
        "wfm9", "wfm9@example.com", "pw", first_name="Wen", last_name="Fu"
    )
    client = client_for(esp_admin)
    data = person_form(
        first_name="Wen", last_name="Fu", username="wfm9", email="wfm9@example.com", roles=["WFM"]
    )
    assert client.post(reverse("desk:settings_person", args=[wfm.pk]), data).status_code == 302  # not active
    wfm.refresh_from_db()
    assert not wfm.is_active and roles_of(wfm) == {"WFM"}
    (change,) = PersonChange.objects.filter(person=wfm)
    assert "Active: yes → no" in change.what and "Roles: none → WFM" in change.what
    listing = client.get(reverse("desk:settings_people")).content.decode()
    assert "Wen Fu" in listing
