from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cohorts.auth import LoginForm
from core.views import healthz
from desk import accounts
from desk import views as desk_views

admin.site.site_header = "ESP Tracker administration"
admin.site.site_title = "ESP Tracker admin"

handler500 = "core.views.server_error"

urlpatterns = [
    path("", desk_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include("desk.urls")),
    path("cohorts/", include("cohorts.urls")),
    path("attendance/", include("attendance.urls")),
    path("tracker/", include("certifications.urls")),
    path("tickets/", include("tickets.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
