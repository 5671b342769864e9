from django.urls import path

import core.converters  # noqa: F401 - registers the isodate converter
from certifications import views

app_name = "certifications"

urlpatterns = [
    path("cohorts/<int:pk>/", views.tracker, name="tracker"),
    path("cohorts/<int:pk>/notes/", views.notes, name="notes"),
    path("agents/<int:agent_pk>/tasks/<int:task_pk>/", views.cell_save, name="cell_save"),
    path("agents/<int:agent_pk>/notes/<isodate:day>/", views.note_save, name="note_save"),
    path("agents/<int:agent_pk>/attempts/", views.attempt_add, name="attempt_add"),
    path("agents/<int:agent_pk>/proofs/", views.proof_upload, name="proof_upload"),
    path("agents/<int:agent_pk>/red-flags/", views.red_flag_raise, name="red_flag_raise"),
    path("proofs/<int:pk>/file/", views.proof_file, name="proof_file"),
    path("proofs/<int:pk>/review/", views.proof_review, name="proof_review"),
    path("proofs/<int:pk>/duplicate/", views.proof_clear_duplicate, name="proof_clear_duplicate"),
    path("red-flags/<int:pk>/resolve/", views.red_flag_resolve, name="red_flag_resolve"),
]
