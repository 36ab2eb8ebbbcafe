"""Gradio's queue loop must not spin: an idle web process once burnt ~3.4 % of a core polling it every 1 ms."""

from __future__ import annotations

import asyncio
import types

import gradio.queueing
import pytest

from interviews.live.app import QUEUE_POLL_SECONDS, poll_the_queue_gently
from interviews.live.mount import build_fastapi_app


async def _idle_polls(queue, seconds: float) -> int:
    """How often the queue's own loop wakes up in `seconds` with nothing queued."""
    wakes = 0
    real_sleep = asyncio.sleep

    async def counted_sleep(delay, *args, **kwargs):
        nonlocal wakes
        wakes += 1
        return await real_sleep(delay, *args, **kwargs)

    counting = types.SimpleNamespace(**{**vars(asyncio), "sleep": counted_sleep})
    queue.stopped = False
    queue.active_jobs = [None]
    original = gradio.queueing.asyncio
    gradio.queueing.asyncio = counting
    try:
        task = asyncio.ensure_future(queue.start_processing())
        await real_sleep(seconds)
        queue.stopped = True
        await task
    finally:
        gradio.queueing.asyncio = original
    return wakes


@pytest.mark.asyncio
async def test_the_mounted_live_apps_idle_queue_wakes_at_most_every_queue_poll_interval():
    (mounted,) = [route.app for route in build_fastapi_app().routes if hasattr(route.app, "get_blocks")]
    queue = mounted.get_blocks()._queue
    wakes = await _idle_polls(queue, 0.4)
    assert 1 <= wakes <= 0.4 / QUEUE_POLL_SECONDS + 2


@pytest.mark.asyncio
async def test_gradios_default_queue_would_spin():
    """The same measure on Gradio's defaults, so the check above can tell the difference."""
    import gradio as gr

    with gr.Blocks() as plain:
        gr.Button()
    plain.queue()
    assert await _idle_polls(plain._queue, 0.4) > 4 * (0.4 / QUEUE_POLL_SECONDS)


def test_a_gradio_that_renamed_the_polling_attributes_is_refused():
    blocks = types.SimpleNamespace(_queue=types.SimpleNamespace())
    with pytest.raises(RuntimeError, match="sleep_when_free"):
        poll_the_queue_gently(blocks)
