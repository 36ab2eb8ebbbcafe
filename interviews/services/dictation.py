"""Answers spoken into the live page's streaming microphone: one StreamingTranscription per page (a Gradio
session), fed with checked chunks, bounded in size and number, owned by the candidate who started it, and
dropped when the answer is submitted, recorded again, or the page goes away.

The live page calls `start` on the first chunk of a recording, `feed` on each chunk, `stop` when the
recording stops and `for_submit` / `discard` around the answer's submission (interviews.live.callbacks).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from interviews import uploads
from interviews.ai import inference, media, streaming_stt
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
    chunks: set[str] = field(default_factory=set)  # the chunk files fed: never an answer of their own
    last_chunk: str | None = None  # the last chunk a stream event handed over
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
        missed = uploads.uploads_between(owner=dictation.owner, after=dictation.last_chunk, upto=chunk_path)
        for path in missed:
            if path in dictation.chunks or (path != chunk_path and not is_streamed_chunk(path)):
                continue  # fed already, or another upload of the page (a webcam clip)
            _feed_one(dictation, path)
        dictation.last_chunk = chunk_path
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
    dictation.chunks.add(path)
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
