"""Speech-to-text benchmark: WER and real-time factor of the embedded Whisper on the public read-speech clips.

    .venv/bin/python benchmarks/bench_stt.py        (STT_BEAM_SIZE=1, STT_CPU_THREADS=0 to compare)

Targets: WER <= 5 %, real-time factor <= 0.15 (wall seconds per second of audio, 2-core CPU).
RTF is wall time and so depends on what else runs: the table prints the load average, and CPU seconds
per audio second (all threads) as a load-independent figure.
Each clip is also re-encoded as browser webm/opus (PyAV) to check the format costs no accuracy.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks._common import EVAL, print_table, require_eval, setup_django, word_errors  # noqa: E402

SPEECH = EVAL / "speech"


def _references() -> dict[str, str]:
    with open(require_eval(SPEECH / "transcripts.tsv", "bench_stt"), newline="") as handle:
        return {row[0]: row[1] for row in csv.reader(handle, delimiter="\t") if row}


def _as_webm(source: Path, target: Path) -> Path:
    import av

    with av.open(str(source)) as src, av.open(str(target), "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48_000)
        stream.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
        for frame in [*src.decode(audio=0), None]:
            for resampled in resampler.resample(frame):
                resampled.pts = None
                out.mux(stream.encode(resampled))
        out.mux(stream.encode(None))
    return target


def run() -> list[dict]:
    from django.conf import settings

    from interviews.ai import stt

    options = settings.AI_SERVICES["stt"]["OPTIONS"]  # STT_BEAM_SIZE / STT_CPU_THREADS as the server runs
    backend = stt.FasterWhisperSTT(
        beam_size=options.get("beam_size", 5), cpu_threads=options.get("cpu_threads", 1)
    )
    started = time.perf_counter()
    backend.load()
    load_seconds = time.perf_counter() - started

    rows: list[dict] = []
    totals = {
        "wav": [0, 0, 0.0, 0.0, 0.0],
        "webm": [0, 0, 0.0, 0.0, 0.0],
    }  # errors, words, wall s, audio s, cpu s
    factors: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, reference in sorted(_references().items()):
            for kind in ("wav", "webm"):
                path = (
                    SPEECH / name
                    if kind == "wav"
                    else _as_webm(SPEECH / name, Path(scratch) / f"{name}.webm")
                )
                started, cpu_started = time.perf_counter(), time.process_time()
                samples = stt.load_answer_audio(path, max_seconds=180.0)
                transcript = backend.transcribe(samples)
                compute = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                errors, words = word_errors(reference, transcript.text)
                total = totals[kind]
                total[0] += errors
                total[1] += words
                total[2] += compute
                total[3] += transcript.duration_seconds
                total[4] += cpu
                if kind == "wav":
                    factors.append(compute / transcript.duration_seconds)
                rows.append(
                    {
                        "clip": name.rsplit("-", 1)[-1].removesuffix(".wav") + f" ({kind})",
                        "audio s": round(transcript.duration_seconds, 2),
                        "WER": f"{errors}/{words}",
                        "RTF": round(compute / transcript.duration_seconds, 3),
                        "CPU s/audio s": round(cpu / transcript.duration_seconds, 3),
                        "heard": transcript.text[:60],
                    }
                )
        # Whisper encodes 30 s windows whatever the clip's length, so a 3 s clip pays for 30 s; a real answer
        # is longer. The five clips in one file stand for a typical 25 s answer.
        joined = np.concatenate([stt.decode_audio(SPEECH / name) for name in sorted(_references())])
        started, cpu_started = time.perf_counter(), time.process_time()
        transcript = backend.transcribe(joined)
        compute, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        errors, words = word_errors(
            " ".join(_references()[n] for n in sorted(_references())), transcript.text
        )
        rows.append(
            {
                "clip": "one 25 s answer (5 clips joined)",
                "audio s": round(transcript.duration_seconds, 2),
                "WER": f"{errors}/{words} = {100 * errors / words:.1f} %",
                "RTF": round(compute / transcript.duration_seconds, 3),
                "CPU s/audio s": round(cpu / transcript.duration_seconds, 3),
                "heard": transcript.text[:60],
            }
        )
    for kind, (errors, words, compute, audio, cpu) in totals.items():
        rows.append(
            {
                "clip": f"ALL ({kind})",
                "audio s": round(audio, 2),
                "WER": f"{errors}/{words} = {100 * errors / words:.1f} %",
                "RTF": round(compute / audio, 3),
                "CPU s/audio s": round(cpu / audio, 3),
                "heard": f"median RTF {statistics.median(factors):.3f}; model load {load_seconds:.2f} s; "
                f"load avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
                if kind == "wav"
                else "",
            }
        )
    return rows


if __name__ == "__main__":
    setup_django()
    from django.conf import settings

    options = settings.AI_SERVICES["stt"]["OPTIONS"]
    title = f"beam {options.get('beam_size', 5)}, {options.get('cpu_threads', 1)} thread(s), VAD"
    print_table(f"bench_stt: FasterWhisperSTT (Whisper tiny.en int8, {title})", run())
