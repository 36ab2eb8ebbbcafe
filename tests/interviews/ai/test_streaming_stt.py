"""Transcribing while the candidate speaks: pauses found by Silero VAD on real read speech, segments decoded by
the real embedded Whisper, the stop, and the bounds. Speed and accuracy against the whole file are measured in
benchmarks/speech_lab (bench --only stream), not here."""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
import pytest

from interviews.ai import media
from interviews.ai.registry import ServiceError
from interviews.ai.streaming_stt import CutRules, PauseFinder, StreamingTranscription, run_in_thread
from interviews.ai.stt import FasterWhisperSTT, UnusableAudio

from .conftest import SPEECH_DIR, speech_references, words_of

SR = media.SAMPLE_RATE
FIRST = "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7.1 s
SECOND = "sense_and_sensibility_01_austen_64kb-0880.wav"  # 4.0 s
GAP_S = 1.0
# Short segments, so the two short clips make two of them (the product's minimum is longer).
TWO_SENTENCE_RULES = CutRules(min_segment_s=3.0, max_segment_s=25.0)


@pytest.fixture(scope="module")
def whisper() -> FasterWhisperSTT:
    backend = FasterWhisperSTT()
    backend.load()
    return backend


@pytest.fixture(scope="module")
def two_sentences() -> tuple[np.ndarray, int]:
    """Two real read sentences with a second of silence between them; (samples, sample where the gap starts)."""
    first = media.decode_audio(SPEECH_DIR / FIRST)
    second = media.decode_audio(SPEECH_DIR / SECOND)
    return np.concatenate([first, np.zeros(int(GAP_S * SR), np.float32), second]), first.size


class RecordingDecoder:
    """The real Whisper backend, noting the prompt of each segment it decodes."""

    def __init__(self, backend: FasterWhisperSTT):
        self.backend = backend
        self.prompts: list[str] = []

    def transcribe_segment(self, samples, *, prompt=""):
        self.prompts.append(prompt)
        return self.backend.transcribe_segment(samples, prompt=prompt)


def run_now(call, urgent: bool) -> Future:
    """Decode at once, in the feeding thread: the test sees each segment's words as soon as it is cut."""
    future: Future = Future()
    future.set_running_or_notify_cancel()
    try:
        future.set_result(call())
    except BaseException as error:  # noqa: BLE001
        future.set_exception(error)
    return future


def feed_in_chunks(stream: StreamingTranscription, samples: np.ndarray, *, chunk_s: float = 0.5) -> list[str]:
    """Feed like the page does (a chunk every half second); the text seen after each chunk."""
    step = int(chunk_s * SR)
    seen = []
    for offset in range(0, samples.size, step):
        stream.feed(samples[offset : offset + step])
        seen.append(stream.text())
    return seen


def test_the_stream_is_cut_in_the_pause_between_two_sentences(two_sentences, whisper):
    samples, gap_start = two_sentences
    stream = StreamingTranscription(decoder=whisper, rules=TWO_SENTENCE_RULES, submit=run_in_thread)
    feed_in_chunks(stream, samples)
    transcript = stream.finish().result(timeout=120)

    segments = stream.segments
    assert len(segments) == 2
    assert gap_start <= segments[0].end <= gap_start + GAP_S * SR  # the cut lies in the silence
    assert segments[1].end == samples.size
    references = speech_references()
    assert words_of(segments[0].text)[-3:] == words_of(references[FIRST])[-3:]  # "to do for them"
    assert "young" in words_of(segments[1].text)
    assert transcript.duration_seconds == pytest.approx(samples.size / SR, abs=0.01)


def test_words_show_before_the_stop_and_only_the_last_segment_waits_for_it(two_sentences, whisper):
    samples, _ = two_sentences
    urgency: list[bool] = []

    def noting(call, urgent):
        urgency.append(urgent)
        return run_now(call, urgent)

    stream = StreamingTranscription(decoder=whisper, rules=TWO_SENTENCE_RULES, submit=noting)
    seen = feed_in_chunks(stream, samples)
    assert "dashwood" in words_of(seen[-1])  # heard while the second sentence was still coming in
    assert not seen[0]  # nothing before the first pause
    stream.finish().result(timeout=120)
    assert urgency == [False, True]  # the first segment in the background, the rest after the stop


def test_a_segment_is_prompted_with_the_context_then_the_words_before_it(two_sentences, whisper):
    samples, _ = two_sentences
    decoder = RecordingDecoder(whisper)
    context = "Interview on literature. Who is John Dashwood?"
    stream = StreamingTranscription(
        decoder=decoder, context=context, rules=TWO_SENTENCE_RULES, submit=run_now
    )
    feed_in_chunks(stream, samples)
    stream.finish().result(timeout=120)

    assert decoder.prompts[0] == context
    assert decoder.prompts[1].startswith(context)
    assert words_of(decoder.prompts[1])[-3:] == ["do", "for", "them"]  # the first segment's last words


def test_no_cut_before_the_minimum_segment_length(two_sentences, whisper):
    samples, _ = two_sentences
    stream = StreamingTranscription(decoder=whisper, rules=CutRules(min_segment_s=12.0), submit=run_now)
    seen = feed_in_chunks(stream, samples)  # 12.1 s with its one pause at 7 s
    assert not any(seen)
    transcript = stream.finish().result(timeout=120)
    assert len(stream.segments) == 1
    assert {"dashwood", "young", "man"} <= set(words_of(transcript.text))


def test_a_long_stretch_without_pauses_is_cut_at_the_maximum_length(whisper):
    first = media.decode_audio(SPEECH_DIR / FIRST)
    rules = CutRules(min_segment_s=2.0, max_segment_s=4.0, min_pause_s=2.0)  # no pause is ever long enough
    finder = PauseFinder(rules)
    finder.add(first)
    cut = finder.next_cut(0)
    assert cut is not None and cut <= first.size


def test_the_audio_kept_stops_at_max_seconds(two_sentences):
    samples, _ = two_sentences
    stream = StreamingTranscription(decoder=None, max_seconds=3.0)
    kept = [stream.feed(samples[i : i + SR]) for i in range(0, samples.size, SR)]
    assert stream.audio().size == 3 * SR
    assert stream.full
    assert sum(kept) == 3 * SR and kept[-1] == 0


def test_without_a_streaming_decoder_the_audio_is_kept_for_the_whole_file(two_sentences):
    samples, _ = two_sentences
    stream = StreamingTranscription(decoder=None)
    feed_in_chunks(stream, samples)
    assert np.array_equal(stream.audio(), samples)
    with pytest.raises(ServiceError):
        stream.finish().result(timeout=5)


def test_silence_only_is_unusable_audio(whisper):
    stream = StreamingTranscription(decoder=whisper, submit=run_now)
    feed_in_chunks(stream, np.zeros(3 * SR, np.float32))
    with pytest.raises(UnusableAudio) as raised:
        stream.finish().result(timeout=60)
    assert "couldn't make out any words" in raised.value.user_message


def test_a_failing_segment_makes_the_stop_fail_so_the_whole_file_is_transcribed(two_sentences):
    samples, _ = two_sentences

    class BrokenEngine:
        def transcribe_segment(self, samples, *, prompt=""):
            raise RuntimeError("model file damaged")

    stream = StreamingTranscription(decoder=BrokenEngine(), rules=TWO_SENTENCE_RULES, submit=run_now)
    feed_in_chunks(stream, samples)
    with pytest.raises(ServiceError):
        stream.finish().result(timeout=5)
    assert stream.audio().size == samples.size  # nothing lost for the fallback


def test_audio_after_the_stop_is_refused(two_sentences, whisper):
    samples, _ = two_sentences
    stream = StreamingTranscription(decoder=whisper, submit=run_now)
    stream.feed(samples[:SR])
    stream.finish()
    with pytest.raises(RuntimeError):
        stream.feed(samples[SR : 2 * SR])
