from django.urls import path

from cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("", views.cohort_list, name="list"),
    path("new/", views.cohort_create, name="create"),
    path("<int:pk>/edit/", views.cohort_edit, name="edit"),
    path("<int:cohort_pk>/agents/new/", views.agent_create, name="agent_create"),
    path("<int:cohort_pk>/roster/import/", views.roster_import, name="roster_import"),
    path("<int:cohort_pk>/roster/import/confirm/", views.roster_import_confirm, name="roster_import_confirm"),
    path("agents/<int:pk>/edit/", views.agent_edit, name="agent_edit"),
]
