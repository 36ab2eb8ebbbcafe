"""The LLM grader on a local llama.cpp server beside the embedded grader: quality and seconds per grade.

`python -m benchmarks.run bench_local_llm` (needs `scripts/llama_server.sh build`; LLAMA_MODEL picks the model).
Data, chosen before any look at the results:
- ASAG: every k-th answer (LOCAL_LLM_ASAG, default 60 answers) of the questions whose sub-number is even, the
  split the embedded grader's constants were not fitted on (interviews/services/grading.py). The LLM fits
  nothing, so any answer would be unseen for it.
- Behavioural: the labelled set's "report" split (unseen general questions), every k-th answer
  (LOCAL_LLM_BEHAVIOURAL, default 30), 3 classes.
Both graders grade the same answers in the same run; seconds per grade are medians, with the load average.
The LLM grader is run as in the product (structured output, one repair retry, embedded fallback), without a
turn budget, so its own speed is measured; "fell back" counts answers the embedded grader had to take.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import time
from pathlib import Path

import httpx
import numpy as np

from benchmarks._common import MissingEvalData
from benchmarks.bench_grading import VERDICTS, bank_questions, confusion, labelled, load_asag, macro_f1

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "llama_server.sh"


def _every_kth(items: list, n: int) -> list:
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def _start_server() -> tuple[subprocess.Popen, str]:
    if subprocess.run([str(SCRIPT), "ready"], check=False).returncode != 0:
        raise MissingEvalData("bench_local_llm: no llama-server build (run scripts/llama_server.sh build).")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(SCRIPT), "serve", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(360):
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return server, url + "/v1"
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("llama-server did not start")


def _timed(grader, cases) -> tuple[list, list[float]]:
    grades, seconds = [], []
    for question, answer in cases:
        started = time.perf_counter()
        grades.append(grader.grade(question, answer))
        seconds.append(time.perf_counter() - started)
    return grades, seconds


def run() -> list[dict]:
    from interviews.ai.llm import OpenAICompatibleChat
    from interviews.services.grading import EmbeddingGrader, LLMGrader

    questions, samples = load_asag()
    held_out = [s for s in samples if int(s.question_id.split(".")[1]) % 2 == 0]
    asag = _every_kth(held_out, int(os.environ.get("LOCAL_LLM_ASAG", "60")))
    bank = bank_questions()
    behavioural = _every_kth(
        [r for r in labelled("behavioural.jsonl") if r["split"] == "report"],
        int(os.environ.get("LOCAL_LLM_BEHAVIOURAL", "30")),
    )

    server, base_url = _start_server()
    try:
        embedded = EmbeddingGrader()
        llm = LLMGrader(OpenAICompatibleChat(base_url=base_url, model="local", timeout=300.0), embedded)
        embedded.grade(questions[asag[0].question_id], asag[0].answer)  # load the encoder outside the timing
        sets = {
            "ASAG (held-out questions)": (
                [(questions[s.question_id], s.answer) for s in asag],
                ["correct" if s.correct else "not correct" for s in asag],
                ("correct", "not correct"),
            ),
            "behavioural (report split)": (
                [(bank[r["question_key"]], r["answer"]) for r in behavioural],
                [r["label"] for r in behavioural],
                VERDICTS,
            ),
        }
        rows = []
        for name, (cases, truth, labels) in sets.items():
            baseline_seconds = None
            for grader_name, grader in (("embedded", embedded), (f"local LLM ({_model()})", llm)):
                grades, seconds = _timed(grader, cases)
                verdicts = [g.verdict for g in grades]
                if labels != VERDICTS:
                    verdicts = ["correct" if v == "correct" else "not correct" for v in verdicts]
                median = statistics.median(seconds)
                baseline_seconds = baseline_seconds or median
                rows.append(
                    {
                        "set": name,
                        "grader": grader_name,
                        "n": len(cases),
                        "accuracy": float(np.mean([a == b for a, b in zip(truth, verdicts, strict=True)])),
                        "macro-F1": macro_f1(truth, verdicts, labels),
                        "confusion (rows truth)": confusion(truth, verdicts, labels),
                        "fell back": sum(g.grader != "LLMGrader" for g in grades) if grader is llm else "-",
                        "s/grade median": round(median, 3),
                        "s/grade p90": round(float(np.percentile(seconds, 90)), 3),
                        "x embedded": round(median / baseline_seconds, 1),
                        "load avg": round(os.getloadavg()[0], 1),
                    }
                )
        return rows
    finally:
        server.terminate()
        server.wait(timeout=30)


def _model() -> str:
    return os.environ.get("LLAMA_MODEL", "smollm2-135m")
