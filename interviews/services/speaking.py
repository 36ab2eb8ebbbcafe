"""Speaking metrics of a spoken answer: pace (words per minute), pauses and filler words (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

PAUSE_SECONDS = 0.7  # a gap between two words at least this long is a pause
# Silence before the first word longer than this is a hesitation worth reporting, not a breath.
LONG_LEADING_SILENCE_SECONDS = 2.0

# Always fillers, whatever the context.
_PURE_FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm", "basically"})
# Words that make a following "sort of"/"kind of" a noun phrase ("a kind of tree"), not a hedge.
_NOUN_DETERMINERS = frozenset(
    {
        "a",
        "an",
        "the",
        "this",
        "that",
        "what",
        "which",
        "some",
        "any",
        "every",
        "one",
        "same",
        "each",
        "another",
        "these",
        "those",
        "its",
        "their",
        "our",
        "my",
        "your",
    }
)
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[,.;:!?…—-]+")
_BREAK = re.compile(r"[,.;:!?…—-]+")
_CLAUSE_BREAK = re.compile(r"[,…—-]+|\.\.\.")


class TimedWord(Protocol):
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class SpeakingMetrics:
    word_count: int
    words_per_minute: float | None  # None when there is no speech to time
    filler_count: int
    pause_count: int  # gaps >= PAUSE_SECONDS, plus a long leading silence
    leading_silence_seconds: float

    @property
    def filler_rate(self) -> float:
        """Fillers per 100 words."""
        return 100.0 * self.filler_count / self.word_count if self.word_count else 0.0


def count_words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?", text or ""))


def words_per_minute(words: Sequence[TimedWord], duration_seconds: float, *, text: str = "") -> float | None:
    """Pace over the time actually spoken (first word start to last word end); without word timings,
    the transcript's word count over the whole recording."""
    if words:
        span = words[-1].end - words[0].start
        if span <= 0:
            return None
        return round(60.0 * len(words) / span, 1)
    count = count_words(text)
    if not count or duration_seconds <= 0:
        return None
    return round(60.0 * count / duration_seconds, 1)


def count_pauses(words: Sequence[TimedWord], *, min_gap: float = PAUSE_SECONDS) -> int:
    """Gaps of at least `min_gap` seconds between consecutive words, plus a long silence before the first."""
    gaps = sum(
        1 for before, after in zip(words, words[1:], strict=False) if after.start - before.end >= min_gap
    )
    leading = 1 if words and words[0].start >= LONG_LEADING_SILENCE_SECONDS else 0
    return gaps + leading


def count_fillers(text: str) -> int:
    """Filler words and phrases: um/uh/er, "basically", and "like", "you know", "I mean", "sort of",
    "kind of" when used as hedges rather than for their meaning."""
    tokens = _TOKEN.findall((text or "").lower().replace("’", "'"))
    count = 0
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i > 0 else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _PURE_FILLERS:
            count += 1
        elif token == "like" and _is_filler_like(before, after):
            count += 1
        elif token == "know" and before == "you" and _set_off(tokens, i - 1, i):
            count += 1  # "you know," as a parenthetical, not "if you know the size"
        elif token == "mean" and before == "i" and _set_off(tokens, i - 1, i):
            count += 1  # "I mean," not "what I mean is"
        elif (
            token == "of" and before in ("sort", "kind") and (i < 2 or tokens[i - 2] not in _NOUN_DETERMINERS)
        ):
            count += 1  # "it kind of works", not "a kind of tree"
    return count


def _is_filler_like(before: str, after: str) -> bool:
    # "like" set off by a comma or dash ("it's, like, a list"), doubled, or straight after another filler
    # is a filler; "I like", "looks like", "something like this" and a sentence-opening "Like a list, ..." are not.
    return (
        bool(_CLAUSE_BREAK.fullmatch(before) or _CLAUSE_BREAK.fullmatch(after))
        or before in _PURE_FILLERS
        or (after == "like")
    )


def _set_off(tokens: list[str], first: int, last: int) -> bool:
    """The phrase tokens[first..last] stands apart: at a sentence or clause edge on either side."""
    before = tokens[first - 1] if first > 0 else "."
    after = tokens[last + 1] if last + 1 < len(tokens) else "."
    return bool(_BREAK.fullmatch(before) or _BREAK.fullmatch(after))


def analyse_speech(*, text: str, words: Sequence[TimedWord], duration_seconds: float) -> SpeakingMetrics:
    """All speaking metrics of one spoken answer."""
    leading = words[0].start if words else 0.0
    return SpeakingMetrics(
        word_count=len(words) if words else count_words(text),
        words_per_minute=words_per_minute(words, duration_seconds, text=text),
        filler_count=count_fillers(text),
        pause_count=count_pauses(words),
        leading_silence_seconds=round(max(leading, 0.0), 2),
    )
