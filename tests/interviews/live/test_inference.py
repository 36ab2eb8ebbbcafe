"""The inference pool: bounded by settings.INFERENCE_WORKERS, and the event loop stays free meanwhile."""
import asyncio
import threading
import time

import pytest

from interviews import inference

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
