"""gr.Blocks that processes only the outputs a callback names.

The live app's callbacks return {component: value} for the few outputs that change. Gradio fills every other
output of the event with `skip()`, and then treats each skip as an empty property update: it builds that
component anew and recomputes its session config, API schema included. The submit event has 22 outputs;
"Evaluating…" names 5, the spoken reply 1: ~12 ms of the event loop per yield, 1-3.5 ms without the rebuilds
(benchmarks/README.md, "Sizing"). Processing only the named outputs and answering the others with the skip
message Gradio itself would send leaves what the browser receives unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

import gradio as gr
from gradio.blocks import Block, postprocess_update_dict


def _skipped(block: Block, postprocess: bool) -> Any:
    """What Gradio sends for an output left as it is (an HTML component wraps it in "props")."""
    return postprocess_update_dict(block=block, update_dict=gr.skip(), postprocess=postprocess)


class LiveBlocks(gr.Blocks):
    async def postprocess_data(self, block_fn, predictions, state) -> list[Any]:
        named = _named_positions(block_fn.outputs, predictions)
        if named is None:
            return await super().postprocess_data(block_fn, predictions, state)
        narrowed = copy.copy(block_fn)
        narrowed.outputs = [block_fn.outputs[i] for i in named]
        processed = iter(await super().postprocess_data(narrowed, predictions, state))
        return [
            next(processed) if i in named else _skipped(block, block_fn.postprocess)
            for i, block in enumerate(block_fn.outputs)
        ]


def _named_positions(outputs: list[Block], predictions: Any) -> list[int] | None:
    """Positions of the outputs a {component: value} result names; None where Gradio's own path must run.

    At least two must be named: Gradio unwraps the result of a single-output event differently.
    """
    if not isinstance(predictions, dict) or not predictions or predictions == gr.skip():
        return None
    if not all(isinstance(key, Block) for key in predictions):
        return None
    position = {block._id: i for i, block in enumerate(outputs)}
    named = sorted(position.get(key._id, -1) for key in predictions)
    if named[0] < 0 or len(named) < 2 or len(named) == len(outputs):
        return None
    return named
