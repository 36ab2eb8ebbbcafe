"""Text to speech: the embedded Piper voice and espeak-ng for real, gTTS at its HTTP (requests) boundary."""

from __future__ import annotations

import base64
import io
import shutil
import wave
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from interviews.ai import tts
from interviews.ai.tts import EspeakTTS, GTTSBackend, NothingToSay, PiperTTS, SpeechError
from tests.redis_server import free_port, private_redis

PIPER = "interviews.ai.tts.PiperTTS"
GTTS = "interviews.ai.tts.GTTSBackend"
FAKE_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" * 64


def wav_seconds(audio: bytes) -> float:
    with wave.open(io.BytesIO(audio)) as wav:
        return wav.getnframes() / wav.getframerate()


@pytest.fixture(scope="session")
def piper() -> PiperTTS:
    backend = PiperTTS()
    backend.load()
    return backend


@pytest.fixture
def process_cache_only(settings):
    """Sentences cached in this process only, whatever REDIS_URL says: the counts below are this test's."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def shared_cache(settings, tmp_path):
    """Django's cache on a private Redis server, as every process of a cluster shares it."""
    with private_redis(tmp_path) as url:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
        yield url


@pytest.mark.slow
def test_piper_speaks_a_question_as_wav(piper):
    speech = piper.synthesize("Tell me about a time you disagreed with a colleague.")

    assert speech.mime_type == "audio/wav"
    assert speech.audio[:4] == b"RIFF"
    assert 1.5 < wav_seconds(speech.audio) < 8.0


@pytest.mark.slow
def test_piper_serves_concurrent_requests(piper):
    lines = [f"This is question number {n}." for n in range(1, 5)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        spoken = list(pool.map(piper.synthesize, lines))

    assert all(wav_seconds(speech.audio) > 0.8 for speech in spoken)


@pytest.mark.slow
def test_synthesize_uses_the_configured_embedded_voice(piper, ai_services):
    ai_services("tts", backend=PIPER, fallback=PIPER)

    result = tts.synthesize("Welcome to your practice interview.")

    assert result.backend == "PiperTTS"
    assert result.fell_back is False
    assert wav_seconds(result.value.audio) > 1.0


def pcm_of(audio: bytes) -> bytes:
    with wave.open(io.BytesIO(audio)) as wav:
        return wav.readframes(wav.getnframes())


@pytest.mark.slow
def test_a_reply_reuses_the_sentences_already_spoken_to_other_candidates(piper, process_cache_only):
    tts._sentences.clear()
    question = "What is the difference between a list and a tuple in Python?"

    piper.synthesize(f"Correct, well done. Question 2: {question}")  # to one candidate
    misses_after_first = tts._sentences.misses
    reply = piper.synthesize(f"Not quite. Think about mutability. Question 5: {question}")  # to another

    assert tts._sentences.hits >= 1, "the bank question was synthesised again"
    assert tts._sentences.misses - misses_after_first == 3  # the two feedback sentences and "Question 5:"
    assert pcm_of(reply.audio).endswith(pcm_of(piper.synthesize(question).audio))


@pytest.mark.slow
def test_a_line_of_cached_sentences_sounds_as_long_as_piper_speaking_it_whole(piper, process_cache_only):
    tts._sentences.clear()
    line = "Good answer. Next question: how would you find a memory leak in a long-running service?"
    whole = io.BytesIO()
    with wave.open(whole, "wb") as wav:
        piper.load().synthesize_wav(line, wav)

    ours = piper.synthesize(line).audio

    assert wav_seconds(ours) == pytest.approx(wav_seconds(whole.getvalue()), rel=0.1)
    with wave.open(io.BytesIO(ours)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (
            1,
            2,
            piper.load().config.sample_rate,
        )


@pytest.mark.slow
def test_a_sentence_spoken_by_one_process_is_not_synthesised_again_by_another(piper, shared_cache):
    line = "Correct, well done. What is a race condition, and how would you prevent one?"
    tts._sentences.clear()
    first = piper.synthesize(line).audio
    assert tts._sentences.misses == 2

    tts._sentences.clear()  # another worker process: its own LRU is empty, the shared cache is not
    again = piper.synthesize(line).audio

    assert (tts._sentences.misses, tts._sentences.shared_hits) == (0, 2)
    assert again == first


@pytest.mark.slow
def test_with_sentence_caching_off_neither_cache_is_used(piper, shared_cache, monkeypatch):
    monkeypatch.setattr(tts._sentences, "size", 0)
    tts._sentences.clear()
    for _ in range(2):
        piper.synthesize("Caching is off for this server.")

    assert (tts._sentences.misses, tts._sentences.hits, tts._sentences.shared_hits) == (2, 0, 0)


@pytest.mark.slow
def test_without_the_shared_cache_the_voice_still_speaks(piper, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    tts._sentences.clear()

    assert wav_seconds(piper.synthesize("The cache is down, the interview goes on.").audio) > 1.0
    assert tts._sentences.misses == 1


@pytest.mark.slow
def test_piper_runs_each_synthesis_on_the_configured_thread_count(piper):
    options = PiperTTS(threads=1).load().session.get_session_options()

    assert options.intra_op_num_threads == 1


def test_empty_text_is_refused_as_nothing_to_say():
    with pytest.raises(NothingToSay):
        tts.synthesize("   \n ")


def test_very_long_text_is_cut_at_a_sentence_end():
    text = "This sentence is about fifty characters long, ok. " * 60

    line = tts.speakable(text, max_chars=300)

    assert len(line) <= 300
    assert line.endswith(".")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_speaks_text_even_when_it_starts_with_a_dash():
    speech = EspeakTTS().synthesize("-v is not an option here, just words.")

    assert speech.mime_type == "audio/wav"
    assert wav_seconds(speech.audio) > 1.0


def test_a_missing_espeak_binary_is_a_speech_error():
    with pytest.raises(SpeechError):
        EspeakTTS(binary="espeak-ng-not-installed-here").synthesize("Hello")


# --------------------------------------------------------------------------- gTTS at the requests transport


@pytest.fixture
def google_translate(monkeypatch):
    """Replace requests' HTTP adapter (the network edge gTTS uses) with a scripted Google Translate."""
    calls = []
    script = {"reply": None}

    def send(adapter, request, **kwargs):
        calls.append((request, kwargs))
        reply = script["reply"]
        if isinstance(reply, Exception):
            raise reply
        status, body = reply
        response = requests.Response()
        response.status_code = status
        response._content = body
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    script["calls"] = calls
    return script


def _batchexecute(mp3: bytes) -> bytes:
    encoded = base64.b64encode(mp3).decode()
    return (
        ')]}\'\n\n123\n[["wrb.fr","jQ1olc","[\\"' + encoded + '\\"]",null,null,null,"generic"]]\n'
    ).encode()


def test_gtts_audio_is_taken_from_googles_answer(google_translate):
    google_translate["reply"] = (200, _batchexecute(FAKE_MP3))

    speech = GTTSBackend(timeout=4.0).synthesize("Hello candidate.")

    assert speech == tts.Speech(audio=FAKE_MP3, mime_type="audio/mpeg")
    request, kwargs = google_translate["calls"][0]
    assert "translate.google.com" in request.url
    assert kwargs["timeout"] == 4.0


def test_gtts_http_error_is_a_speech_error(google_translate):
    google_translate["reply"] = (500, b"server error")

    with pytest.raises(SpeechError) as caught:
        GTTSBackend().synthesize("Hello candidate.")

    assert caught.value.user_message == "The online speech service is unreachable."


def test_gtts_timeout_is_a_speech_error(google_translate):
    google_translate["reply"] = requests.exceptions.ReadTimeout("read timed out")

    with pytest.raises(SpeechError):
        GTTSBackend(timeout=0.1).synthesize("Hello candidate.")


@pytest.mark.slow
def test_failing_gtts_falls_back_to_the_embedded_piper_voice(google_translate, piper, ai_services):
    google_translate["reply"] = requests.exceptions.ConnectionError("network is unreachable")
    ai_services("tts", backend=GTTS, fallback=PIPER)

    result = tts.synthesize("Let's begin with a question about Python.")

    assert result.fell_back is True
    assert result.backend == "PiperTTS"
    assert result.value.mime_type == "audio/wav"
    assert "unreachable" in result.notices[0]
