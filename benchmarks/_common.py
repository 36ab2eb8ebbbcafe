"""Helpers shared by the AI service benchmarks: Django setup for standalone runs, word error rate, the table printer."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = Path(os.environ.get("EVAL_DIR", ROOT.parent / "shared" / "eval"))


class MissingEvalData(SystemExit):
    """The public evaluation set is not beside the repository: say where to get it instead of a traceback."""


def require_eval(path: Path, benchmark: str) -> Path:
    """`path` if it exists, else MissingEvalData naming it (benchmarks.run skips that benchmark and goes on)."""
    if not path.exists():
        raise MissingEvalData(
            f"{benchmark}: missing evaluation data {path}. The benchmarks measure on the public labelled set"
            " kept outside the repository (../shared/eval, or EVAL_DIR): see benchmarks/README.md, 'Data'."
        )
    return path


# Whisper writes "Mr." where LibriVox transcripts spell "mister"; both sides are folded the same way.
_SPELLINGS = {"mister": "mr", "missus": "mrs", "doctor": "dr"}


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interbot_site.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def as_transcribed(text: str) -> str:
    """An answer as a speech recogniser sometimes returns it: no punctuation, no capitals but "I"."""
    plain = re.sub(r"[^\w\s'%-]", " ", text).lower()
    return re.sub(r"\bi\b", "I", " ".join(plain.split()))


def normalised_words(text: str) -> list[str]:
    cleaned = "".join(c.lower() if c.isalnum() or c == "'" else " " for c in text.replace("-", " "))
    return [_SPELLINGS.get(word, word) for word in cleaned.split()]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + insertions + deletions, reference word count) after normalisation."""
    ref = normalised_words(reference)
    return edit_distance(ref, normalised_words(hypothesis)), len(ref)


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Word-level Levenshtein distance: substitutions + insertions + deletions (the tests' WER uses it too)."""
    distance = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, distance[0] = distance[0], i
        for j, h in enumerate(hyp, 1):
            previous, distance[j] = (
                distance[j],
                min(distance[j] + 1, distance[j - 1] + 1, previous + (r != h)),
            )
    return distance[-1]


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n## {title}")
    if not rows:
        print("(no rows)")
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_format(row.get(col, "")) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    print("| " + " | ".join(col.ljust(w) for col, w in zip(columns, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
