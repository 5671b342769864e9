"""The app's URLs and, for the benchmark only, a bare Django POST that saves one row: login,
CSRF, one UPDATE, no rules. Writes are measured as a ratio to it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from esp.urls import urlpatterns as app_urlpatterns


@login_required
@require_POST
def bare_post(request):
    get_user_model().objects.filter(pk=request.user.pk).update(last_name=request.POST.get("value", "")[:150])
    return HttpResponse("Saved")


urlpatterns = [path("bench/bare-post/", bare_post), *app_urlpatterns]
