"""The LLM grader: rubric JSON parsed and validated, one retry on a malformed reply, offline fallback with a notice."""

import copy
import json
from dataclasses import replace

import pytest

from interviews.ai import registry
from interviews.ai.llm import LLMError
from interviews.services.grading import (
    UNAVAILABLE_NOTICE,
    UNREADABLE_NOTICE,
    EmbeddingGrader,
    LLMGrader,
    get_grader,
    parse_llm_verdict,
    reset_grader,
)


class ScriptedChat:
    """The network edge of the LLM: replies (or raises) from a script, and records every prompt."""

    option_names = ()

    def __init__(self, replies=None):
        self.replies = list(replies or [])
        self.calls: list[list[dict]] = []

    def chat(self, messages, *, max_tokens=512, temperature=0.2, schema=None, timeout=None):
        self.calls.append(copy.deepcopy(messages))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def _reply(**overrides):
    data = {
        "verdict": "partial",
        "score": 0.5,
        "missing_points": ["only one primary key per table"],
        "hint": "How many of them can one table have?",
        "praise": "Right: it identifies each row.",
    }
    return json.dumps({**data, **overrides})


ANSWER = "It is the column that identifies each row, and it can't be null."


def test_a_valid_json_verdict_becomes_the_grade(embedding_grader, primary_key):
    chat = ScriptedChat([_reply()])

    grade = LLMGrader(chat, embedding_grader).grade(primary_key, ANSWER)

    assert grade.grader == "LLMGrader"
    assert grade.verdict == "partial"
    assert grade.score == 0.5
    assert grade.missing_points == ("only one primary key per table",)
    assert grade.covered_points == ("uniquely identifies each row", "cannot be null")
    assert grade.hint == "How many of them can one table have?"
    assert grade.praise == "Right: it identifies each row."
    assert grade.notices == ()
    assert len(chat.calls) == 1


def test_the_prompt_carries_the_question_reference_key_points_and_answer(embedding_grader, primary_key):
    chat = ScriptedChat([_reply()])

    LLMGrader(chat, embedding_grader).grade(primary_key, ANSWER)

    prompt = chat.calls[0][-1]["content"]
    for part in (primary_key.text, primary_key.reference_answer, *primary_key.key_points, ANSWER):
        assert part in prompt


def test_json_wrapped_in_a_code_fence_and_chatter_is_read(embedding_grader, primary_key):
    chat = ScriptedChat(
        ["Sure! Here is my grading:\n```json\n" + _reply(verdict="Correct", score=0.9) + "\n```"]
    )

    grade = LLMGrader(chat, embedding_grader).grade(primary_key, ANSWER)

    assert grade.verdict == "correct"
    assert grade.hint == ""
    assert grade.missing_points == ()  # a right answer is not sent back with points "missing"


def test_a_malformed_reply_is_retried_once(embedding_grader, primary_key):
    chat = ScriptedChat(
        ["The answer is mostly right.", _reply(verdict="correct", score=1.0, missing_points=[])]
    )

    grade = LLMGrader(chat, embedding_grader).grade(primary_key, ANSWER)

    assert grade.grader == "LLMGrader"
    assert grade.verdict == "correct"
    assert len(chat.calls) == 2
    assert chat.calls[1][-2] == {"role": "assistant", "content": "The answer is mostly right."}
    repair = chat.calls[1][-1]["content"]
    assert "no JSON object in the reply" in repair  # the model is shown what was wrong, not the same prompt
    assert chat.calls[1][:-2] == chat.calls[0]


def test_every_request_asks_for_json_of_the_verdict_schema(embedding_grader, primary_key):
    from interviews.services.grading import LLMVerdict

    schemas = []

    class SchemaRecordingChat(ScriptedChat):
        def chat(self, messages, *, schema=None, **options):
            schemas.append(schema)
            return super().chat(messages, **options)

    LLMGrader(SchemaRecordingChat(["{}", _reply()]), embedding_grader).grade(primary_key, ANSWER)

    assert schemas == [LLMVerdict, LLMVerdict]


@pytest.mark.parametrize(
    "bad_reply",
    [
        "not json at all",
        '{"verdict": "correct", "score": 0.9',  # truncated
        '{"verdict": "maybe", "score": 0.5}',  # not a verdict
        '{"verdict": "correct", "score": 7}',  # score outside 0-1
        '{"score": 0.5}',  # verdict missing
    ],
)
def test_two_unreadable_replies_fall_back_to_the_offline_grader_with_a_notice(
    embedding_grader, primary_key, bad_reply
):
    chat = ScriptedChat([bad_reply, bad_reply, _reply()])

    grade = LLMGrader(chat, embedding_grader).grade(primary_key, ANSWER)

    assert len(chat.calls) == 2
    assert grade.grader == "EmbeddingGrader"
    assert grade.notices == (UNREADABLE_NOTICE,)
    assert grade == replace(embedding_grader.grade(primary_key, ANSWER), notices=(UNREADABLE_NOTICE,))


@pytest.mark.parametrize(
    "error",
    [
        LLMError("chat timed out", user_message="The AI service took too long to answer."),
        LLMError("HTTP 503 from provider"),
    ],
)
def test_an_llm_failure_falls_back_to_the_offline_grader_with_a_notice(embedding_grader, primary_key, error):
    chat = ScriptedChat([error])

    grade = LLMGrader(chat, embedding_grader).grade(primary_key, ANSWER)

    assert grade.grader == "EmbeddingGrader"
    assert grade.notices == (UNAVAILABLE_NOTICE,)
    assert grade.verdict in {"correct", "partial"}
    assert len(chat.calls) == 1


def test_an_llm_failure_on_the_retry_also_falls_back(embedding_grader, primary_key):
    chat = ScriptedChat(["garbage", LLMError("connection reset")])

    grade = LLMGrader(chat, embedding_grader).grade(primary_key, ANSWER)

    assert grade.grader == "EmbeddingGrader"
    assert grade.notices == (UNAVAILABLE_NOTICE,)


def test_a_hint_that_gives_away_the_reference_answer_is_replaced(embedding_grader, primary_key):
    chat = ScriptedChat([_reply(hint=f"The answer is: {primary_key.reference_answer}")])

    grade = LLMGrader(chat, embedding_grader).grade(primary_key, ANSWER)

    assert primary_key.reference_answer not in grade.hint
    assert grade.hint.startswith(primary_key.hint)


def test_an_empty_answer_is_graded_without_asking_the_llm(embedding_grader, primary_key):
    chat = ScriptedChat([])

    grade = LLMGrader(chat, embedding_grader).grade(primary_key, "   ")

    assert chat.calls == []
    assert grade.verdict == "incorrect"


def test_parse_rejects_a_reply_without_an_object():
    with pytest.raises(ValueError):
        parse_llm_verdict("[1, 2, 3]")


@pytest.fixture
def clean_grader_cache():
    reset_grader()
    registry.reset_backends()
    yield
    reset_grader()
    registry.reset_backends()


def test_without_an_llm_the_embedding_grader_is_used(settings, clean_grader_cache):
    settings.AI_SERVICES = {**settings.AI_SERVICES, "llm": {**settings.AI_SERVICES["llm"], "BACKEND": ""}}

    grader = get_grader()

    assert isinstance(grader, EmbeddingGrader)
    assert get_grader() is grader


def test_with_an_llm_configured_the_llm_grader_falls_back_to_the_embedding_grader(
    settings, clean_grader_cache
):
    settings.AI_SERVICES = {
        **settings.AI_SERVICES,
        "llm": {**settings.AI_SERVICES["llm"], "BACKEND": f"{__name__}.ScriptedChat"},
    }

    grader = get_grader()

    assert isinstance(grader, LLMGrader)
    assert isinstance(grader.llm.backend, ScriptedChat)
    assert isinstance(grader.fallback, EmbeddingGrader)
