"""The inference pool: bounded by settings.INFERENCE_WORKERS, and the event loop stays free meanwhile."""

import asyncio
import contextlib
import threading
import time

import pytest

from interviews.ai import inference

pytestmark = pytest.mark.asyncio


@pytest.fixture
def two_workers(settings):
    inference.shutdown()
    settings.INFERENCE_WORKERS = 2
    yield
    inference.shutdown()


async def test_no_more_than_the_configured_workers_run_at_once(two_workers):
    running = 0
    most = 0
    lock = threading.Lock()

    def slow_model_call(seconds: float) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(seconds)
        with lock:
            running -= 1
        return threading.current_thread().name

    names = await asyncio.gather(*(inference.run_inference(slow_model_call, 0.05) for _ in range(6)))
    assert most == 2
    assert all(name.startswith("inference") for name in names)


async def test_the_event_loop_keeps_serving_while_inference_runs(two_workers):
    ticks = 0

    async def heartbeat():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    await inference.run_inference(time.sleep, 0.3)
    beating.cancel()
    assert ticks >= 10  # a blocking call on the loop would have allowed none


async def test_an_exception_in_the_pool_reaches_the_caller(two_workers):
    def broken():
        raise ValueError("model exploded")

    with pytest.raises(ValueError, match="model exploded"):
        await inference.run_inference(broken)


@pytest.fixture
def one_worker(settings):
    inference.shutdown()
    settings.INFERENCE_WORKERS = 1
    yield settings
    inference.shutdown()


async def _order_of_queued_jobs(queue_jobs) -> list[str]:
    """Hold the only worker busy, queue jobs through `queue_jobs(record)`, release it; the order they ran in."""
    gate = threading.Event()
    ran: list[str] = []

    def record(label: str) -> None:
        ran.append(label)

    blocker = asyncio.ensure_future(inference.run_inference(gate.wait, 5))
    while inference.get_executor().queued():  # until the worker has taken the blocker
        await asyncio.sleep(0.005)
    queued = queue_jobs(record)
    while inference.get_executor().queued() < len(queued):
        await asyncio.sleep(0.005)
    gate.set()
    await asyncio.gather(blocker, *queued)
    return ran


async def test_verdict_work_overtakes_queued_speech(one_worker):
    def queue_jobs(record):
        return [
            asyncio.ensure_future(inference.run_deferred(record, "reply speech of candidate 1")),
            asyncio.ensure_future(inference.run_inference(record, "verdict of candidate 2")),
            asyncio.ensure_future(inference.run_deferred(record, "reply speech of candidate 2")),
            asyncio.ensure_future(inference.run_inference(record, "verdict of candidate 3")),
        ]

    ran = await _order_of_queued_jobs(queue_jobs)

    assert ran == [
        "verdict of candidate 2",
        "verdict of candidate 3",
        "reply speech of candidate 1",
        "reply speech of candidate 2",
    ]


async def test_a_cancelled_caller_frees_its_place_in_the_queue(one_worker):
    gate = threading.Event()
    ran: list[str] = []
    blocker = asyncio.ensure_future(inference.run_inference(gate.wait, 5))
    while inference.get_executor().queued():
        await asyncio.sleep(0.005)
    abandoned = asyncio.ensure_future(inference.run_inference(ran.append, "abandoned"))
    await asyncio.sleep(0.01)
    abandoned.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await abandoned
    await asyncio.sleep(0.01)  # the cancellation reaches the pool's future in a loop callback
    gate.set()
    await blocker
    await inference.run_inference(ran.append, "next")

    assert ran == ["next"]


# --- The bulk lane and the per-candidate slots ---------------------------------------------------


@pytest.fixture
def lanes(settings):
    inference.shutdown()
    settings.INFERENCE_WORKERS = 1
    settings.INFERENCE_BULK_WORKERS = 1
    yield settings
    inference.shutdown()


async def test_bulk_work_runs_on_its_own_threads_and_verdicts_pass_a_busy_bulk_lane(lanes):
    gate = threading.Event()
    bulk = asyncio.ensure_future(inference.run_bulk(gate.wait, 5))
    queued_clip = asyncio.ensure_future(inference.run_bulk(threading.current_thread))
    try:
        verdict_thread = await asyncio.wait_for(inference.run_inference(threading.current_thread), 5)
        assert not gate.is_set() and not queued_clip.done()
    finally:
        gate.set()
    await bulk
    assert verdict_thread.name.startswith("inference")
    assert (await queued_clip).name.startswith("bulk")


async def _slot_is_free(kind: str, owner: int) -> bool:
    async with inference.one_at_a_time(kind, owner) as free:
        return free


async def test_a_candidate_gets_one_slot_of_a_kind_and_others_are_not_affected(lanes):
    async with inference.one_at_a_time("answer", 1) as first:
        assert first
        assert not await _slot_is_free("answer", 1)
        assert await _slot_is_free("webcam", 1)
        assert await _slot_is_free("answer", 2)
    assert await _slot_is_free("answer", 1)


async def test_a_job_that_crashes_frees_the_candidates_slot(lanes):
    def broken():
        raise ValueError("model exploded")

    with pytest.raises(ValueError):
        async with inference.one_at_a_time("answer", 7) as slot:
            assert slot
            await slot.run_inference(broken)

    assert await _slot_is_free("answer", 7)


async def test_a_caller_that_stops_waiting_keeps_the_slot_until_its_job_ends(lanes):
    gate = threading.Event()
    started = threading.Event()

    def long_clip():
        started.set()
        gate.wait(5)

    async def analyse():
        async with inference.one_at_a_time("webcam", 9) as slot:
            await slot.run_bulk(long_clip)

    caller = asyncio.ensure_future(analyse())
    assert await asyncio.to_thread(started.wait, 5)
    caller.cancel()  # the tab was closed; the clip keeps running in its worker
    with contextlib.suppress(asyncio.CancelledError):
        await caller
    assert not await _slot_is_free("webcam", 9)

    gate.set()
    for _ in range(200):
        if await _slot_is_free("webcam", 9):
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the slot was not freed when the job ended")


async def test_a_slot_nobody_frees_expires_after_the_ttl(lanes):
    lanes.INFERENCE_IN_FLIGHT_TTL = 1
    held = inference.one_at_a_time("answer", 11)
    assert await held.__aenter__()  # ...and never left, as when the process dies mid-job
    assert not await _slot_is_free("answer", 11)

    await asyncio.sleep(1.2)

    assert await _slot_is_free("answer", 11)


async def test_bulk_threads_yield_the_cores_to_verdicts(lanes):
    import os

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert await inference.run_bulk(niceness) > await inference.run_inference(niceness)
