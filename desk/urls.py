from django.urls import path

from desk import views

app_name = "desk"

urlpatterns = [
    path("cohorts/board/", views.board, name="board"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/schedule/", views.settings_schedule, name="settings_schedule"),
    path("settings/schedule/test-digest/", views.settings_test_digest, name="settings_test_digest"),
    path("settings/people/", views.settings_people, name="settings_people"),
    path("settings/tasks/", views.settings_tasks, name="settings_tasks"),
    path("settings/tasks/cohorts/<int:pk>/", views.settings_cohort_terms, name="settings_cohort_terms"),
    path("settings/attendance-policy/", views.settings_policy, name="settings_policy"),
    path("settings/rules/", views.settings_rules, name="settings_rules"),
    path("settings/ladder/", views.settings_ladder, name="settings_ladder"),
    path("settings/playbooks/", views.settings_playbooks, name="settings_playbooks"),
    path("settings/playbooks/<int:pk>/", views.settings_playbook, name="settings_playbook"),
    path("settings/ticket-forms/", views.settings_ticket_forms, name="settings_ticket_forms"),
    path("settings/ticket-forms/<int:pk>/", views.settings_ticket_form, name="settings_ticket_form"),
    path("settings/rules/<int:pk>/", views.settings_rule, name="settings_rule"),
    path("settings/people/new/", views.settings_person, name="settings_person_new"),
    path("settings/people/<int:pk>/", views.settings_person, name="settings_person"),
    path("cohorts/board/cards/<int:pk>/", views.board_card, name="board_card"),
    path("cohorts/dashboard/", views.dashboard, name="dashboard"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/bar/<slug:current>/", views.cohort_bar, name="cohort_bar"),
    path("cohorts/<int:pk>/close-day/", views.close_day_view, name="close_day"),
    path("cohorts/<int:pk>/agents/<int:agent_pk>/carry-over/", views.carry_over_view, name="carry_over"),
    path("cohorts/agents/<int:pk>/", views.agent_detail, name="agent"),
    path("tracker/agents/<int:agent_pk>/move/", views.move, name="move"),
    path("tracker/agents/<int:agent_pk>/handoff/", views.handoff, name="handoff"),
    path(
        "tracker/agents/<int:agent_pk>/handoff/acknowledge/",
        views.handoff_acknowledge,
        name="handoff_acknowledge",
    ),
    path("about/", views.about, name="about"),
]
