"""Bounded thread pools for speech, grading, TTS and vision, so the event loop never blocks on a model.

Two lanes, so one candidate's heavy upload cannot stall everyone else's answers:
    run_inference  interactive lane, urgent: the verdict a candidate is waiting for (INFERENCE_WORKERS threads)
    run_deferred   interactive lane, after any queued verdict: the interviewer's spoken reply
    run_bulk       bulk lane, its own INFERENCE_BULK_WORKERS threads: long recordings
    submit_live    interactive lane, after queued verdicts: an answer decoded segment by segment as it is spoken
    run_frame      vision lane, its own INFERENCE_VISION_WORKERS threads: streamed webcam frames, dropped
                   rather than queued (one in flight per candidate, at most VISION_FPS, none left waiting)
and `one_at_a_time`, which lets each candidate have at most one job of a kind in flight.

Work that may leave the web process is a *job* (`@job("answer")`, interviews.jobs): a function of JSON
arguments with a JSON result. Without a broker, a job runs in these lanes like any call. With
CELERY_BROKER_URL set, the lanes send it to a Celery worker instead (queue "interactive" or "bulk",
interviews.tasks) and wait for its result on the channel layer: one code path for the work, two ways to run it.
Jobs with a key (an answer's submission id) run once per key, however often they are asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
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

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections

from interviews.ai.registry import InputError, ServiceError

T = TypeVar("T")

logger = logging.getLogger(__name__)

# Lower runs first. A candidate waits on the verdict of their answer; the interviewer's spoken reply can
# follow a moment later (the page shows the text first), so speech waits behind any queued verdict work.
URGENT = 0
# A segment of an answer still being spoken: after any queued verdict (nobody waits on it yet), before the
# interviewer's spoken reply. Once the candidate stops, the last segments are URGENT.
LIVE = 5
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
VISION = "vision"
_pools: dict[str, PriorityPool] = {}
_lock = threading.Lock()


def get_executor(lane: str = INTERACTIVE) -> PriorityPool:
    """The process-wide pool of `lane`, sized by INFERENCE_WORKERS / INFERENCE_BULK_WORKERS, built on first use."""
    with _lock:
        if lane not in _pools:
            if lane == INTERACTIVE:
                _pools[lane] = PriorityPool(settings.INFERENCE_WORKERS, name=lane)
            elif lane == VISION:
                _pools[lane] = PriorityPool(
                    settings.INFERENCE_VISION_WORKERS, name=lane, niceness=BULK_NICENESS
                )
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


def _start(
    lane: str, priority: int, func: Callable[..., T], args: tuple, kwargs: dict
) -> Future | asyncio.Future:
    """Start `func` in this process's pool, or on a Celery worker when it is a job and a broker is set."""
    name = getattr(func, "job_name", None)
    if name and settings.CELERY_BROKER_URL:
        if args:
            raise TypeError(f"job {name} takes keyword arguments only")
        remote = asyncio.ensure_future(_run_remote(name, lane, priority, kwargs))
        remote.add_done_callback(
            _retrieved
        )  # a caller that stopped waiting still frees its slot (one_at_a_time)
        return remote
    return _submit(lane, priority, func, args, kwargs)


def _retrieved(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # read, so asyncio does not log "exception was never retrieved"


async def _awaited(started: Future | asyncio.Future) -> T:
    if isinstance(started, Future):
        return await asyncio.wrap_future(started)
    return await asyncio.shield(started)  # the remote job goes on (and is awaited) if the caller leaves


async def _run(lane: str, priority: int, func: Callable[..., T], args: tuple, kwargs: dict) -> T:
    return await _awaited(_start(lane, priority, func, args, kwargs))


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


def submit_live(call: Callable[[], T], urgent: bool) -> Future:
    """Start `call()` in the interactive lane and return its Future (no awaiting): LIVE priority while the
    candidate speaks, URGENT once they stopped (interviews.ai.streaming_stt's `submit`)."""
    return _submit(INTERACTIVE, URGENT if urgent else LIVE, call, (), {})


def shutdown() -> None:
    """Stop every lane (tests that change INFERENCE_WORKERS call this)."""
    with _lock:
        for pool in _pools.values():
            pool.shutdown()
        _pools.clear()
    frame_gate.reset()


# --------------------------------------------------------------------------- streamed frames: drop, never queue


class FrameGate:
    """Which streamed frames are worth analysing: at most one per owner in flight, and at most one per
    `min_interval` seconds; the others are dropped at once (a stream sends the next picture soon enough)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[object] = set()
        self._next_due: dict[object, float] = {}

    def enter(self, owner: object, *, min_interval: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            if owner in self._busy or now < self._next_due.get(owner, 0.0):
                return False
            self._busy.add(owner)
            # A little slack: frames sent exactly every `min_interval` must not be dropped for jitter.
            self._next_due[owner] = now + 0.8 * min_interval
            return True

    def leave(self, owner: object) -> None:
        with self._lock:
            self._busy.discard(owner)

    def reset(self) -> None:
        with self._lock:
            self._busy.clear()
            self._next_due.clear()


frame_gate = FrameGate()
# A frame that waited longer than this for a vision thread is stale: the candidate has moved on, drop it.
FRAME_MAX_WAIT_SECONDS = 2.0


class FrameDropped(Exception):
    """The frame was not analysed: another one of this candidate is in flight, it came too soon, or it went stale."""


async def run_frame(owner: object, func: Callable[..., T], /, *args, **kwargs) -> T:
    """`func(*args, **kwargs)` for one streamed frame of `owner`, in the vision lane; FrameDropped when the frame
    is not worth the work (see FrameGate and FRAME_MAX_WAIT_SECONDS). Work per candidate stays bounded by
    VISION_FPS however fast a client sends frames, and the lane's queue never holds more than one frame each."""
    fps = float(settings.AI_SERVICES["vision"].get("OPTIONS", {}).get("frames_per_second", 1.0))
    if not frame_gate.enter(owner, min_interval=1.0 / max(fps, 0.01)):
        raise FrameDropped("busy or too soon")
    queued_at = time.monotonic()

    def fresh_only() -> T:
        if time.monotonic() - queued_at > FRAME_MAX_WAIT_SECONDS:
            raise FrameDropped("stale")
        return func(*args, **kwargs)

    try:
        return await _run(VISION, URGENT, fresh_only, (), {})
    finally:
        frame_gate.leave(owner)


# --------------------------------------------------------------------------- one job of a kind per candidate


class Slot:
    """A candidate's claim on one kind of job; falsy when another job of that kind is still in flight.

    Jobs are started through the slot (`await slot.run_inference(...)`, `await slot.run_bulk(...)`) so it knows
    which pool jobs to wait for before it is given back. Explicit rather than a context variable: Gradio runs
    each step of an async-generator callback in a context of its own.
    """

    def __init__(self, free: bool):
        self.free = free
        self.jobs: list[Future | asyncio.Future] = []

    def __bool__(self) -> bool:
        return self.free

    async def run_inference(self, func: Callable[..., T], /, *args, **kwargs) -> T:
        return await self._track(INTERACTIVE, URGENT, func, args, kwargs)

    async def run_bulk(self, func: Callable[..., T], /, *args, **kwargs) -> T:
        return await self._track(BULK, URGENT, func, args, kwargs)

    async def _track(self, lane: str, priority: int, func: Callable[..., T], args: tuple, kwargs: dict) -> T:
        started = _start(lane, priority, func, args, kwargs)
        self.jobs.append(started)
        return await _awaited(started)


@contextlib.asynccontextmanager
async def one_at_a_time(kind: str, owner: object, *, job: str = "") -> AsyncIterator[Slot]:
    """At most one `kind` job ("answer", "webcam") in flight for `owner` (a user id): yields a falsy Slot, and
    holds nothing, when one already is; the caller then says so and does no work.

        async with one_at_a_time("answer", user.pk) as slot:
            if not slot: ...refuse...
            state = await slot.run_inference(...)

    The slot is held until every pool job started through it has finished, even when the caller stops
    waiting (a closed tab must not let its jobs pile up), and in any case expires after
    INFERENCE_IN_FLIGHT_TTL seconds, so a job that never ends, or a crashed process, cannot lock a candidate out.

    `job` names the work (an answer's submission id): the same work asked for again, say after the web process
    that held the slot was restarted, shares the slot instead of being refused.
    """
    # A cache key, not a process-local lock: with a shared cache (Redis) it holds across processes; add is atomic.
    key = f"interbot:in-flight:{kind}:{owner}"
    work = _digest(job) if job else ""
    token = f"{work}.{uuid.uuid4().hex}"
    if not await _add_slot(key, token, timeout=settings.INFERENCE_IN_FLIGHT_TTL):
        held = await _held_slot(key) if work else None
        if not (isinstance(held, str) and held.split(".")[0] == work):
            yield Slot(False)
            return
        token = held  # the same work: share the slot, and free it when done if nobody did
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


def _held_slot_now(key: str) -> object:
    return cache.get(key)


def _release_slot_now(key: str, token: str) -> None:
    # Only our own slot: once the TTL has passed, another job of this candidate may hold the key.
    if cache.get(key) == token:
        cache.delete(key)


# Off the event loop: a shared cache is a network call.
_add_slot = sync_to_async(_add_slot_now, thread_sensitive=False)
_release_slot = sync_to_async(_release_slot_now, thread_sensitive=False)
_held_slot = sync_to_async(_held_slot_now, thread_sensitive=False)


def _release_when_done(key: str, token: str, running: list[Future | asyncio.Future]) -> None:
    """Free the slot once the last of `running` finishes (called in that job's pool thread, or on the event
    loop for a job on a Celery worker)."""
    left = [len(running)]
    lock = threading.Lock()

    def one_done(done: Future | asyncio.Future) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last and isinstance(done, asyncio.Future):
            asyncio.ensure_future(_release_slot(key, token))  # a cache call: off the event loop
        elif last:
            _release_slot_now(key, token)

    for job in running:
        job.add_done_callback(one_done)


# --------------------------------------------------------------------------- jobs, here or on Celery workers

_jobs: dict[str, Callable[..., object]] = {}
# The one Celery task that runs any job on a worker (interviews.tasks).
RUN_JOB_TASK = "interviews.run_job"
QUEUES = {INTERACTIVE: "interactive", BULK: "bulk"}
# Told to the candidate when a job of theirs had to be run again (a worker lost, a time limit hit).
RETRIED_NOTICE = "A server handling your answer stopped, so it was handled again; nothing was lost."
TOOK_TOO_LONG = "That is taking longer than it should."
FAILED = "Something went wrong while handling your answer."
RESULT_SECONDS = 10 * 60  # how long a job's result is kept for a repeated request (the same submission id)


def job(
    name: str, *, key: Callable[..., str] | None = None
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Mark `func` as a job that may run on a Celery worker: keyword arguments and result must be JSON.

    `key(**kwargs)` names the work it does (for an answer: interview and submission id; "" for none): a second
    request for the same key, while the first runs or soon after, gets the first one's result, not a second run.
    """

    def register(func: Callable[..., T]) -> Callable[..., T]:
        func.job_name = name  # type: ignore[attr-defined]
        func.job_key = key  # type: ignore[attr-defined]
        _jobs[name] = func
        return func

    return register


# Results travel on a channel layer instance of their own when settings name one ("inference"): the live
# page's websocket consumers receive on the default instance of the same process, and sharing one
# instance's receive loop with them lost results (bench_load against the cluster, 2026-11-30).
RESULTS_LAYER = "inference"
# How often a web process waiting for a job's result also looks for it in the cache (where every value is
# kept for RESULT_SECONDS), in case the layer's message was lost.
RESULT_POLL_SECONDS = 2.0


def _results_layer():
    return get_channel_layer(RESULTS_LAYER if RESULTS_LAYER in settings.CHANNEL_LAYERS else "default")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _work_of(name: str, kwargs: dict) -> str:
    """The de-duplication key of one request: its job's key, or a fresh one (every request is new work)."""
    key = getattr(_jobs.get(name), "job_key", None)
    named = key(**kwargs) if key else ""
    return _digest(f"{name}\x00{named}" if named else uuid.uuid4().hex)


def _cache_key(work: str, what: str) -> str:
    return f"interbot:job:{work}:{what}"


def _group(work: str) -> str:
    return f"inference-{work}"


def _claim_now(work: str) -> bool:
    """True for the first request of this work (it sends the task); later ones only wait for its result."""
    return cache.add(_cache_key(work, "claim"), 1, timeout=settings.CELERY_RESULT_WAIT)


def _send_now(name: str, kwargs: dict, work: str, lane: str, priority: int) -> None:
    from interbot_site.celery import app

    limit = settings.CELERY_BULK_TIME_LIMIT if lane == BULK else settings.CELERY_INTERACTIVE_TIME_LIMIT
    app.send_task(
        RUN_JOB_TASK,
        kwargs={"name": name, "kwargs": kwargs, "work": work},
        queue=QUEUES[lane],
        priority=min(priority, 9),  # kombu's Redis priority steps: 0 first ... 9 last
        soft_time_limit=limit,
        time_limit=limit + 15,  # past the soft limit, the worker process is killed and the job redelivered
    )


_claim = sync_to_async(_claim_now, thread_sensitive=False)
_send = sync_to_async(_send_now, thread_sensitive=False)
_cached_reply = sync_to_async(lambda work: cache.get(_cache_key(work, "result")), thread_sensitive=False)


async def _run_remote(name: str, lane: str, priority: int, kwargs: dict) -> object:
    """Send job `name` to a worker (unless the same work is already on its way) and await its result,
    which comes back over the channel layer to everyone waiting for that work."""
    work = _work_of(name, kwargs)
    layer = _results_layer()
    channel = await layer.new_channel("inference.")
    # Listen before asking, and look for a result only then: a result is either seen here or cached.
    await layer.group_add(_group(work), channel)
    try:
        reply = await _cached_reply(work)
        if reply is None:
            if await _claim(work):
                await _send(name, kwargs, work, lane, priority)
            reply = await _await_reply(layer, channel, work, name)
    finally:
        await layer.group_discard(_group(work), channel)
    return _unpacked(reply)


async def _await_reply(layer, channel: str, work: str, name: str) -> dict:
    """The job's reply from the channel layer, or from the cache when the message never comes (a layer
    message lost to a dropped connection): every RESULT_POLL_SECONDS the cache is looked at too."""
    receiving = asyncio.ensure_future(layer.receive(channel))
    try:
        async with asyncio.timeout(settings.CELERY_RESULT_WAIT):
            while True:
                done, _ = await asyncio.wait({receiving}, timeout=RESULT_POLL_SECONDS)
                if done:
                    return receiving.result()["reply"]
                cached = await _cached_reply(work)
                if cached is not None:
                    logger.warning("job %s: result taken from the cache, its message never came", name)
                    return cached
    except TimeoutError:
        raise ServiceError(f"no result of job {name} in time", user_message=TOOK_TOO_LONG) from None
    finally:
        if not receiving.done():
            receiving.cancel()  # never awaited again: cancelling once is safe for the layer's receive loop


def _unpacked(reply: dict) -> object:
    """A job's result as the caller would get it in this process: its value, or its exception raised."""
    if reply.get("error") == "input":
        raise InputError(reply.get("message", ""), user_message=reply.get("user_message"))
    if reply.get("error"):
        raise ServiceError(reply.get("message", ""), user_message=reply.get("user_message") or FAILED)
    value = reply.get("value")
    if reply.get("retried") and isinstance(value, dict) and isinstance(value.get("notices"), list):
        value["notices"].append(RETRIED_NOTICE)
    return value


def perform_job(
    name: str,
    kwargs: dict,
    work: str,
    *,
    retry: Callable[[], BaseException],
    on_retry: Callable[[dict], None] = lambda kwargs: None,
) -> dict:
    """Run a job on a Celery worker (interviews.tasks) and send its result to every web process waiting.

    A result already computed is sent again, not recomputed. Each delivery counts as an attempt (a worker
    lost mid-job is one): after CELERY_JOB_ATTEMPTS the job fails for good, and the candidate is told.
    An unexpected error raises `retry()` (Celery's) while attempts are left.
    """
    reply = cache.get(_cache_key(work, "result"))
    if reply is None:
        attempts_key = _cache_key(work, "attempts")
        cache.add(attempts_key, 0, timeout=RESULT_SECONDS)
        attempt = cache.incr(attempts_key)
        reply = _attempt(name, kwargs, work, attempt, retry=retry, on_retry=on_retry)
        if "value" in reply:
            cache.set(_cache_key(work, "result"), reply, timeout=RESULT_SECONDS)
        cache.delete_many([attempts_key, _cache_key(work, "claim")])
    async_to_sync(_results_layer().group_send)(_group(work), {"type": "inference.result", "reply": reply})
    return reply


def _attempt(
    name: str,
    kwargs: dict,
    work: str,
    attempt: int,
    *,
    retry: Callable[[], BaseException],
    on_retry: Callable[[dict], None],
) -> dict:
    logger.info("job %s work=%s attempt %d", name, work, attempt)  # work: the de-duplication key
    if attempt > settings.CELERY_JOB_ATTEMPTS:
        logger.error("job %s failed %d times: given up", name, attempt - 1)
        return {"error": "service", "message": f"{name}: gave up after {attempt - 1} attempts"}
    if attempt > 1:
        logger.warning("job %s: attempt %d", name, attempt)
        on_retry(kwargs)
    try:
        value = _jobs[name](**kwargs)
    except InputError as problem:
        return {"error": "input", "message": str(problem), "user_message": problem.user_message}
    except ServiceError as problem:  # the registry's fallback failed too: running it again would not help
        return {"error": "service", "message": str(problem), "user_message": problem.user_message}
    except Exception as problem:
        logger.exception("job %s failed (attempt %d)", name, attempt)
        if attempt < settings.CELERY_JOB_ATTEMPTS:
            raise retry() from problem
        return {"error": "service", "message": f"{name}: {problem!r}"}
    return {"value": value, "retried": attempt > 1}
