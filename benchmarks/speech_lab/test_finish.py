"""The proposed finish matcher (run on demand: .venv/bin/pytest -q benchmarks/speech_lab/test_finish.py -p no:cacheprovider)."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks.speech_lab import evalset
from benchmarks.speech_lab.finish import finish_intent


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
    texts = []
    for path in sorted(evalset.BANK.glob("*.json")):
        for question in json.loads(path.read_text(encoding="utf-8"))["questions"]:
            answer = question["reference_answer"]
            texts += [
                answer,
                *re.split(r"(?<=[.!?])\s+", answer),
                *question["key_points"],
                question.get("hint", ""),
            ]
    assert len(texts) > 3000
    assert [text for text in texts if text and finish_intent(text)] == []
