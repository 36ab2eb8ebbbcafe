"""Thread budgets of the embedded models: one thread per model call, as the inference pool runs one call per core."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np
import pytest

from interviews.ai import embeddings


def openblas_threads() -> int | None:
    for library in (Path(np.__file__).parent.parent / "numpy.libs").glob("*openblas*.so*"):
        getter = getattr(ctypes.CDLL(str(library)), "scipy_openblas_get_num_threads64_", None)
        if getter is not None:
            return getter()
    return None


@pytest.mark.skipif("OPENBLAS_NUM_THREADS" in os.environ, reason="an explicit OPENBLAS_NUM_THREADS wins")
@pytest.mark.skipif(openblas_threads() is None, reason="this numpy bundles no scipy-openblas")
def test_the_grader_runs_numpy_on_the_configured_blas_threads(settings):
    settings.INFERENCE_BLAS_THREADS = 1
    embeddings.limit_blas_threads(2)

    embeddings._encoder = None  # load again, as a fresh server process does
    embeddings.get_encoder()

    assert openblas_threads() == 1
