"""Builds AI service backends from settings.AI_SERVICES (dotted path + OPTIONS), once per process,
and runs calls with a fallback to the embedded backend when a remote one fails."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.utils.module_loading import import_string

from interviews.ai.breaker import CircuitBreaker, CircuitOpen
from interviews.ai.errors import InputError, ServiceError

__all__ = ["InputError", "ServiceError", "ServiceResult", "call_with_fallback", "get_backend"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


_instances: dict[str, Any] = {}
_lock = threading.Lock()

# Backends lived in interviews.services.<service> before the adapters got their own package (issue 9):
# older .env files still name them there. Accepted with a warning; to be removed in a later release.
_MOVED_PREFIXES = {
    f"interviews.services.{name}.": f"interviews.ai.{name}."
    for name in ("stt", "tts", "vision", "llm", "embeddings")
}


def current_path(dotted_path: str) -> str:
    """`dotted_path`, moved to interviews.ai when it names a backend by its old interviews.services path."""
    for old, new in _MOVED_PREFIXES.items():
        if dotted_path.startswith(old):
            moved = new + dotted_path[len(old) :]
            logger.warning("AI backend %s has moved to %s: update the setting", dotted_path, moved)
            return moved
    return dotted_path


def _build(dotted_path: str, options: dict[str, Any]) -> Any:
    backend_class = import_string(dotted_path)
    accepted = getattr(backend_class, "option_names", None)
    if accepted is not None:
        options = {k: v for k, v in options.items() if k in accepted}
    return backend_class(**options)


def get_backend(service: str, *, fallback: bool = False) -> Any:
    """The configured backend of a service ("llm", "stt", "tts", "vision"), built once per process."""
    config = settings.AI_SERVICES[service]
    dotted_path = current_path(config["FALLBACK"] if fallback else config["BACKEND"])
    key = f"{service}:{dotted_path}"
    with _lock:
        if key not in _instances:
            _instances[key] = _build(dotted_path, dict(config.get("OPTIONS", {})))
        return _instances[key]


def reset_backends() -> None:
    """Forget built backends (tests that change settings.AI_SERVICES call this)."""
    with _lock:
        _instances.clear()


def backend_name(backend: Any) -> str:
    return type(backend).__name__


@dataclass
class ServiceResult(Generic[T]):
    """What a service call gave, which backend gave it, and what the candidate should be told."""

    value: T
    backend: str
    notices: list[str] = field(default_factory=list)
    fell_back: bool = False


def call_with_fallback(service: str, call: Callable[[Any], T]) -> ServiceResult[T]:
    """Run `call(backend)` on the configured backend; on a provider failure retry on the fallback.

    InputError is not retried: a corrupt file stays corrupt whichever backend reads it. A primary backend
    that keeps failing is skipped for a cool-down (interviews.ai.breaker) when there is a fallback to use.
    """
    primary = get_backend(service)
    config = settings.AI_SERVICES[service]
    has_fallback = current_path(config["FALLBACK"]) != current_path(config["BACKEND"])
    breaker = CircuitBreaker(service, backend_name(primary))
    try:
        if not has_fallback:
            return ServiceResult(call(primary), backend_name(primary))
        return ServiceResult(breaker.call(lambda: call(primary)), backend_name(primary))
    except InputError:
        raise
    except ServiceError as error:
        if not has_fallback:
            raise
        if not isinstance(error, CircuitOpen):
            logger.warning("%s backend %s failed, falling back: %s", service, backend_name(primary), error)
        secondary = get_backend(service, fallback=True)
        notice = f"{error.user_message} Switched to the offline {service.upper()} engine for now."
        return ServiceResult(call(secondary), backend_name(secondary), [notice], fell_back=True)
