"""Answers spoken into the live page's streaming microphone: one StreamingTranscription per page (a Gradio
session), fed with checked chunks, bounded in size and number, owned by the candidate who started it, and
dropped when the answer is submitted, recorded again, or the page goes away.

The live page calls `start` on the first chunk of a recording, `feed` on each chunk, `stop` when the
recording stops and `for_submit` / `discard` around the answer's submission (interviews.live.callbacks).

Gradio's streaming recorder loses audio on a busy server: what it records while its stream event opens is
never uploaded, and the chunks queued at the stop never reach the callback. So the page also records the
whole answer itself and sends that recording with Submit (static/gradio/live_app.js); `whole_recording`
checks it and `choose` decides which of the two the answer is heard from.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from interviews import uploads
from interviews.ai import inference, media, streaming_stt, stt
from interviews.ai.registry import InputError, backend_name

logger = logging.getLogger(__name__)

# Gradio sends a chunk every STREAM_EVERY seconds, more at once when the server was slow to take the last
# one: 4 MB is ~40 s of 48 kHz mono, far more than a working page sends, far less than memory can bear.
MAX_CHUNK_BYTES = 4 * 1024 * 1024
# Gradio keeps only the newest chunk of a stream event that is still being handled, and the page sends the
# next one as soon as its upload is done: a chunk a second leaves the handler time on a busy server.
STREAM_EVERY_SECONDS = 1.0
# A recording that gets no chunk for this long was left (a closed tab whose unload never came).
IDLE_SECONDS = 120.0
# A stopped recording waits this long for its Submit.
STOPPED_KEEP_SECONDS = 15 * 60.0
# The browser's streaming WAV recorder writes this "endless" RIFF length into every chunk it sends.
_ENDLESS_RIFF = (4294967251 + 36).to_bytes(4, "little")
# The stream may be this much shorter than the page's whole recording and still be heard as the answer: the
# page's recorder starts a moment before Gradio's, and Gradio drops the part-second after its last whole chunk
# at the stop. A chunk lost anywhere is a whole second (STREAM_EVERY_SECONDS), so more is never only that...
MAX_STREAM_LOSS_SECONDS = 0.9
# ...and less counts only when the seconds lost at the start or the end held speech (a candidate who stops
# while saying the last word): the page's recording is searched for speech this far from each edge, and the
# stream's first seconds are matched against it to know how much was lost at the start.
EDGE_SECONDS = MAX_STREAM_LOSS_SECONDS + 0.35
_ALIGN_SECONDS = 2.0
_STEPS_PER_SECOND = 100  # the loudness compared every 10 ms
_FRAME = media.SAMPLE_RATE // _STEPS_PER_SECOND
# The page sends {"path": <its upload>, "seconds": <measured>} as JSON: a path is at most a few hundred bytes.
_MAX_WHOLE_VALUE_CHARS = 4096

TOO_MANY = "Too many answers are being recorded right now. Please try again in a minute, or type your answer."
BAD_CHUNK = "Part of your recording could not be used. Please stop and record your answer again."


class DictationRefused(InputError):
    user_message = BAD_CHUNK


@dataclass
class Dictation:
    """One recording of one answer, on one page."""

    page: str  # Gradio's session hash of the page
    owner: str  # who may feed and submit it: uploads.session_owner of the Django session
    interview_id: int
    transcription: streaming_stt.StreamingTranscription
    touched: float = field(default_factory=time.monotonic)
    stopped: bool = False
    resampler: media.StreamResampler | None = None
    last_upload: int | None = None  # uploads.uploads_between's number of the last chunk fed
    aside: bool = False  # heard from the page's whole recording instead: no longer decoded
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def streaming(self) -> bool:
        """Decoded while spoken (else only kept, and transcribed whole after the stop)."""
        return self.transcription.decoder is not None

    @property
    def backend(self) -> str:
        return backend_name(self.transcription.decoder) if self.transcription.decoder else ""


_lock = threading.Lock()
_by_page: dict[str, Dictation] = {}


def _max_seconds() -> float:
    return float(settings.AI_SERVICES["stt"].get("OPTIONS", {}).get("max_seconds", 180.0))


def _valid_page(page: object) -> bool:
    return isinstance(page, str) and 0 < len(page) <= 64 and page.isprintable()


def recording(*, page: str, owner: str | None, interview_id: int) -> Dictation | None:
    """The page's recording still being spoken, if it is this owner's recording of this interview."""
    with _lock:
        dictation = _by_page.get(page) if _valid_page(page) else None
    if dictation is None or dictation.stopped or not owner:
        return None
    if dictation.owner != owner or dictation.interview_id != interview_id:
        return None
    return dictation


def start(*, page: str, owner: str | None, interview_id: int, context: str) -> Dictation:
    """A new recording for the page, replacing any earlier one (a candidate who records again).

    With STT_STREAMING off, a backend that cannot decode segments or too many recordings at once, the
    audio is only kept and transcribed whole after the stop, as an upload would be."""
    if not _valid_page(page) or not owner:
        raise DictationRefused("no page or owner")
    prune()
    with _lock:
        earlier = _by_page.pop(page, None)
        if len(_by_page) >= 2 * max(settings.STT_STREAMING_MAX_ANSWERS, 1):
            raise DictationRefused(f"{len(_by_page)} recordings open", user_message=TOO_MANY)
        busy = len(_by_page) >= settings.STT_STREAMING_MAX_ANSWERS
        decoder = None if busy or not settings.STT_STREAMING else streaming_stt.streaming_decoder()
        dictation = Dictation(
            page=page,
            owner=owner,
            interview_id=interview_id,
            transcription=streaming_stt.StreamingTranscription(
                decoder=decoder, context=context, submit=inference.submit_live, max_seconds=_max_seconds()
            ),
        )
        _by_page[page] = dictation
    if earlier is not None:
        earlier.transcription.cancel()
    if busy:
        logger.warning("%d answers streaming at once: this one is transcribed after the stop", len(_by_page))
    return dictation


def feed(dictation: Dictation, chunk_path: str) -> None:
    """Add one checked chunk file (a path uploads.checked_upload let through) to the recording, after any
    chunk of it the page uploaded before this one that the callback was never handed (Gradio keeps only the
    newest chunk of a busy stream event).

    Raises DictationRefused for a chunk that is not the recorder's PCM WAV, or changes its format midway."""
    chunk_path = os.path.realpath(chunk_path)
    with dictation.lock:
        if dictation.stopped:
            return  # a chunk sent just before the stop, arriving after it: the answer is already closed
        missed = uploads.uploads_between(owner=dictation.owner, after=dictation.last_upload, upto=chunk_path)
        for number, path in missed:
            # Not another upload of the page (a webcam clip).
            if path == chunk_path or is_streamed_chunk(path):
                _feed_one(dictation, path)
            if number is not None:
                dictation.last_upload = number
        dictation.touched = time.monotonic()
    if len(missed) > 1:
        logger.info("Recording of page %s: %d chunks read from the uploads", dictation.page, len(missed) - 1)


def _feed_one(dictation: Dictation, path: str) -> None:
    try:
        pcm, rate, channels = media.read_streamed_wav(path, max_bytes=MAX_CHUNK_BYTES)
    except media.MediaProblem as problem:
        raise DictationRefused(str(problem)) from problem
    if dictation.resampler is None:
        dictation.resampler = media.StreamResampler(rate, channels)
    elif (dictation.resampler.rate, dictation.resampler.channels) != (rate, channels):
        raise DictationRefused(f"the chunk format changed to {rate} Hz, {channels} channels")
    dictation.transcription.feed(dictation.resampler.convert(pcm))


def stop(dictation: Dictation):
    """The candidate stopped recording: decode what is left. Returns the transcription's finish() Future."""
    with dictation.lock:
        dictation.stopped = True
        dictation.touched = time.monotonic()
    return dictation.transcription.finish()


def for_submit(*, page: str, owner: str | None, interview_id: int) -> Dictation | None:
    """The page's recording to submit as the answer (stopped or not), if it is this owner's, of this interview."""
    with _lock:
        dictation = _by_page.get(page) if _valid_page(page) else None
    if dictation is None or not owner or dictation.owner != owner or dictation.interview_id != interview_id:
        return None
    return dictation


def discard(page: str, *, owner: str | None, only_stopped: bool = False) -> None:
    """Forget the page's recording of `owner` (submitted, recorded again, or the page closed);
    `only_stopped`: unless it is still being recorded."""
    with _lock:
        dictation = _by_page.get(page) if _valid_page(page) else None
        if dictation is None or not owner or dictation.owner != owner:
            return
        if only_stopped and not dictation.stopped:
            return
        del _by_page[page]
    dictation.transcription.cancel()


def prune() -> None:
    """Drop recordings left behind: idle ones, and stopped ones nobody submitted."""
    now = time.monotonic()
    with _lock:
        stale = [
            page
            for page, d in _by_page.items()
            if now - d.touched > (STOPPED_KEEP_SECONDS if d.stopped else IDLE_SECONDS)
        ]
        dropped = [_by_page.pop(page) for page in stale]
    for dictation in dropped:
        dictation.transcription.cancel()


def too_long_message(dictation: Dictation) -> str:
    minutes = dictation.transcription.max_seconds / 60
    return (
        f"Answers can be at most {minutes:g} minutes: what you say from now on is not recorded. Please stop."
    )


def is_streamed_chunk(path: str) -> bool:
    """A file the streaming recorder sent as one chunk (its RIFF length says "endless"): a piece of a
    recording, never a whole answer."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    return head[:4] == b"RIFF" and head[4:8] == _ENDLESS_RIFF


def save_recording(dictation: Dictation) -> str:
    """The recording as a 16 kHz WAV file (kept with the answer when the candidate consented; transcribed
    whole when it was not decoded while spoken). The caller deletes it."""
    folder = Path(uploads.upload_folder()) / "interbot-answers"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix="answer-", suffix=".wav", delete=False) as handle:
        handle.write(media.wav_bytes(dictation.transcription.audio()))
    return handle.name


def reset() -> None:
    """Forget every recording (tests)."""
    with _lock:
        dropped = list(_by_page.values())
        _by_page.clear()
    for dictation in dropped:
        dictation.transcription.cancel()


# --- The page's recording of the whole answer ---------------------------------------------------------


@dataclass(frozen=True)
class WholeRecording:
    """The page's own recording of the whole answer: one of this session's uploads, checked and decoded."""

    path: str
    seconds: float  # decoded: the length the server measured
    page_seconds: float | None  # what the page measured; the client's word, so only logged
    # Silence before the first speech and after the last, when within EDGE_SECONDS of the edge (else None).
    silence_before: float | None = None
    silence_after: float | None = None
    opening: np.ndarray | None = None  # its first seconds (16 kHz), to match the stream's against

    def speech_lost(self, *, at_start: float, at_end: float) -> bool:
        """Speech in the first `at_start` or the last `at_end` seconds of the recording."""
        return (self.silence_before is not None and self.silence_before < at_start) or (
            self.silence_after is not None and self.silence_after < at_end
        )


def _loudness(samples: np.ndarray) -> np.ndarray:
    usable = samples[: samples.size - samples.size % _FRAME].reshape(-1, _FRAME)
    return np.log10(np.mean(np.square(usable, dtype=np.float64), axis=1) + 1e-9)


def _lost_at_start(stream_opening: np.ndarray, whole_opening: np.ndarray, lost: float) -> float | None:
    """How many of the `lost` seconds the stream lost before its first sample: where its first seconds match
    the page's recording best (loudness every 10 ms, so the WebM's codec does not matter); None when they are
    too even to match (silence), or match nowhere well."""
    stream = _loudness(stream_opening[: int(_ALIGN_SECONDS * media.SAMPLE_RATE)])
    whole = _loudness(whole_opening)
    shifts = min(round(lost * _STEPS_PER_SECOND), whole.size - stream.size)
    if stream.size < _STEPS_PER_SECOND // 2 or shifts < 0 or stream.std() < 0.3:
        return None
    scores = [_correlation(stream, whole[shift : shift + stream.size]) for shift in range(shifts + 1)]
    best = int(np.argmax(scores))
    return best / _STEPS_PER_SECOND if scores[best] >= 0.8 else None


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    scale = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    return float(np.sum(a * b)) / scale if scale > 0 else 0.0


def _edge_silences(samples) -> tuple[float | None, float | None]:
    """(silence before the first speech, silence after the last), each looked for within EDGE_SECONDS."""
    edge = int(EDGE_SECONDS * media.SAMPLE_RATE)

    def spans(part) -> list[tuple[float, float]]:
        finder = streaming_stt.PauseFinder(streaming_stt.CutRules())
        finder.add(part)
        return finder.speech_spans()

    head, tail = spans(samples[:edge]), spans(samples[-edge:])
    tail_seconds = min(samples.size, edge) / media.SAMPLE_RATE
    return (
        head[0][0] if head else None,
        max(tail_seconds - tail[-1][1], 0.0) if tail else None,
    )


def whole_recording(value: object, *, cookies: Mapping[str, str]) -> WholeRecording | None:
    """The whole-answer recording a live page sends with Submit (live_app.js writes
    '{"path": <its upload>, "seconds": <measured>}' into the hidden #live-mic-whole box); None when none came.

    The value is hostile like any Gradio value: nothing is opened before uploads.checked_upload says the file
    is one of this session's uploads; then the limits of any recording apply (MAX_UPLOAD_BYTES, the answer's
    max_seconds, decodable, not silent). Raises an InputError with the message for the candidate otherwise."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > _MAX_WHOLE_VALUE_CHARS:
        raise uploads.UnusableUpload("the whole recording's value is not a short string")
    try:
        sent = json.loads(value)
    except (ValueError, RecursionError) as error:
        raise uploads.UnusableUpload("the whole recording's value is not JSON") from error
    named = sent.get("path") if isinstance(sent, dict) else None
    if not isinstance(named, str) or not named:
        raise uploads.UnusableUpload("the whole recording's value names no file")
    path = uploads.checked_upload(named, cookies)
    if path is None or is_streamed_chunk(path):
        raise uploads.UnusableUpload("a streamed chunk sent as the whole recording")
    uploads.refuse_oversized(path)
    samples = stt.load_answer_audio(path, max_seconds=_max_seconds())  # UnusableAudio, with its message
    page_seconds = sent.get("seconds")
    if not isinstance(page_seconds, int | float) or isinstance(page_seconds, bool):
        page_seconds = None
    elif not math.isfinite(page_seconds):
        page_seconds = None
    before, after = _edge_silences(samples)
    return WholeRecording(
        path=path,
        seconds=round(samples.size / media.SAMPLE_RATE, 2),
        page_seconds=page_seconds,
        silence_before=before,
        silence_after=after,
        opening=samples[: int((_ALIGN_SECONDS + MAX_STREAM_LOSS_SECONDS) * media.SAMPLE_RATE)].copy(),
    )


@dataclass(frozen=True)
class Choice:
    """Which recording a spoken answer is heard from, and which one is kept with it."""

    transcribe_whole: bool  # the stream lost part of the answer: transcribe the whole recording instead
    keep_whole: bool  # the whole recording is the one kept (else the stream's own audio)
    streamed_seconds: float
    whole_seconds: float | None


def choose(spoken: Dictation | None, whole: WholeRecording | None) -> Choice:
    """The streamed transcript (the fast path) unless the stream is more than MAX_STREAM_LOSS_SECONDS shorter
    than the page's whole recording, or shorter by less and the page's recording has speech where the stream
    lost its audio (its first or last seconds): then the whole recording is transcribed, as an upload is, with
    the same context. Whichever is chosen, the whole recording is kept when it is not the shorter one. Logged."""
    streamed = spoken.transcription.seconds if spoken is not None else 0.0
    if whole is None:
        return Choice(transcribe_whole=False, keep_whole=False, streamed_seconds=streamed, whole_seconds=None)
    lost = whole.seconds - streamed  # both within the answer's max_seconds
    if spoken is None or lost > MAX_STREAM_LOSS_SECONDS:
        transcribe_whole = True
    elif lost <= 0:
        transcribe_whole = False
    else:
        at_start = None
        if whole.opening is not None:
            at_start = _lost_at_start(spoken.transcription.audio(), whole.opening, lost)
        if at_start is None:  # not known: either edge may have lost it
            transcribe_whole = whole.speech_lost(at_start=lost, at_end=lost)
        else:
            transcribe_whole = whole.speech_lost(at_start=at_start, at_end=lost - at_start)
    logger.info(
        "Streamed answer of page %s is %.1f s of the page's %.1f s recording (the page measured %s s): %s",
        spoken.page if spoken is not None else "?",
        streamed,
        whole.seconds,
        whole.page_seconds,
        "transcribing the whole recording" if transcribe_whole else "its own transcript is used",
    )
    return Choice(
        transcribe_whole=transcribe_whole,
        keep_whole=lost >= -MAX_STREAM_LOSS_SECONDS,
        streamed_seconds=streamed,
        whole_seconds=whole.seconds,
    )


def set_aside(dictation: Dictation) -> None:
    """The answer is heard from the whole recording: the stream is no longer decoded. It is kept until the
    answer is graded (a failed grading is submitted again); then its audio is only transcribed whole."""
    with dictation.lock:
        dictation.stopped = True
        dictation.aside = True
        dictation.touched = time.monotonic()
    dictation.transcription.cancel()
