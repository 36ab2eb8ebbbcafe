"""/healthz for the proxy and process supervisors: can this web process reach the database and the cache?"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    # With several processes the cache (Redis) holds upload ownership and in-flight answers: it must answer.
    probe = f"interbot:healthz:{uuid.uuid4().hex}"
    cache.set(probe, 1, timeout=5)
    if cache.get(probe) != 1:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(probe)


@never_cache
@require_safe
def healthz(request):
    """200 {"status": "ok"} when the database and the cache answer, else 503 naming what failed (no detail:
    the endpoint is public)."""
    failed = []
    for name, check in (("database", _database), ("cache", _cache)):
        try:
            check()
        except Exception:  # noqa: BLE001 - any failure means "take this process out of rotation"
            failed.append(name)
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok"})
