"""A circuit breaker per remote provider, kept in Django's cache so every process (Redis when REDIS_URL is
set) skips a provider that is down: an outage costs a few timeouts in all, not one per turn.

Closed: calls go through; `AI_BREAKER_FAILURES` failures in a row open it. Open: calls are skipped for
`AI_BREAKER_COOLDOWN` seconds. After that one call is let through; if it fails too, the breaker opens again
at once. A permanent error (bad key, unknown model, prompt longer than the context: HTTP 400/401/403/404)
opens it for `AI_BREAKER_CONFIG_COOLDOWN` seconds and is recorded for the admin overview.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from interviews.ai.errors import InputError, ServiceError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Statuses that mean "this request will never succeed as configured": retrying in a minute won't help.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404})


# Every breaker key this process has used, so reset_all() can forget them (tests; an admin "retry now").
_known_keys: set[str] = set()


def reset_all() -> None:
    """Close every breaker this process knows of (their state in the shared cache is deleted)."""
    cache.delete_many(list(_known_keys))


class CircuitOpen(ServiceError):
    """The provider failed repeatedly and is being skipped for a cool-down."""

    user_message = "The online service is unavailable right now."


def http_status_of(error: BaseException) -> int | None:
    """The HTTP status behind a provider error, looking through its causes (openai, httpx, requests, urllib)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for holder in (current, getattr(current, "response", None), getattr(current, "rsp", None)):
            for name in ("status_code", "code", "status"):
                value = getattr(holder, name, None)
                if isinstance(value, int) and 100 <= value < 600:
                    return value
        current = current.__cause__ or current.__context__
    return None


def is_permanent(error: ServiceError) -> bool:
    return bool(getattr(error, "permanent", False)) or http_status_of(error) in PERMANENT_STATUSES


class CircuitBreaker:
    """The breaker of one provider, e.g. CircuitBreaker("llm", "OpenAICompatibleChat")."""

    def __init__(self, service: str, backend: str):
        self.service = service
        self.backend = backend
        key = f"breaker:{service}:{backend}"
        self._failures_key = f"{key}:failures"
        self._open_key = f"{key}:open"
        self._tripped_key = f"{key}:tripped"
        _known_keys.update((self._failures_key, self._open_key, self._tripped_key))

    @property
    def is_open(self) -> bool:
        return bool(cache.get(self._open_key))

    def call(self, call: Callable[[], T]) -> T:
        """`call()` unless the breaker is open (CircuitOpen); its ServiceErrors count as failures."""
        if self.is_open:
            raise CircuitOpen(f"{self.service} backend {self.backend} skipped: circuit open")
        try:
            result = call()
        except InputError:
            raise  # the candidate's input, not the provider
        except ServiceError as error:
            self.record_failure(error)
            raise
        self.record_success()
        return result

    def record_success(self) -> None:
        cache.delete_many([self._failures_key, self._tripped_key])

    def record_failure(self, error: ServiceError) -> None:
        if is_permanent(error):
            self._open(settings.AI_BREAKER_CONFIG_COOLDOWN)
            _report_configuration_error(self.service, self.backend, error)
            return
        cooldown = settings.AI_BREAKER_COOLDOWN
        if cache.get(self._tripped_key):
            self._open(cooldown)  # the probe after a cool-down failed: still down
            return
        cache.add(self._failures_key, 0, timeout=cooldown * 10)
        try:
            failures = cache.incr(self._failures_key)
        except ValueError:  # expired between add and incr
            failures = 1
            cache.set(self._failures_key, failures, timeout=cooldown * 10)
        if failures >= settings.AI_BREAKER_FAILURES:
            self._open(cooldown)

    def reset(self) -> None:
        cache.delete_many([self._failures_key, self._open_key, self._tripped_key])

    def _open(self, seconds: float) -> None:
        logger.warning("%s backend %s skipped for %ss after failures", self.service, self.backend, seconds)
        cache.set(self._open_key, True, timeout=seconds)
        cache.set(self._tripped_key, True, timeout=seconds * 10)
        cache.delete(self._failures_key)


def _report_configuration_error(service: str, backend: str, error: ServiceError) -> None:
    """Logged, and kept as a ConfigurationProblem row (one per provider and status) for the admin overview."""
    from django.db import DatabaseError
    from django.db.models import F
    from django.utils import timezone

    from interviews.models import ConfigurationProblem

    status = http_status_of(error)
    logger.error("%s backend %s is misconfigured (HTTP %s): %s", service, backend, status, error)
    detail = str(error)[:1000]
    try:
        updated = ConfigurationProblem.objects.filter(
            service=service, backend=backend, status=status or 0
        ).update(count=F("count") + 1, detail=detail, last_seen=timezone.now())
        if not updated:
            ConfigurationProblem.objects.get_or_create(
                service=service, backend=backend, status=status or 0, defaults={"detail": detail}
            )
    except DatabaseError:  # the record is for the admin; it must never break the candidate's turn
        logger.exception("could not record the configuration problem")
