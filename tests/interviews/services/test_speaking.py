"""Speaking metrics: pace, pauses and filler words of a spoken answer."""

from __future__ import annotations

import pytest

from interviews.ai.stt import WordTiming
from interviews.services.speaking import (
    analyse_speech,
    count_fillers,
    count_pauses,
    words_per_minute,
)


def timed(*spans: tuple[str, float, float]) -> list[WordTiming]:
    return [WordTiming(word, start, end) for word, start, end in spans]


def evenly(count: int, *, start: float = 0.0, step: float = 0.4, length: float = 0.3) -> list[WordTiming]:
    return [WordTiming(f"w{i}", start + i * step, start + i * step + length) for i in range(count)]


def test_pace_is_measured_over_the_time_actually_spoken():
    words = evenly(20, start=3.0, step=0.4, length=0.3)  # 20 words from 3.0 s to 10.9 s
    assert words_per_minute(words, duration_seconds=15.0) == pytest.approx(60 * 20 / 7.9, abs=0.1)


def test_pace_without_word_timings_uses_the_transcript_and_the_recording_length():
    assert words_per_minute([], 30.0, text="one two three four five six seven eight nine ten") == 20.0
    assert words_per_minute([], 0.0, text="words") is None
    assert words_per_minute([], 10.0, text="") is None


def test_gaps_of_at_least_0_7_seconds_are_pauses():
    words = timed(("a", 0.1, 0.3), ("b", 0.4, 0.6), ("c", 1.3, 1.5), ("d", 1.6, 1.8), ("e", 3.0, 3.2))
    assert count_pauses(words) == 2  # 0.6->1.3 and 1.8->3.0; 0.3->0.4 is a breath


def test_long_silence_before_the_first_word_counts_as_a_pause():
    assert count_pauses(timed(("a", 2.5, 2.7), ("b", 2.8, 3.0))) == 1
    assert count_pauses(timed(("a", 0.5, 0.7), ("b", 0.8, 1.0))) == 0
    assert count_pauses([]) == 0


@pytest.mark.parametrize(
    ("text", "fillers"),
    [
        ("Um, a list is, uh, mutable.", 2),
        ("Er, erm, basically it is a hash table.", 3),
        ("It's, like, a dictionary.", 1),
        ("It's like a dictionary.", 0),
        ("I like Python because it looks like pseudocode.", 0),
        ("Like a list, a tuple holds items.", 0),
        ("So um like the function returns early.", 2),
        ("You know, a heap keeps the smallest item on top.", 1),
        ("If you know the size in advance, use an array.", 0),
        ("What I mean is that it is immutable.", 0),
        ("I mean, it is immutable.", 1),
        ("It kind of works and it sort of scales.", 2),
        ("A trie is a kind of tree, a sort of index.", 0),
        ("", 0),
    ],
)
def test_filler_words_are_counted_only_when_used_as_fillers(text, fillers):
    assert count_fillers(text) == fillers


def test_analyse_speech_combines_the_metrics():
    text = "Um, a set, like, stores unique items."
    words = timed(
        ("Um", 2.4, 2.6),
        ("a", 3.5, 3.6),
        ("set", 3.6, 3.9),
        ("like", 4.0, 4.2),
        ("stores", 4.3, 4.6),
        ("unique", 4.7, 5.0),
        ("items", 5.0, 5.4),
    )
    metrics = analyse_speech(text=text, words=words, duration_seconds=6.0)
    assert metrics.word_count == 7
    assert metrics.filler_count == 2
    assert metrics.pause_count == 2  # the 2.4 s leading silence and the 0.9 s gap after "Um"
    assert metrics.leading_silence_seconds == 2.4
    assert metrics.words_per_minute == pytest.approx(60 * 7 / 3.0, abs=0.1)
    assert metrics.filler_rate == pytest.approx(100 * 2 / 7)
