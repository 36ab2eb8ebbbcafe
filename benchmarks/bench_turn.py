"""Turn latency of the embedded stack: speech-to-text + grading + speech for a ~10 s spoken answer."""

from __future__ import annotations

import statistics
import tempfile
import time
import tracemalloc
import wave
from pathlib import Path

ANSWER = (
    "A list in Python is mutable, so you can change it after creating it, while a tuple is "
    "immutable. Because tuples cannot change they are hashable and can be dictionary keys."
)
RUNS = 12


def _answer_wav(directory: Path) -> tuple[Path, float]:
    from interviews.ai.tts import synthesize

    speech = synthesize(ANSWER).value
    path = directory / "answer.wav"
    path.write_bytes(speech.audio)
    with wave.open(str(path)) as wav:
        return path, wav.getnframes() / wav.getframerate()


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> list[dict]:
    from interviews.ai import embeddings
    from interviews.ai.stt import transcribe
    from interviews.ai.tts import synthesize
    from interviews.domain import QuestionRef
    from interviews.services.grading import get_grader

    question = QuestionRef(
        id=0,
        text="What is the difference between a list and a tuple in Python?",
        kind="topic",
        reference_answer="Lists are mutable and tuples are immutable; tuples are hashable so they can be dictionary keys.",
        key_points=("lists are mutable", "tuples are immutable", "tuples can be dictionary keys"),
        hint="Think about whether each can change after it is created.",
    )
    grader = get_grader()
    with tempfile.TemporaryDirectory() as tmp:
        wav, seconds = _answer_wav(Path(tmp))
        # Warm-up: models load once per process, as in the server.
        grader.grade(question, transcribe(str(wav)).value.text)
        stt_ms, eval_ms, tts_ms, total_ms = [], [], [], []
        tracemalloc.start()
        for _ in range(RUNS):
            t0 = time.perf_counter()
            text = transcribe(str(wav)).value.text
            t1 = time.perf_counter()
            embeddings._cache.clear()  # a real turn grades a new answer: no cached embeddings
            grade = grader.grade(question, text)
            t2 = time.perf_counter()
            synthesize(grade.praise or grade.hint or "Thank you. Next question.")
            t3 = time.perf_counter()
            stt_ms.append((t1 - t0) * 1000)
            eval_ms.append((t2 - t1) * 1000)
            tts_ms.append((t3 - t2) * 1000)
            total_ms.append((t3 - t0) * 1000)
        _, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    rows = [
        {"stage": name, "p50_ms": statistics.median(values), "p95_ms": p95(values), "runs": RUNS}
        for name, values in [
            ("speech-to-text", stt_ms),
            ("grading", eval_ms),
            ("text-to-speech", tts_ms),
            ("whole turn", total_ms),
        ]
    ]
    rows[-1].update(
        {
            "answer_s": seconds,
            "verdict": grade.verdict,
            "peak_rss_mb": _peak_rss_mb(),
            "python_heap_peak_mb": python_peak / 2**20,
        }
    )
    return rows
