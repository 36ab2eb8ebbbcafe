"""Bounded thread pools for speech, grading, TTS and vision, so the event loop never blocks on a model.

Two lanes, so one candidate's heavy upload cannot stall everyone else's answers:
    run_inference  interactive lane, urgent: the verdict a candidate is waiting for (INFERENCE_WORKERS threads)
    run_deferred   interactive lane, after any queued verdict: the interviewer's spoken reply
    run_bulk       bulk lane, its own INFERENCE_BULK_WORKERS threads: webcam clips, long recordings
and `one_at_a_time`, which lets each candidate have at most one job of a kind in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections

T = TypeVar("T")

logger = logging.getLogger(__name__)

# Lower runs first. A candidate waits on the verdict of their answer; the interviewer's spoken reply can
# follow a moment later (the page shows the text first), so speech waits behind any queued verdict work.
URGENT = 0
DEFERRED = 10
# The bulk lane's threads run at this `nice` value: when the cores are short, the scheduler serves verdicts first.
BULK_NICENESS = 10


class PriorityPool:
    """`workers` threads taking jobs by (priority, arrival order): a FIFO pool with a fast lane."""

    def __init__(self, workers: int, *, name: str = "inference", niceness: int = 0):
        self.name = name
        self._niceness = niceness
        self._queue: list[tuple[int, int, Callable[[], object], Future]] = []
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}_{n}", daemon=True)
            for n in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, call: Callable[[], T], *, priority: int = URGENT) -> Future:
        future: Future = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("the inference pool is shut down")
            heapq.heappush(
                self._queue, (priority, next(self._order), _timed(call, priority, self.name), future)
            )
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
        if self._niceness:
            try:  # Linux: a thread's own nice value (threads are tasks); any process may lower its priority
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._niceness)
            except (AttributeError, OSError):
                logger.warning("could not lower the priority of %s", threading.current_thread().name)
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


def _timed(call: Callable[[], T], priority: int, lane: str) -> Callable[[], T]:
    """`call`, logging (INFO on this module's logger) how long it queued and ran: the pool's saturation signal."""
    queued_at = time.perf_counter()

    def timed() -> T:
        started = time.perf_counter()
        try:
            return call()
        finally:
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "inference job %s priority=%d waited=%.3fs ran=%.3fs lane=%s",
                    _name_of(call),
                    priority,
                    started - queued_at,
                    time.perf_counter() - started,
                    lane,
                )

    return timed


def _name_of(call: Callable) -> str:
    while isinstance(call, functools.partial):
        inner = [a for a in call.args if callable(a)]
        call = inner[0] if call.func is _with_fresh_connections and inner else call.func
    return getattr(call, "__qualname__", repr(call))


INTERACTIVE = "inference"
BULK = "bulk"
_pools: dict[str, PriorityPool] = {}
_lock = threading.Lock()


def get_executor(lane: str = INTERACTIVE) -> PriorityPool:
    """The process-wide pool of `lane`, sized by INFERENCE_WORKERS / INFERENCE_BULK_WORKERS, built on first use."""
    with _lock:
        if lane not in _pools:
            if lane == INTERACTIVE:
                _pools[lane] = PriorityPool(settings.INFERENCE_WORKERS, name=lane)
            else:
                _pools[lane] = PriorityPool(
                    settings.INFERENCE_BULK_WORKERS, name=lane, niceness=BULK_NICENESS
                )
        return _pools[lane]


def _with_fresh_connections(call: Callable[[], T]) -> T:
    # Pool threads outlive requests: drop stale or broken DB connections as Django's request cycle would.
    close_old_connections()
    try:
        return call()
    finally:
        close_old_connections()


def _submit(lane: str, priority: int, func: Callable[..., T], args: tuple, kwargs: dict) -> Future:
    call = functools.partial(_with_fresh_connections, functools.partial(func, *args, **kwargs))
    return get_executor(lane).submit(call, priority=priority)


async def _run(lane: str, priority: int, func: Callable[..., T], args: tuple, kwargs: dict) -> T:
    return await asyncio.wrap_future(_submit(lane, priority, func, args, kwargs))


async def run_inference(func: Callable[..., T], /, *args, **kwargs) -> T:
    """Run `func(*args, **kwargs)` in the interactive lane and await its result; at most INFERENCE_WORKERS at once."""
    return await _run(INTERACTIVE, URGENT, func, args, kwargs)


async def run_deferred(func: Callable[..., T], /, *args, **kwargs) -> T:
    """As run_inference, at low priority: for work nobody is blocked on yet, such as the spoken reply."""
    return await _run(INTERACTIVE, DEFERRED, func, args, kwargs)


async def run_bulk(func: Callable[..., T], /, *args, **kwargs) -> T:
    """As run_inference, in the bulk lane: long work (webcam clips, long recordings) that must never hold up
    the interactive lane's verdicts. FIFO over INFERENCE_BULK_WORKERS threads of its own."""
    return await _run(BULK, URGENT, func, args, kwargs)


def shutdown() -> None:
    """Stop both lanes (tests that change INFERENCE_WORKERS call this)."""
    with _lock:
        for pool in _pools.values():
            pool.shutdown()
        _pools.clear()


# --------------------------------------------------------------------------- one job of a kind per candidate


class Slot:
    """A candidate's claim on one kind of job; falsy when another job of that kind is still in flight.

    Jobs are started through the slot (`await slot.run_inference(...)`, `await slot.run_bulk(...)`) so it knows
    which pool jobs to wait for before it is given back. Explicit rather than a context variable: Gradio runs
    each step of an async-generator callback in a context of its own.
    """

    def __init__(self, free: bool):
        self.free = free
        self.jobs: list[Future] = []

    def __bool__(self) -> bool:
        return self.free

    async def run_inference(self, func: Callable[..., T], /, *args, **kwargs) -> T:
        return await self._track(INTERACTIVE, URGENT, func, args, kwargs)

    async def run_bulk(self, func: Callable[..., T], /, *args, **kwargs) -> T:
        return await self._track(BULK, URGENT, func, args, kwargs)

    async def _track(self, lane: str, priority: int, func: Callable[..., T], args: tuple, kwargs: dict) -> T:
        future = _submit(lane, priority, func, args, kwargs)
        self.jobs.append(future)
        return await asyncio.wrap_future(future)


@contextlib.asynccontextmanager
async def one_at_a_time(kind: str, owner: object) -> AsyncIterator[Slot]:
    """At most one `kind` job ("answer", "webcam") in flight for `owner` (a user id): yields a falsy Slot, and
    holds nothing, when one already is; the caller then says so and does no work.

        async with one_at_a_time("answer", user.pk) as slot:
            if not slot: ...refuse...
            state = await slot.run_inference(...)

    The slot is held until every pool job started through it has finished, even when the caller stops
    waiting (a closed tab must not let its jobs pile up), and in any case expires after
    INFERENCE_IN_FLIGHT_TTL seconds, so a job that never ends, or a crashed process, cannot lock a candidate out.
    """
    # A cache key, not a process-local lock: with a shared cache (Redis) it holds across processes; add is atomic.
    key = f"interbot:in-flight:{kind}:{owner}"
    token = uuid.uuid4().hex
    if not await _add_slot(key, token, timeout=settings.INFERENCE_IN_FLIGHT_TTL):
        yield Slot(False)
        return
    slot = Slot(True)
    try:
        yield slot
    finally:
        running = [job for job in slot.jobs if not job.done()]
        if running:
            _release_when_done(key, token, running)
        else:
            await _release_slot(key, token)  # in a thread: a cancelled caller cannot stop the release


def _add_slot_now(key: str, token: str, *, timeout: int) -> bool:
    return cache.add(key, token, timeout=timeout)


def _release_slot_now(key: str, token: str) -> None:
    # Only our own slot: once the TTL has passed, another job of this candidate may hold the key.
    if cache.get(key) == token:
        cache.delete(key)


# Off the event loop: a shared cache is a network call.
_add_slot = sync_to_async(_add_slot_now, thread_sensitive=False)
_release_slot = sync_to_async(_release_slot_now, thread_sensitive=False)


def _release_when_done(key: str, token: str, running: list[Future]) -> None:
    """Free the slot once the last of `running` finishes (called in that job's worker thread)."""
    left = [len(running)]
    lock = threading.Lock()

    def one_done(_: Future) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last:
            _release_slot_now(key, token)

    for job in running:
        job.add_done_callback(one_done)
