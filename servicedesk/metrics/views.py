"""``GET /metrics``: the scrape, for Prometheus (decision record 0030)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from servicedesk.metrics.access import metrics_enabled, token_accepted
from servicedesk.metrics.exposition import latest


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Off (404) with no ``METRICS_TOKEN``; 401 without the token; no session, so no CSRF question."""
    if not metrics_enabled():
        raise Http404
    if not token_accepted(request.headers.get("Authorization")):
        return HttpResponse(status=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return HttpResponse(latest(), content_type=CONTENT_TYPE_LATEST)
