"""A job for the worker-loss test: it records each attempt's process id, and its first attempt takes long."""

from __future__ import annotations

import os
import time

from interviews.ai.inference import job


@job("test_slow_job")
def slow_job(*, path: str) -> dict:
    with open(path, "a") as attempts:
        attempts.write(f"{os.getpid()}\n")
    with open(path) as attempts:
        first = len(attempts.read().split()) == 1
    if first:
        time.sleep(60)  # killed before this ends
    return {"pid": os.getpid(), "notices": []}
