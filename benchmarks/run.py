"""Runs every benchmark and prints one table per benchmark: `python -m benchmarks.run [name ...]`."""

from __future__ import annotations

import importlib
import os
import sys
import time

from benchmarks._common import MissingEvalData, print_table

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interbot_site.settings")
os.environ.setdefault("DEBUG", "1")

BENCHMARKS = [
    "bench_stt",
    "bench_vision",
    "bench_faces",
    "bench_grading",
    "bench_turn",
    "bench_analytics",
    "bench_load",
    "bench_fairness",
    "bench_skills",
]


def main(names: list[str]) -> int:
    import django

    django.setup()
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        try:
            rows = module.run()
        except MissingEvalData as missing:  # the others can still run
            print(f"\n{missing} Skipped.", file=sys.stderr)
            continue
        print_table(f"{name} ({time.perf_counter() - started:.0f} s)", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
