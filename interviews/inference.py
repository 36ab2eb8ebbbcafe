"""A bounded thread pool for speech, grading, TTS and vision, so the event loop never blocks on a model."""
from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections

T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def get_executor() -> ThreadPoolExecutor:
    """The process-wide pool, sized by settings.INFERENCE_WORKERS and built on first use."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=max(1, settings.INFERENCE_WORKERS), thread_name_prefix="inference"
            )
        return _executor


def _with_fresh_connections(call: Callable[[], T]) -> T:
    # Pool threads outlive requests: drop stale or broken DB connections as Django's request cycle would.
    close_old_connections()
    try:
        return call()
    finally:
        close_old_connections()


async def run_inference(func: Callable[..., T], /, *args, **kwargs) -> T:
    """Run `func(*args, **kwargs)` in the pool and await its result; at most INFERENCE_WORKERS run at once."""
    loop = asyncio.get_running_loop()
    call = functools.partial(func, *args, **kwargs)
    return await loop.run_in_executor(get_executor(), _with_fresh_connections, call)


def shutdown() -> None:
    """Stop the pool (tests that change INFERENCE_WORKERS call this)."""
    global _executor
    with _lock:
        if _executor is not None:
            _executor.shutdown(wait=False, cancel_futures=True)
            _executor = None
