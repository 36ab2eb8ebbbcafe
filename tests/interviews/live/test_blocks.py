"""LiveBlocks answers the browser exactly as Gradio does, without rebuilding the outputs a callback left out."""

from __future__ import annotations

import gradio as gr
import pytest
from gradio.state_holder import SessionState

from interviews.live.blocks import LiveBlocks
from interviews.live.mount import build_fastapi_app


@pytest.fixture(scope="module")
def live_blocks() -> LiveBlocks:
    (mounted,) = [route.app for route in build_fastapi_app().routes if hasattr(route.app, "get_blocks")]
    blocks = mounted.get_blocks()
    assert isinstance(blocks, LiveBlocks)
    return blocks


def _event(blocks, name: str):
    return next(fn for fn in blocks.fns.values() if fn.name == name)


def _by_id(fn, elem_id: str):
    return next(block for block in fn.outputs if getattr(block, "elem_id", None) == elem_id)


def _results(fn) -> dict[str, dict]:
    """What the submit event's callbacks yield, in shape: busy, a verdict's render, the spoken reply."""
    busy = {
        _by_id(fn, "live-submit"): gr.update(interactive=False, value="Evaluating…"),
        _by_id(fn, "live-mic"): gr.update(interactive=False),
        _by_id(fn, "live-answer-text"): gr.update(interactive=False),
    }
    render = {
        _by_id(fn, "live-question"): "<p>What is a hash map?</p>",
        _by_id(fn, "live-transcript"): "a map from keys to buckets",
        _by_id(fn, "live-verdict"): "<p>Correct</p>",
        _by_id(fn, "live-submit"): gr.update(interactive=True, value="Submit answer", visible=True),
        _by_id(fn, "live-mic"): gr.update(value=None, interactive=True, visible=True),
        _by_id(fn, "live-answer-text"): gr.update(value="", interactive=True, visible=True),
        _by_id(fn, "live-confirm-yes"): gr.update(interactive=True, visible=False),
        _by_id(fn, "live-submission-id"): "a1b2c3",
    }
    spoken = {_by_id(fn, "live-voice"): None, _by_id(fn, "live-status"): "<p></p>"}
    return {"busy": busy, "render": render, "spoken": spoken}


@pytest.mark.asyncio
@pytest.mark.parametrize("result", ["busy", "render", "spoken"])
async def test_the_browser_receives_what_gradio_itself_would_send(live_blocks, result):
    fn = _event(live_blocks, "on_submit")
    ours = await live_blocks.postprocess_data(fn, _results(fn)[result], SessionState(live_blocks))
    gradios = await gr.Blocks.postprocess_data(
        live_blocks, fn, _results(fn)[result], SessionState(live_blocks)
    )
    assert len(ours) == len(fn.outputs) == len(gradios)
    assert ours == gradios


@pytest.mark.asyncio
async def test_named_updates_reach_the_sessions_config(live_blocks):
    fn = _event(live_blocks, "on_submit")
    state = SessionState(live_blocks)
    await live_blocks.postprocess_data(fn, _results(fn)["busy"], state)
    submit = _by_id(fn, "live-submit")
    assert state.config_values[submit._id]["props"]["interactive"] is False
    assert state.config_values[submit._id]["props"]["value"] == "Evaluating…"


@pytest.mark.asyncio
async def test_outputs_left_out_are_not_rebuilt(live_blocks, monkeypatch):
    fn = _event(live_blocks, "on_submit")
    built = []
    real_init = gr.Checkbox.__init__

    def counted_init(self, *args, **kwargs):
        built.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(
        gr.Checkbox, "__init__", counted_init
    )  # the camera switch: an output nobody names here
    await live_blocks.postprocess_data(fn, _results(fn)["busy"], SessionState(live_blocks))
    assert built == []
    await gr.Blocks.postprocess_data(live_blocks, fn, _results(fn)["busy"], SessionState(live_blocks))
    assert len(built) == 1  # Gradio's own path rebuilds it, which is what LiveBlocks saves


@pytest.mark.asyncio
async def test_results_gradio_must_unwrap_itself_take_its_own_path(live_blocks):
    fn = _event(live_blocks, "on_submit")
    one = {_by_id(fn, "live-status"): "<p>Transcribing…</p>"}
    ours = await live_blocks.postprocess_data(fn, one, SessionState(live_blocks))
    assert ours == await gr.Blocks.postprocess_data(live_blocks, fn, one, SessionState(live_blocks))
    everything_skipped = await live_blocks.postprocess_data(fn, gr.skip(), SessionState(live_blocks))
    assert len(everything_skipped) == len(fn.outputs)
