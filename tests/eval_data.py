"""Where the tests' real media live: `tests/data` inside the repository, so a bare clone passes.

`EVAL` is the larger public evaluation set (`../shared/eval` beside the repository, or EVAL_DIR): only
the benchmarks need it; a test that wants it calls `require_eval`, which skips naming what is missing.
"""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"  # a few real clips, photos and a face video; sources in tests/data/README.md
EVAL = Path(os.environ.get("EVAL_DIR", REPO.parent / "shared" / "eval"))


def require_eval(relative: str) -> Path:
    """`EVAL / relative`, or skip the test with a message saying which evaluation data is missing."""
    path = EVAL / relative
    if not path.exists():
        pytest.skip(f"needs the evaluation data {path} (see benchmarks/README.md, 'Data'; set EVAL_DIR)")
    return path
