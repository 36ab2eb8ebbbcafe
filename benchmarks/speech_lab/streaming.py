"""Prototype: transcribe an answer while it is spoken. Audio arrives in chunks; Silero VAD (shipped inside
faster-whisper) finds the pauses; each finished segment is decoded by a background worker, so after the
candidate stops only the last segment is left.

    .venv/bin/python -m benchmarks.speech_lab.streaming [SETUP] [--min-segment 8] [--no-carry] [--speed 1]
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from benchmarks.speech_lab import decoding, evalset

SR = evalset.SR
WINDOW = 512  # Silero's window at 16 kHz (32 ms)


@dataclass
class StreamOptions:
    min_segment_s: float = (
        8.0  # do not cut before this much audio is pending: each cut pays a 30 s encoder pass
    )
    max_segment_s: float = (
        25.0  # cut at the longest pause seen once this much is pending (Whisper's window is 30 s)
    )
    min_pause_s: float = 0.3  # a pause this long (VAD below its silence threshold) ends a segment
    vad_threshold: float = 0.5
    carry_words: int = 30  # the last words already transcribed go into the next segment's prompt; 0 = off


@dataclass
class Segment:
    start: float
    end: float
    text: str = ""
    cpu: float = 0.0


@dataclass
class StreamingTranscriber:
    """feed(chunk) as audio arrives (any chunk size), text() for the words so far, finish() after the stop."""

    setup: decoding.Setup
    context: str = ""
    options: StreamOptions = field(default_factory=StreamOptions)

    def __post_init__(self):
        from faster_whisper.vad import get_vad_model

        # A segment is under 30 s, so Whisper needs no timestamp tokens to seek; in timestamp mode it ends
        # short segments with made-up lines ("Thank you very much.", "We'll see you next time."), and word
        # timestamps on top of that repeat the last word ("first. first.") at 2-3x the CPU. Pauses for the
        # answer metrics come from the VAD segments instead.
        self._segment_setup = replace(
            self.setup, word_timestamps=False, extra=(*self.setup.extra, ("without_timestamps", True))
        )
        self._vad = get_vad_model()
        self._audio = np.zeros(0, dtype=np.float32)
        self._probs: list[float] = []  # one speech probability per 32 ms window of _audio
        self._cut = 0  # sample where the pending (not yet queued) audio starts
        self._segments: list[Segment] = []
        self._jobs: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, daemon=True)
        self._worker.start()

    # ----------------------------------------------------------------- input side
    def feed(self, chunk: np.ndarray) -> None:
        self._audio = np.concatenate([self._audio, chunk.astype(np.float32)])
        done = len(self._probs) * WINDOW
        whole = (self._audio.size - done) // WINDOW
        if whole:
            block = self._audio[done : done + whole * WINDOW]
            self._probs.extend(float(p) for p in np.asarray(self._vad(block)).reshape(-1))
        cut = self._find_cut()
        if cut is not None:
            self._queue(cut)

    def _find_cut(self) -> int | None:
        """Sample index to cut at: the middle of the first long-enough pause once min_segment_s is pending."""
        opts = self.options
        first = self._cut // WINDOW
        probs = self._probs[first:]
        pending_s = len(probs) * WINDOW / SR
        if pending_s < opts.min_segment_s:
            return None
        silence = max(opts.vad_threshold - 0.15, 0.01)
        need = max(1, int(opts.min_pause_s * SR / WINDOW))
        min_start = int(opts.min_segment_s * SR / WINDOW)
        run_start, best = None, None
        for index, p in enumerate(probs):
            if p < silence:
                run_start = index if run_start is None else run_start
                length = index - run_start + 1
                if (
                    length >= need
                    and (run_start + index) // 2 >= min_start
                    and any(q >= opts.vad_threshold for q in probs[:run_start])
                ):
                    if index == len(probs) - 1 or probs[index + 1] >= silence:
                        return (first + (run_start + index) // 2) * WINDOW
                if best is None or length > best[0]:
                    best = (length, run_start + length // 2)
            else:
                run_start = None
        if pending_s >= opts.max_segment_s and best is not None:
            return (first + best[1]) * WINDOW
        return None

    def _queue(self, cut: int) -> None:
        segment = Segment(self._cut / SR, cut / SR)
        with self._lock:
            self._segments.append(segment)
        self._jobs.put((segment, self._audio[self._cut : cut].copy()))
        self._cut = cut

    # ----------------------------------------------------------------- decoding side
    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            segment, samples = job
            started = time.thread_time()
            segment.text = decoding.transcribe(self._segment_setup, samples, self._prompt_context(segment))
            segment.cpu = time.thread_time() - started
            self._jobs.task_done()

    def _prompt_context(self, segment: Segment) -> str:
        if not self.options.carry_words:
            return self.context
        with self._lock:
            before = [s.text for s in self._segments if s.end <= segment.start and s.text]
        carried = " ".join(" ".join(before).split()[-self.options.carry_words :])
        # The question and key terms first, the candidate's own last words nearest the audio.
        return f"{decoding._bounded(self.context, decoding.MAX_PROMPT_WORDS - len(carried.split()))} {carried}".strip()

    def text(self) -> str:
        with self._lock:
            return " ".join(s.text for s in self._segments if s.text).strip()

    def finish(self) -> str:
        """After the stop: queue what is left, wait for the worker, return the whole transcript."""
        if self._audio.size - self._cut > 0.2 * SR:
            self._queue(self._audio.size)
        self._jobs.join()
        self._jobs.put(None)
        self._worker.join()
        return self.text()

    @property
    def segments(self) -> list[Segment]:
        return list(self._segments)


def run_one(
    setup: decoding.Setup,
    item,
    condition: str,
    options: StreamOptions,
    *,
    speed: float = 1.0,
    chunk_s: float = 0.5,
) -> dict:
    """Feed the clip in real time (`speed` x), then compare with decoding the whole file after the stop."""
    samples = evalset.read_wav(evalset.clip_path(item, condition))
    context = decoding.context_text(item.topic, item.question, item.key_points)
    decoding.model(setup.model)  # loaded before the clock starts, as in the server
    cpu0 = time.process_time()
    stream = StreamingTranscriber(setup, context, options)
    step = int(chunk_s * SR)
    started = time.perf_counter()
    partials = []
    for offset in range(0, samples.size, step):
        stream.feed(samples[offset : offset + step])
        partials.append(len(stream.text().split()))
        due = started + (offset + step) / SR / speed
        time.sleep(max(0.0, due - time.perf_counter()))
    stopped = time.perf_counter()
    text = stream.finish()
    stream_latency = time.perf_counter() - stopped
    stream_cpu = time.process_time() - cpu0

    cpu0, t0 = time.process_time(), time.perf_counter()
    whole = decoding.transcribe(setup, samples, context)
    whole_latency, whole_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    audio_s = samples.size / SR
    se, sw = decoding.word_errors(item.text, text)
    we, ww = decoding.word_errors(item.text, whole)
    return {
        "clip": f"{item.id} {condition}",
        "audio s": round(audio_s, 1),
        "segments": len(stream.segments),
        "words seen before stop": f"{max(partials)}/{len(text.split())}",
        "latency after stop: stream s": round(stream_latency, 2),
        "whole s": round(whole_latency, 2),
        "ratio": round(stream_latency / whole_latency, 2),
        "WER stream": f"{se}/{sw}",
        "WER whole": f"{we}/{ww}",
        "CPU/audio s stream": round(stream_cpu / audio_s, 3),
        "whole": round(whole_cpu / audio_s, 3),
        "_errors": (se, we, sw),
        "_text": text,
        "_whole": whole,
    }


if __name__ == "__main__":
    import os

    argv = sys.argv[1:]
    name = next((a for a in argv if a in decoding.SETUPS), "today")
    options = StreamOptions(
        min_segment_s=float(argv[argv.index("--min-segment") + 1]) if "--min-segment" in argv else 8.0,
        carry_words=0 if "--no-carry" in argv else 30,
    )
    speed = float(argv[argv.index("--speed") + 1]) if "--speed" in argv else 1.0
    conditions = (argv[argv.index("--conditions") + 1] if "--conditions" in argv else "clean").split(",")
    for item in evalset.load(evalset.LONG):
        for condition in conditions:
            row = run_one(decoding.SETUPS[name], item, condition, options, speed=speed)
            print(
                {k: v for k, v in row.items() if not k.startswith("_")},
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
