from django.urls import path

from cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("", views.cohort_list, name="list"),
    path("board/", views.board, name="board"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/close-day/", views.close_day, name="close_day"),
    path("new/", views.cohort_create, name="create"),
    path("<int:pk>/", views.cohort_detail, name="detail"),
    path("<int:pk>/edit/", views.cohort_edit, name="edit"),
    path("<int:cohort_pk>/agents/new/", views.agent_create, name="agent_create"),
    path("<int:cohort_pk>/roster/import/", views.roster_import, name="roster_import"),
    path("<int:cohort_pk>/roster/import/confirm/", views.roster_import_confirm, name="roster_import_confirm"),
    path("agents/<int:pk>/", views.agent_detail, name="agent_detail"),
    path("agents/<int:pk>/edit/", views.agent_edit, name="agent_edit"),
]
