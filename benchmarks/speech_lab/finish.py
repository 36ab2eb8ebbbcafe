"""The "finish interview" matcher the benchmark measures: the product's own (interviews/finish.py), re-exported.

Researched here, moved into the product with its tests (tests/interviews/test_finish.py); the bench
(`bench.py`) keeps calling `finish.finish_intent` so its figures are the product's.
"""

from __future__ import annotations

from interviews.finish import finish_intent, is_finish_command, sounds_like_command

__all__ = ["finish_intent", "is_finish_command", "sounds_like_command"]
