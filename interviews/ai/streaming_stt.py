"""Transcribe an answer while it is spoken: Silero VAD (shipped in faster-whisper) finds the pauses of the
microphone stream, each finished segment is decoded in the background, so after the stop only the last
segment is left to decode.

    stream = StreamingTranscription(decoder=streaming_decoder(), context=..., submit=inference.submit_live)
    stream.feed(samples)          # 16 kHz mono float32, any chunk size, as audio arrives
    stream.text()                 # the words heard so far
    await asyncio.wrap_future(stream.finish())   # after the stop: the whole Transcript

Measured against decoding the whole recording after the stop in benchmarks/speech_lab (bench --only stream).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from interviews.ai import media
from interviews.ai.registry import ServiceError, get_backend
from interviews.ai.stt import Transcript, UnusableAudio

logger = logging.getLogger(__name__)

SAMPLE_RATE = media.SAMPLE_RATE
VAD_WINDOW = 512  # Silero's window at 16 kHz (32 ms)


class SegmentDecoder(Protocol):
    """A backend that can decode one short stretch of speech (< 30 s) with a text prompt."""

    def transcribe_segment(self, samples: np.ndarray, *, prompt: str = "") -> str: ...


def streaming_decoder() -> SegmentDecoder | None:
    """The configured STT backend if it can decode segments as they come (the embedded Whisper), else None:
    remote providers get the whole recording after the stop, as before."""
    backend = get_backend("stt")
    return backend if callable(getattr(backend, "transcribe_segment", None)) else None


@dataclass(frozen=True)
class CutRules:
    """Where a stream is cut. Each cut costs Whisper one more 30 s encoder pass and loses the context across
    the cut, so segments are long and cut only in real pauses; benchmarks/speech_lab chose these values on
    the tune part of the lab set."""

    min_segment_s: float = 12.0  # no cut before this much audio is pending
    max_segment_s: float = 25.0  # then cut at the longest pause seen (Whisper's window is 30 s)
    min_pause_s: float = 0.5  # silence this long ends a segment
    speech_threshold: float = 0.5  # a window this likely to be speech is speech
    silence_threshold: float = 0.35  # a window below this is silence
    carry_words: int = 30  # the last words heard go into the next segment's prompt
    prompt_words: int = 60  # the prompt's length bound (Whisper keeps at most 223 prompt tokens)


@functools.cache
def _vad_model():
    # One ONNX session per process: building one takes ~50 ms; `run` is safe from several threads.
    from faster_whisper.vad import get_vad_model

    return get_vad_model()


class PauseFinder:
    """Speech probabilities of a growing stream, window by window, and where it may be cut."""

    def __init__(self, rules: CutRules):
        self.rules = rules
        self._probabilities: list[float] = []
        self._tail = np.zeros(0, dtype=np.float32)  # samples short of a whole window

    def add(self, samples: np.ndarray) -> None:
        pending = np.concatenate([self._tail, samples]) if self._tail.size else samples
        whole = pending.size - pending.size % VAD_WINDOW
        if whole:
            scores = np.asarray(_vad_model()(pending[:whole].astype(np.float32, copy=False)))
            self._probabilities.extend(float(p) for p in scores.reshape(-1))
        self._tail = pending[whole:].copy()

    @property
    def windows(self) -> int:
        return len(self._probabilities)

    def has_speech(self, start: int, end: int) -> bool:
        """Any speech between sample `start` and `end`."""
        first, last = start // VAD_WINDOW, -(-end // VAD_WINDOW)
        return any(p >= self.rules.speech_threshold for p in self._probabilities[first:last])

    def next_cut(self, start: int) -> int | None:
        """The sample to cut at, for a segment starting at `start`: the middle of the first pause of at least
        min_pause_s once min_segment_s are pending, after some speech; at max_segment_s the longest pause."""
        rules = self.rules
        first = start // VAD_WINDOW
        scores = self._probabilities[first:]
        if len(scores) * VAD_WINDOW < rules.min_segment_s * SAMPLE_RATE:
            return None
        need = max(1, round(rules.min_pause_s * SAMPLE_RATE / VAD_WINDOW))
        earliest = int(rules.min_segment_s * SAMPLE_RATE / VAD_WINDOW)
        spoken = False
        run_start: int | None = None
        longest: tuple[int, int] | None = None  # (length, middle) of the longest pause after speech
        for index, score in enumerate(scores):
            if score >= rules.silence_threshold:
                spoken = spoken or score >= rules.speech_threshold
                if run_start is not None and spoken:
                    length, middle = index - run_start, (run_start + index) // 2
                    if length >= need and middle >= earliest:
                        return (first + middle) * VAD_WINDOW
                    if middle >= earliest // 2 and (longest is None or length > longest[0]):
                        longest = (length, middle)  # a forced cut still leaves Whisper some context
                run_start = None
            elif run_start is None:
                run_start = index
        # A pause still running at the end of what arrived: cut once it is long enough.
        if run_start is not None and spoken:
            length, middle = len(scores) - run_start, run_start + need // 2
            if length >= need and middle >= earliest:
                return (first + middle) * VAD_WINDOW
            if longest is None or length > longest[0]:
                longest = (length, (run_start + len(scores)) // 2)
        if len(scores) * VAD_WINDOW >= rules.max_segment_s * SAMPLE_RATE:
            middle = longest[1] if longest else len(scores)
            return (first + max(middle, 1)) * VAD_WINDOW
        return None

    def speech_spans(self) -> list[tuple[float, float]]:
        """(start, end) seconds of each stretch of speech, for the pause metrics."""
        spans: list[tuple[float, float]] = []
        start = None
        for index, score in enumerate(self._probabilities):
            if score >= self.rules.speech_threshold and start is None:
                start = index
            elif score < self.rules.silence_threshold and start is not None:
                spans.append((start * VAD_WINDOW / SAMPLE_RATE, index * VAD_WINDOW / SAMPLE_RATE))
                start = None
        if start is not None:
            spans.append(
                (start * VAD_WINDOW / SAMPLE_RATE, len(self._probabilities) * VAD_WINDOW / SAMPLE_RATE)
            )
        return spans


@dataclass
class Segment:
    start: int  # samples
    end: int
    text: str = ""
    decoded: bool = False


Submit = Callable[[Callable[[], object], bool], Future]


def run_in_thread(call: Callable[[], object], urgent: bool) -> Future:
    """A Submit for tools and tests without the inference pool: each job in a thread of its own."""
    future: Future = Future()

    def work() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(call())
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits on the future
                future.set_exception(error)

    threading.Thread(target=work, daemon=True).start()
    return future


@dataclass
class StreamingTranscription:
    """One answer being spoken. Segments are decoded one at a time and in order (each prompt carries the
    words before it), by `submit(call, urgent)`: the inference pool in the product. `decoder` None: the audio
    is only kept, and `finish` says so (the caller then transcribes the whole recording)."""

    decoder: SegmentDecoder | None
    context: str = ""
    submit: Submit = run_in_thread
    rules: CutRules = field(default_factory=CutRules)
    max_seconds: float = 180.0

    def __post_init__(self):
        self._chunks: list[np.ndarray] = []
        self._samples = 0
        self._cut = 0  # where the audio not yet in a segment starts
        self._pauses = PauseFinder(self.rules)
        self._segments: list[Segment] = []
        self._waiting: deque[Segment] = deque()
        self._running: Future | None = None
        self._failed: BaseException | None = None
        self._lock = threading.RLock()
        self._finished: Future | None = None
        self.stopped_at: float | None = None  # perf_counter() of the stop
        self.cpu_seconds = 0.0  # thread CPU time of the segment decodes

    # ----------------------------------------------------------------- audio in
    @property
    def seconds(self) -> float:
        return self._samples / SAMPLE_RATE

    @property
    def full(self) -> bool:
        return self._samples >= self.max_seconds * SAMPLE_RATE

    def feed(self, samples: np.ndarray) -> int:
        """Add audio; returns how many samples were kept (fewer once max_seconds is reached)."""
        if self._finished is not None:
            raise RuntimeError("the answer was already finished")
        room = int(self.max_seconds * SAMPLE_RATE) - self._samples
        kept = np.asarray(samples, dtype=np.float32).reshape(-1)[: max(room, 0)]
        if not kept.size:
            return 0
        with self._lock:
            self._chunks.append(kept)
            self._samples += kept.size
        if self.decoder is None:
            return kept.size
        self._pauses.add(kept)
        while (cut := self._pauses.next_cut(self._cut)) is not None and cut > self._cut:
            self._close_segment(min(cut, self._samples), urgent=False)
        return kept.size

    def audio(self) -> np.ndarray:
        """Every sample kept so far."""
        with self._lock:
            if len(self._chunks) > 1:
                self._chunks = [np.concatenate(self._chunks)]
            return self._chunks[0] if self._chunks else np.zeros(0, dtype=np.float32)

    def _close_segment(self, end: int, *, urgent: bool) -> None:
        segment = Segment(self._cut, end)
        self._cut = end
        with self._lock:
            self._segments.append(segment)
            self._waiting.append(segment)
        self._next(urgent=urgent)

    # ----------------------------------------------------------------- decoding, one segment at a time
    def _next(self, *, urgent: bool) -> None:
        with self._lock:
            if self._running is not None or not self._waiting:
                if self._running is None and self._finished is not None and not self._finished.done():
                    self._settle()
                return
            segment = self._waiting.popleft()
            samples = self.audio()[segment.start : segment.end]
            prompt = self._prompt_before(segment)
            future = self.submit(functools.partial(self._decode, segment, samples, prompt), urgent)
            self._running = future
        future.add_done_callback(lambda done: self._done(done, urgent))

    def _decode(self, segment: Segment, samples: np.ndarray, prompt: str) -> None:
        if self._failed is not None or not self._pauses.has_speech(segment.start, segment.end):
            segment.decoded = True
            return
        started = time.thread_time()
        try:
            segment.text = self.decoder.transcribe_segment(samples, prompt=prompt).strip()
        finally:
            self.cpu_seconds += time.thread_time() - started
        segment.decoded = True

    def _done(self, done: Future, urgent: bool) -> None:
        with self._lock:
            if self._running is done:
                self._running = None
            if done.cancelled():
                self._failed = ServiceError("a segment's decoding was cancelled")
            elif done.exception() is not None:
                self._failed = done.exception()
                logger.warning("Decoding a segment while the candidate spoke failed: %s", self._failed)
        self._next(urgent=urgent or self._finished is not None)

    def _prompt_before(self, segment: Segment) -> str:
        """The interview context first, the candidate's own last words nearest the audio."""
        heard = " ".join(s.text for s in self._segments if s.end <= segment.start and s.text).split()
        carried = heard[-self.rules.carry_words :] if self.rules.carry_words else []
        room = max(self.rules.prompt_words - len(carried), 0)
        return " ".join(self.context.split()[:room] + carried)

    def text(self) -> str:
        """The words heard so far."""
        with self._lock:
            return " ".join(s.text for s in self._segments if s.text)

    @property
    def segments(self) -> list[Segment]:
        with self._lock:
            return list(self._segments)

    # ----------------------------------------------------------------- the stop
    def finish(self) -> Future:
        """After the stop: decode what is left (urgently) and resolve to the whole Transcript. Raises (in the
        future) UnusableAudio when nothing was heard, ServiceError when decoding failed: the caller then
        transcribes the whole recording instead."""
        if self._finished is not None:
            return self._finished
        self.stopped_at = time.perf_counter()
        self._finished = Future()
        if self.decoder is None:
            self._finished.set_exception(ServiceError("no streaming decoder: transcribe the whole recording"))
            return self._finished
        if self._samples - self._cut > 0.2 * SAMPLE_RATE:
            self._close_segment(self._samples, urgent=True)
        else:
            self._next(urgent=True)
        return self._finished

    def _settle(self) -> None:
        """Called with the lock held once the last segment is decoded."""
        assert self._finished is not None
        if self._failed is not None:
            error = self._failed
            if not isinstance(error, ServiceError):
                error = ServiceError(f"segment decoding failed: {error}")
            self._finished.set_exception(error)
            return
        text = " ".join(s.text for s in self._segments if s.text).strip()
        if not text:
            self._finished.set_exception(
                UnusableAudio(
                    "no words recognised",
                    user_message="We couldn't make out any words. Please speak a little closer to the "
                    "microphone and try again.",
                )
            )
            return
        self._finished.set_result(Transcript(text=text, duration_seconds=round(self.seconds, 2)))

    def speech_spans(self) -> list[tuple[float, float]]:
        return self._pauses.speech_spans()

    def cancel(self) -> None:
        """Drop the answer: waiting segments are not decoded."""
        with self._lock:
            self._waiting.clear()
            running = self._running
        if running is not None:
            running.cancel()
