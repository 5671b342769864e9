import logging

from django.conf import settings
from django.utils import timezone

from core import events
from core.views import DATABASE_AWAY, database_away, healthz

logger = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """/healthz answers before anything reads the Host header or redirects to HTTPS: a container
    or load-balancer probe asks by address (127.0.0.1:8000), which ALLOWED_HOSTS rightly refuses
    for every other page. Its answer depends on no host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy: every script, style and font comes from our own files."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(f"{k} {v}" for k, v in settings.CONTENT_SECURITY_POLICY.items())

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class PrivateResponsesMiddleware:
    """Every answer to a signed-in user holds someone's personal data (pages, exports, CAP PDFs,
    proofs): no browser, proxy or shared cache keeps a copy. Static files never reach here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        return response


class TimezoneMiddleware:
    """Each request starts in UTC; a view that shows one cohort activates the cohort's zone, so
    every time it renders is the cohort's, and nothing leaks into the next request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class DatabaseAwayMiddleware:
    """When the database stops answering mid-request (a restart, a dropped connection), the user
    gets a clear answer instead of a 500: 503 "nothing was changed, try again" before their change
    was committed, "saved" after it, since a committed save is never reported as failed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with events.watching_commits():
            return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_AWAY):
            return None
        saved = events.committed()
        logger.error(
            "The database stopped answering during %s %s (%s); %s",
            request.method,
            request.path,
            exception,
            "the change had been committed" if saved else "nothing was committed",
        )
        return database_away(request, saved=saved)
