"""A bounded, prioritised thread pool for speech, grading, TTS and vision, so the event loop never blocks on a model."""
from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections

T = TypeVar("T")

logger = logging.getLogger(__name__)

# Lower runs first. A candidate waits on the verdict of their answer; the interviewer's spoken reply can
# follow a moment later (the page shows the text first), so speech waits behind any queued verdict work.
URGENT = 0
DEFERRED = 10


class PriorityPool:
    """`workers` threads taking jobs by (priority, arrival order): a FIFO pool with a fast lane."""

    def __init__(self, workers: int, *, name: str = "inference"):
        self._queue: list[tuple[int, int, Callable[[], object], Future]] = []
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}_{n}", daemon=True) for n in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, call: Callable[[], T], *, priority: int = URGENT) -> Future:
        future: Future = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("the inference pool is shut down")
            heapq.heappush(self._queue, (priority, next(self._order), _timed(call, priority), future))
            self._ready.notify()
        return future

    def queued(self) -> int:
        with self._ready:
            return len(self._queue)

    def shutdown(self) -> None:
        """Stop taking jobs, cancel the queued ones; running jobs finish on their own."""
        with self._ready:
            self._closed = True
            for _, _, _, future in self._queue:
                future.cancel()
            self._queue.clear()
            self._ready.notify_all()

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if not self._queue:
                    return
                _, _, call, future = heapq.heappop(self._queue)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as error:  # noqa: BLE001 - handed to the awaiting caller
                future.set_exception(error)
            else:
                future.set_result(result)


def _timed(call: Callable[[], T], priority: int) -> Callable[[], T]:
    """`call`, logging (INFO on this module's logger) how long it queued and ran: the pool's saturation signal."""
    queued_at = time.perf_counter()

    def timed() -> T:
        started = time.perf_counter()
        try:
            return call()
        finally:
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "inference job %s priority=%d waited=%.3fs ran=%.3fs", _name_of(call), priority,
                    started - queued_at, time.perf_counter() - started,
                )

    return timed


def _name_of(call: Callable) -> str:
    while isinstance(call, functools.partial):
        inner = [a for a in call.args if callable(a)]
        call = inner[0] if call.func is _with_fresh_connections and inner else call.func
    return getattr(call, "__qualname__", repr(call))


_pool: PriorityPool | None = None
_lock = threading.Lock()


def get_executor() -> PriorityPool:
    """The process-wide pool, sized by settings.INFERENCE_WORKERS and built on first use."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = PriorityPool(settings.INFERENCE_WORKERS)
        return _pool


def _with_fresh_connections(call: Callable[[], T]) -> T:
    # Pool threads outlive requests: drop stale or broken DB connections as Django's request cycle would.
    close_old_connections()
    try:
        return call()
    finally:
        close_old_connections()


async def _run(priority: int, func: Callable[..., T], args: tuple, kwargs: dict) -> T:
    call = functools.partial(_with_fresh_connections, functools.partial(func, *args, **kwargs))
    return await asyncio.wrap_future(get_executor().submit(call, priority=priority))


async def run_inference(func: Callable[..., T], /, *args, **kwargs) -> T:
    """Run `func(*args, **kwargs)` in the pool and await its result; at most INFERENCE_WORKERS run at once."""
    return await _run(URGENT, func, args, kwargs)


async def run_deferred(func: Callable[..., T], /, *args, **kwargs) -> T:
    """As run_inference, at low priority: for work nobody is blocked on yet, such as the spoken reply."""
    return await _run(DEFERRED, func, args, kwargs)


def shutdown() -> None:
    """Stop the pool (tests that change INFERENCE_WORKERS call this)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown()
            _pool = None
