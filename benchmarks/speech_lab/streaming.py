"""Streaming vs the whole file, with the product's own code: interviews.ai.streaming_stt.StreamingTranscription
fed in real time (1 s chunks, as the live page sends them) decoding segments with the product's Whisper
backend, then the same backend on the whole recording after the stop, as before streaming.

    .venv/bin/python -m benchmarks.speech_lab.streaming [--part tune|report] [--conditions clean,white10]
        [--min-segment 12] [--min-pause 0.5] [--speed 1] [--repeat 1] [--segment-timestamps 0|1]
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace

from benchmarks.speech_lab import decoding, evalset

SR = evalset.SR
CHUNK_S = 1.0


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interbot_site.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def backend(*, segment_timestamps: bool | None = None):
    """The product's embedded Whisper backend (settings' model, beam, threads), loaded before any clock;
    `segment_timestamps` overrides the product's choice for segments (FasterWhisperSTT.transcribe_segment)."""
    _django()
    from interviews.ai.stt import FasterWhisperSTT

    whisper = FasterWhisperSTT()
    if segment_timestamps is not None:
        whisper.segment_timestamps = segment_timestamps
    whisper.load()
    return whisper


def run_one(whisper, item, condition: str, rules, *, speed: float = 1.0) -> dict:
    """Feed the clip at `speed` x real time, stop, time what is left; then decode the whole clip after the stop."""
    from interviews.ai.streaming_stt import StreamingTranscription, run_in_thread

    samples = evalset.read_wav(evalset.clip_path(item, condition))
    context = decoding.context_text(item.topic, item.question, item.key_points)
    cpu0 = time.process_time()
    stream = StreamingTranscription(decoder=whisper, context=context, rules=rules, submit=run_in_thread)
    step = int(CHUNK_S * SR)
    started = time.perf_counter()
    words_seen = 0
    for offset in range(0, samples.size, step):
        stream.feed(samples[offset : offset + step])
        words_seen = len(stream.text().split())
        due = started + (offset + step) / SR / speed
        time.sleep(max(0.0, due - time.perf_counter()))
    stopped = time.perf_counter()
    transcript = stream.finish().result()
    stream_latency = time.perf_counter() - stopped
    stream_cpu = time.process_time() - cpu0

    cpu0, t0 = time.process_time(), time.perf_counter()
    whole = whisper.transcribe(samples, context=context).text
    whole_latency, whole_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    audio_s = samples.size / SR
    stream_errors, words = decoding.word_errors(item.text, transcript.text)
    whole_errors, _ = decoding.word_errors(item.text, whole)
    return {
        "clip": f"{item.id.removeprefix('long-')} {condition}",
        "audio s": round(audio_s, 1),
        "segments": len(stream.segments),
        "words before stop": f"{words_seen}/{len(transcript.text.split())}",
        "after stop: stream s": round(stream_latency, 2),
        "whole s": round(whole_latency, 2),
        "ratio": round(stream_latency / whole_latency, 2),
        "WER stream": f"{stream_errors}/{words}",
        "WER whole": f"{whole_errors}/{words}",
        "CPU/audio s stream": round(stream_cpu / audio_s, 3),
        "whole": round(whole_cpu / audio_s, 3),
        "_totals": (stream_errors, whole_errors, words, stream_cpu, whole_cpu, audio_s),
        "_ratio": stream_latency / whole_latency,
    }


def table(
    part: str = "report",
    conditions=("clean", "white10"),
    rules=None,
    *,
    speed: float = 1.0,
    segment_timestamps: bool | None = None,
) -> list[dict]:
    """One row per long answer and condition, then the totals and the load average of this run."""
    whisper = backend(segment_timestamps=segment_timestamps)
    from interviews.ai.streaming_stt import CutRules

    rules = rules or CutRules()
    rows = []
    for item in [i for i in evalset.load(evalset.LONG) if i.part == part]:
        for condition in conditions:
            rows.append(run_one(whisper, item, condition, rules, speed=speed))
    se, we, words, scpu, wcpu, audio = (sum(r["_totals"][k] for r in rows) for k in range(6))
    ratios = sorted(r["_ratio"] for r in rows)
    out = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    out.append(
        {
            "clip": f"ALL ({part} part)",
            "audio s": round(audio, 1),
            "after stop: stream s": f"ratio median {ratios[len(ratios) // 2]:.2f}",
            "ratio": f"max {ratios[-1]:.2f}",
            "WER stream": f"{100 * se / words:.1f} %",
            "WER whole": f"{100 * we / words:.1f} %",
            "CPU/audio s stream": round(scpu / audio, 3),
            "whole": f"{wcpu / audio:.3f} (x{scpu / wcpu:.2f})",
        }
    )
    out.append(
        {
            "clip": f"min segment {rules.min_segment_s} s, min pause {rules.min_pause_s} s, speed {speed}x, "
            f"segment timestamps {whisper.segment_timestamps}; "
            f"load avg {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        }
    )
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(evalset.ROOT))
    from benchmarks.run import print_table

    argv = sys.argv[1:]

    def arg(name: str, default: str) -> str:
        return argv[argv.index(name) + 1] if name in argv else default

    _django()
    from interviews.ai.streaming_stt import CutRules

    cut_rules = replace(
        CutRules(),
        min_segment_s=float(arg("--min-segment", str(CutRules.min_segment_s))),
        min_pause_s=float(arg("--min-pause", str(CutRules.min_pause_s))),
    )
    for run in range(int(arg("--repeat", "1"))):
        print_table(
            f"Streaming vs whole file after the stop, run {run + 1}",
            table(
                arg("--part", "tune"),
                tuple(arg("--conditions", "clean,white10").split(",")),
                cut_rules,
                speed=float(arg("--speed", "1")),
                segment_timestamps=bool(int(arg("--segment-timestamps", "0")))
                if "--segment-timestamps" in argv
                else None,
            ),
        )
