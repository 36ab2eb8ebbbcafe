"""Hearing "finish interview": exact -> finish now; sounds-like -> ask first; and the yes/no reply to that question.

`finish_intent(text)` returns "finish", "confirm" or None. The exact tier (`is_finish_command`) is a short
utterance of framing words + finish verb + "interview". The fuzzy tier catches what Whisper makes of the
phrase ("Finish in to mute", "Finished interview", "Fin is the interview") but only in short utterances
that hold nothing but the phrase and framing words, so an answer that talks about finishing never triggers.
Researched and measured in benchmarks/speech_lab (README: 0 false finishes over 4,103 bank texts).
`confirmation_reply(text)` reads the answer to "Do you want to finish the interview?". Plain Python.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

FinishIntent = Literal["finish", "confirm"]
ConfirmationReply = Literal["yes", "no"]

_FINISH_VERBS = {
    "finish",
    "finnish",
    "end",
    "stop",
    "quit",
    "terminate",
    "conclude",
    "close",
    "exit",
    "wrap",
    "done",
}
_BETWEEN = {"the", "this", "my", "our", "up", "with"}
_FRAMING = {
    "ok",
    "okay",
    "alright",
    "right",
    "so",
    "well",
    "yes",
    "yeah",
    "no",
    "please",
    "thanks",
    "thank",
    "you",
    "um",
    "uh",
    "er",
    "erm",
    "hmm",
    "oh",
    "sorry",
    "actually",
    "just",
    "now",
    "here",
    "today",
    "for",
    "then",
    "and",
    "me",
    "hey",
    "interbot",
    "bot",
    "thats",
    "all",
    "it",
    "finished",
    "enough",
    "i",
    "id",
    "im",
    "ill",
    "would",
    "like",
    "to",
    "want",
    "wanna",
    "lets",
    "let",
    "us",
    "can",
    "could",
    "we",
    "think",
    "ready",
    "done",
    "go",
    "ahead",
    "should",
    "need",
    "am",
    "will",
}
MAX_COMMAND_WORDS = 14
MAX_FUZZY_WORDS = 9
_VERB_LIKE = {
    "finished",
    "finishing",
    "done",
}  # kept in the core: "Finished interview." is the command misheard
# The spoken command as one string of letters: what the fuzzy tier compares the utterance's core with.
_TARGETS = ("finishinterview", "finishtheinterview", "endinterview", "endtheinterview", "stoptheinterview")
FUZZY_RATIO = 0.65
_SOUNDS_LIKE_VERB = ("fi", "fe", "fa", "ph", "vi", "va", "en", "st")


def words(text: str) -> list[str]:
    text = re.sub(r"[’'`]", "", (text or "").lower())
    return re.findall(r"[a-z0-9]+", text)


def is_finish_command(text: str) -> bool:
    """True when the candidate asks to end the interview ("Finish the interview.", "let's end the
    interview", "I'd like to finish the interview now"), False for answers that mention finishing."""
    ws = words(text)
    if not ws or len(ws) > MAX_COMMAND_WORDS:
        return False
    for index, word in enumerate(ws):
        if word not in _FINISH_VERBS:
            continue
        end = index + 1
        while end < len(ws) and ws[end] in _BETWEEN:
            end += 1
        if end < len(ws) and ws[end] == "interview":
            others = ws[:index] + ws[end + 1 :]
            if all(other in _FRAMING or other in _FINISH_VERBS for other in others):
                return True
    return False


def _core(ws: list[str]) -> str:
    """The utterance without leading/trailing framing words ("okay, I want to ... please"), as letters."""
    return "".join(_core_words(ws))


def fuzzy_score(text: str) -> float:
    ws = words(text)
    if not ws or len(ws) > MAX_FUZZY_WORDS:
        return 0.0
    core = _core(ws)
    if not core.startswith(_SOUNDS_LIKE_VERB):
        return 0.0  # the command starts with its verb; "...in the interview" alone is not a command
    if core in {"finish", "finnish", "finished"}:
        return 1.0  # "Finish." alone: "interview" lost in the noise; asking costs one click
    # Much longer than the phrase means more was said ("finish the interview loop in two rounds").
    return (
        max(
            SequenceMatcher(None, core, target).ratio()
            for target in _TARGETS
            if len(core) <= 1.3 * len(target)
        )
        if len(core) <= 1.3 * max(map(len, _TARGETS))
        else 0.0
    )


_FINISH_LIKE = {"finish", "finished", "finishing", "finnish"}
MAX_TAIL_WORDS = 4


def sounds_like_command(text: str) -> bool:
    """The fuzzy tier. In a short utterance (<= 9 words): "finish" followed within three words by "inter..."
    ("I like her finish mid-interview now"); or "finish" opening a core of at most 4 more words (what
    Whisper makes of "interview": "Finish it in to mute", "Finished in from you", "Finish the end with you");
    or a core that spells close to the phrase ("Fin is the interview", "Vanish interview")."""
    ws = words(text)
    if not ws or len(ws) > MAX_FUZZY_WORDS:
        return False
    for index, word in enumerate(ws):
        if word not in _FINISH_LIKE:
            continue
        for offset, other in enumerate(ws[index + 1 : index + 4], start=index + 1):
            # "...interview" ends the utterance (framing aside): "the interview loop in two rounds" is talk
            if other.startswith("inter") and all(w in _FRAMING for w in ws[offset + 1 :]):
                return True
    core_words = _core_words(ws)
    tail = core_words[1:]
    # What Whisper makes of "the interview" is a few short words; "the project early" is an answer.
    if (
        core_words
        and core_words[0] in _FINISH_LIKE
        and len(tail) <= MAX_TAIL_WORDS
        and all(len(w) <= 4 for w in tail)
    ):
        return True
    return fuzzy_score(text) >= FUZZY_RATIO


def _core_words(ws: list[str]) -> list[str]:
    start, end = 0, len(ws)
    while start < end and ws[start] in _FRAMING and ws[start] not in _FINISH_VERBS | _VERB_LIKE:
        start += 1
    while end > start and ws[end - 1] in _FRAMING and ws[end - 1] not in _VERB_LIKE:
        end -= 1
    return ws[start:end]


def finish_intent(text: str) -> FinishIntent | None:
    if is_finish_command(text):
        return "finish"
    if sounds_like_command(text):
        return "confirm"
    return None


# --- The reply to "Do you want to finish the interview?" -------------------------------------------

CONFIRM_QUESTION = "Do you want to finish the interview?"
# A word that decides the reply. A "no" word wins over a "yes" word ("yes, continue", "no, finish"):
# a mistaken "continue" costs the candidate nothing, a mistaken finish ends their interview.
_YES = {
    "yes",
    "yeah",
    "yep",
    "yup",
    "yea",
    "ya",
    "sure",
    "ok",
    "okay",
    "absolutely",
    "definitely",
    "certainly",
    "correct",
    "indeed",
    "affirmative",
    "finish",
    "finnish",
    "finished",
    "end",
    "stop",
    "quit",
    "done",
}
_NO = {
    "no",
    "nope",
    "nah",
    "not",
    "dont",
    "continue",
    "cancel",
    "wait",
    "keep",
    "resume",
    "carry",
    "never",
    "negative",
    "later",
}
# Words a yes/no reply may also hold ("yes please", "no, let's go on with the question", "not yet").
_REPLY_FILLER = _FRAMING | {
    "the",
    "this",
    "interview",
    "do",
    "go",
    "on",
    "going",
    "back",
    "yet",
    "with",
    "question",
    "questions",
    "more",
    "one",
    "answer",
    "answering",
    "of",
    "course",
    "sir",
    "maam",
    "mistake",
    "that",
    "was",
    "a",
    "is",
    "not",
}
MAX_REPLY_WORDS = 10


def confirmation_reply(text: str) -> ConfirmationReply | None:
    """Reads a reply to CONFIRM_QUESTION: "yes" / "no" when `text` is short and made only of yes/no words
    and filler, else None (then it is an answer to the question on screen)."""
    ws = words(text)
    if not ws or len(ws) > MAX_REPLY_WORDS:
        return None
    if not all(word in _YES or word in _NO or word in _REPLY_FILLER for word in ws):
        return None
    if any(word in _NO for word in ws):
        return "no"
    if any(word in _YES for word in ws):
        return "yes"
    return None
