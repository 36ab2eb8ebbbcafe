"""Hearing "finish interview" (exact, sounds-like, neither) and the yes/no reply to "Do you want to finish?"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from interviews.finish import confirmation_reply, finish_intent

# The bank as data files, read without Django: the matcher is plain Python.
BANK = Path(__file__).resolve().parents[2] / "interviews" / "bank" / "data"


def bank_texts() -> list[str]:
    """Every model answer of the bank, each of its sentences, key points and hints."""
    texts = []
    for path in sorted(BANK.glob("*.json")):
        for question in json.loads(path.read_text(encoding="utf-8"))["questions"]:
            answer = question["reference_answer"]
            texts += [
                answer,
                *re.split(r"(?<=[.!?])\s+", answer),
                *question["key_points"],
                question.get("hint", ""),
            ]
    return [text for text in texts if text]


@pytest.mark.parametrize(
    "text",
    [
        "Finish interview.",
        "Finish the interview, please.",
        "Let's finish the interview.",
        "Okay, I want to end the interview.",
    ],
)
def test_a_clear_command_finishes(text):
    assert finish_intent(text) == "finish"


@pytest.mark.parametrize(
    "text",
    [
        "Finish in to mute.",
        "Finish it into mute.",
        "Finished interview.",
        "Finished in from you.",
        "I like her finish mid-interview now.",
        "Fin is the interview.",
        "Finish.",
    ],
)
def test_what_whisper_makes_of_the_command_asks_for_confirmation(text):
    assert finish_intent(text) == "confirm"


@pytest.mark.parametrize(
    "text",
    [
        "We finish the interview loop in two rounds.",
        "I finished the project early and then ran the retrospective.",
        "In the end the interview process was shortened to three rounds.",
        "End of story.",
        "Thank you.",
    ],
)
def test_talking_about_finishing_is_not_a_command(text):
    assert finish_intent(text) is None


def test_no_model_answer_sentence_key_point_or_hint_of_the_bank_triggers_anything():
    texts = bank_texts()
    assert len(texts) > 3000
    assert [text for text in texts if finish_intent(text)] == []


@pytest.mark.parametrize(
    "text",
    ["yes", "Yes please.", "Yeah.", "finish", "Yes, finish the interview.", "Okay.", "Sure, I'm done."],
)
def test_yes_like_replies_confirm(text):
    assert confirmation_reply(text) == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No.",
        "continue",
        "Not yet.",
        "No, let's continue.",
        "Don't finish.",
        "Keep going",
        "Yes, continue.",
    ],
)
def test_no_like_replies_and_mixed_ones_decline(text):
    assert confirmation_reply(text) == "no"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "A tuple is immutable.",
        "Yes, a hash map gives constant time lookups.",
        "No, a list is not hashable.",
        "It depends on the load factor.",
    ],
)
def test_a_real_answer_is_not_a_yes_or_no(text):
    assert confirmation_reply(text) is None


def test_no_bank_text_reads_as_a_yes_or_no_so_a_real_answer_to_the_pending_question_is_graded():
    assert [text for text in bank_texts() if confirmation_reply(text)] == []
