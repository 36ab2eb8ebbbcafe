"""Recognising "finish interview" in typed or transcribed answers, and not in answers about finishing."""

from __future__ import annotations

import pytest

from interviews.engine import is_finish_command


@pytest.mark.parametrize(
    "text",
    [
        "finish interview",
        "Finish the interview.",
        "FINISH INTERVIEW!",
        "I'd like to finish the interview now",
        "I’d like to finish the interview now.",  # typographic apostrophe
        "finish interview please",
        "let's end the interview",
        "Let’s end the interview.",
        "stop the interview",
        "Stop the interview, please.",
        "Can we finish the interview?",
        "Could we end this interview now, thanks",
        "I want to end the interview.",
        "Okay, I think I want to finish the interview now.",
        "Um, finish the interview.",
        "please end the interview thank you",
        "End interview.",
        "Finnish the interview.",  # Whisper's spelling of a clipped "finish"
        "I'm done with the interview.",
        "Let's wrap up the interview.",
        "quit the interview",
        "finish-interview",
        "  finish   interview  ",
        "Thank you, that's all. Finish the interview.",
        "That's it, I'm finished, end the interview.",
    ],
)
def test_finish_commands_are_recognised(text):
    assert is_finish_command(text)


@pytest.mark.parametrize(
    "text",
    [
        "I finished the project before the interview deadline",
        "we had to finish the interview loop for hiring",
        "At my last job I would end the interview process with a coding task",
        "To finish the interview I would say that a hash map gives constant time lookups",
        "stop the interview process from leaking candidate data",
        "The interview ended early because the build failed",
        "end of the interview",
        "finish",
        "I am finished",
        "interview",
        "We always finish the interview with questions from the candidate",
        "It is all about how you end the interview",
        "I'd like to end the interview with a question about your team",
        "How do you end the interview in a fair way?",
        "",
        "   ",
        "A list comprehension builds a new list; to finish, the interview question asks about filtering",
    ],
)
def test_answers_that_mention_finishing_are_not_commands(text):
    assert not is_finish_command(text)
