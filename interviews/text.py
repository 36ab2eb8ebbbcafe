"""Text helpers, one home for each: words, stems and stop words (grading, question choice) and showing bank text
(inline code written between backticks, `==`, `__eq__`, as <code> on pages)."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_INLINE_CODE = re.compile(r"`([^`\n]+)`")


def rich_text(text: str) -> SafeString:
    """`text` as safe HTML with backtick spans as <code>; escaped first, so <code> is the only markup."""
    return mark_safe(_INLINE_CODE.sub(r"<code>\1</code>", escape(text or "")))  # noqa: S308


# --- Matching: the grader's fitted constants depend on these exact words and stems ----------------------

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just let me more most my myself
    no nor not now of off on once only or other our ours ourselves out over own same she should so some such
    than that the their theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours yourself
    yourselves also may might must shall us etc eg ie thing things something way ways use used using one two
    like well get gets got make makes made really kind basically per each every""".split()
)
WORD = re.compile(r"[a-z0-9]+(?:[+#]+|'[a-z]+)?")


def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'pointers'/'pointer', 'sorting'/'sorted'/'sort'."""
    word = word.split("'")[0]
    for suffix, repl in (
        ("ational", "ate"),
        ("ization", "ize"),
        ("ations", "ate"),
        ("ation", "ate"),
        ("iveness", "ive"),
        ("fulness", "ful"),
        ("ousness", "ous"),
        ("ities", "ity"),
        ("ments", "ment"),
        ("ingly", ""),
        ("edly", ""),
        ("ally", ""),
        ("ions", ""),
        ("ion", ""),
        ("ives", ""),
        ("ive", ""),
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("ly", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) + len(repl) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            word = word[: len(word) - len(suffix)] + repl
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # running -> runn -> run
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]  # store/storing/stored all meet at "stor"
    return word


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


def normalise_question_text(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces: two wordings of one question compare equal."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())
