import json
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import health

logger = logging.getLogger(__name__)

# What a database that stopped answering raises (a restart, a dropped connection, a failover).
DATABASE_AWAY = (OperationalError, InterfaceError)


@never_cache
@require_GET
def healthz(request):
    """For load balancers and container health checks (core.health): 200 while the app reaches
    its database, with the cache, broker, beat and worker reported ("degraded" when one is away,
    which the app survives); 503 without the database. Reached before any host check
    (core.middleware.HealthCheckMiddleware), so a probe by address works with real ALLOWED_HOSTS."""
    report = health()
    return JsonResponse(report, status=503 if report["status"] == "down" else 200)


def database_away(request, *, saved: bool) -> HttpResponse:
    """The answer when the database stops answering in the middle of a request. Rendered without
    the request's context (which would read the database): a page of its own, or for htmx a
    message the page shows where the user is.

    When the user's change had already been committed it is saved, and the answer says so
    (200; htmx leaves the page as the user set it). Otherwise nothing was written: 503, try again.
    """
    if saved:
        message = "Saved. The page could not be brought up to date just now; reload it in a moment."
        status = 200
    else:
        message = "Not saved: the database is not answering. Nothing was changed; try again in a moment."
        status = 503
    if request.method in ("GET", "HEAD"):
        message = "The database is not answering. Reload this page in a moment."
    if getattr(request, "htmx", False):
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
        response["HX-Reswap"] = "none"
        response["HX-Trigger"] = json.dumps({"esp:notice": {"message": message, "ok": saved}})
    else:
        html = render_to_string("503.html", {"message": message, "saved": saved})
        response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = "5"
    response["Cache-Control"] = "private, no-store"
    return response


def server_error(request):
    """handler500: a database that went away answers 503 (try again), not 500 (our fault)."""
    if isinstance(sys.exc_info()[1], DATABASE_AWAY):
        return database_away(request, saved=False)
    return defaults.server_error(request)
