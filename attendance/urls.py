from django.urls import path

import core.converters  # noqa: F401 - registers the isodate converter
from attendance import views

app_name = "attendance"

urlpatterns = [
    path("cohorts/<int:pk>/roll-call/", views.roll_call, name="roll_call"),
    path(
        "cohorts/<int:pk>/roll-call/<isodate:day>/mark-all-present/",
        views.roll_call_mark_all_present,
        name="mark_all_present",
    ),
    path(
        "cohorts/<int:pk>/roll-call/<isodate:day>/agents/<int:agent_pk>/",
        views.roll_call_save,
        name="roll_call_save",
    ),
    path("cohorts/<int:pk>/matrix/", views.matrix, name="matrix"),
    path("cohorts/<int:pk>/timekeeping/", views.timekeeping_import, name="timekeeping_import"),
    path("cohorts/<int:pk>/timekeeping/confirm/", views.timekeeping_confirm, name="timekeeping_confirm"),
    path("cohorts/<int:pk>/meet/", views.meet_import, name="meet_import"),
    path("cohorts/<int:pk>/meet/confirm/", views.meet_confirm, name="meet_confirm"),
    path("agents/<int:pk>/", views.agent_attendance, name="agent"),
    path("reclassify/", views.reclassify_view, name="reclassify"),
    path("wfm/", views.wfm_attendance, name="wfm"),
    path("agents/<int:agent_pk>/caps/new/", views.cap_new, name="cap_new"),
    path("agents/<int:agent_pk>/issues/", views.issue_report, name="issue_report"),
    path("issues/<int:pk>/handled/", views.issue_handled, name="issue_handled"),
    path("caps/<int:pk>/", views.cap_detail, name="cap"),
    path("caps/<int:pk>/void/", views.cap_void, name="cap_void"),
    path("caps/<int:pk>/approve/", views.cap_approve, name="cap_approve"),
    path("caps/<int:pk>/acknowledge/", views.cap_acknowledge, name="cap_acknowledge"),
    path("caps/<int:pk>/<slug:step>/", views.cap_step, name="cap_step"),
    path("caps/awaiting/", views.caps_awaiting, name="caps_awaiting"),
    path("recommendations/<int:pk>/dismiss/", views.recommendation_dismiss, name="recommendation_dismiss"),
]
