"""Skill extraction (issue 13): precision, recall and seniority on the 32 job descriptions written for the
tests (tests/data/jobs), per split: "dev" was used to choose the terms and the embedding threshold,
"held_out" only to report. Lexical terms alone vs terms + embedding matches; extraction time per
description as a ratio to the lexical-only time measured in the same run."""

from __future__ import annotations

import json
import os
import time

from benchmarks._common import ROOT

JOBS = ROOT / "tests" / "data" / "jobs" / "job_descriptions.json"


def _score(jobs: list[dict], *, use_embeddings: bool) -> dict:
    from interviews.skills.extraction import extract_profile

    found = expected = hits = right_level = 0
    started = time.perf_counter()
    for job in jobs:
        profile = extract_profile(job["text"], use_embeddings=use_embeddings)
        got, wanted = set(profile.slugs), set(job["expected"])
        found, expected, hits = found + len(got), expected + len(wanted), hits + len(got & wanted)
        right_level += profile.seniority == job["seniority"]
    elapsed = (time.perf_counter() - started) / len(jobs)
    return {
        "precision": round(hits / found, 3),
        "recall": round(hits / expected, 3),
        "seniority": f"{right_level}/{len(jobs)}",
        "seconds_per_job": elapsed,
    }


def run() -> list[dict]:
    from interviews.ai import embeddings

    jobs = json.loads(JOBS.read_text())["jobs"]
    embeddings.embed(["warm-up"])  # model load is not extraction time
    rows = []
    for split in ("dev", "held_out"):
        part = [job for job in jobs if job["split"] == split]
        lexical = _score(part, use_embeddings=False)
        both = _score(part, use_embeddings=True)
        for name, result in (("terms", lexical), ("terms + embedding", both)):
            rows.append(
                {
                    "split": split,
                    "jobs": len(part),
                    "matching": name,
                    "precision": result["precision"],
                    "recall": result["recall"],
                    "seniority": result["seniority"],
                    "time vs terms": round(result["seconds_per_job"] / lexical["seconds_per_job"], 1),
                    "load": round(os.getloadavg()[0], 1),
                }
            )
    return rows
