from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("cohorts/<int:pk>/", views.ticket_list, name="list"),
    path("cohorts/<int:pk>/new/", views.ticket_create, name="create"),
    path("cohorts/<int:pk>/review/", views.review_and_submit, name="review"),
    path("<int:pk>/", views.ticket_detail, name="detail"),
    path("<int:pk>/resolve/", views.ticket_resolve, name="resolve"),
    path("files/<int:pk>/", views.attachment_file, name="file"),
    path("agents/<int:agent_pk>/carrier-ticket/", views.carrier_ticket, name="carrier_ticket"),
]
