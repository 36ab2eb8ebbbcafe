"""An interview with an LLM configured, whose server is a real local HTTP server that is slow, down or fine:
the turn's time budget, honest notices from the first question on, where each question and grade came from."""

from __future__ import annotations

import json

import pytest

from interviews.ai import registry
from interviews.models import InterviewSession, Question
from interviews.services import grading, sessions
from interviews.services.grading import SLOW_NOTICE, UNAVAILABLE_NOTICE
from tests.factories import UserFactory
from tests.interviews.ai.conftest import FakeProvider, FakeReply

pytestmark = pytest.mark.django_db

GENERATOR_DOWN = "The question generator was unavailable; this question is from the bank."
GENERATOR_SLOW = "The question generator took too long; this question is from the bank."
# Wrong for every bank question about Python: the embedded grader marks it incorrect.
WRONG_ANSWER = "Python is a kind of snake that lives in tropical forests and eats small animals."


def completion(payload: dict) -> bytes:
    message = {"role": "assistant", "content": json.dumps(payload)}
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1764000000,
            "model": "local",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
    ).encode()


CORRECT_VERDICT = {"verdict": "correct", "score": 1.0, "missing_points": [], "hint": "", "praise": "Spot on."}
NEW_QUESTION = {
    "text": "How does Python decide which method to call when a class has two parent classes?",
    "reference_answer": "Python follows the method resolution order, computed with C3 linearisation: "
    "the class itself, then its parents left to right, each ancestor once.",
    "key_points": ["method resolution order", "C3 linearisation", "parents left to right"],
    "hint": "Think about the order in which Python searches the classes.",
}


@pytest.fixture
def llm_server(settings):
    """A local OpenAI-compatible server configured as the LLM; replies are set per test."""
    server = FakeProvider()
    server.thread.start()
    settings.AI_SERVICES = {
        **settings.AI_SERVICES,
        "llm": {
            "BACKEND": "interviews.ai.llm.OpenAICompatibleChat",
            "OPTIONS": {"base_url": server.url + "/v1", "model": "local", "timeout": 10.0},
            "FALLBACK": "",
        },
    }
    settings.INTERVIEW_GENERAL_QUESTIONS = 0  # every question is a topic question: the LLM writes them
    settings.INTERVIEW_MAX_QUESTIONS = 3
    # Generous: a busy test machine must not turn "down" into "slow" (the client's first call is slow).
    settings.LLM_TURN_BUDGET = 60.0
    registry.reset_backends()
    grading.reset_grader()
    yield server
    registry.reset_backends()
    grading.reset_grader()
    server.server.shutdown()
    server.server.server_close()


def replies(*, verdict: FakeReply, question: FakeReply):
    """Grading and question generation told apart by the schema each request asks for."""

    def reply(path: str, body: bytes) -> FakeReply:
        return verdict if b'"LLMVerdict"' in body else question

    return reply


def start() -> InterviewSession:
    return sessions.start_interview(
        user=UserFactory(), candidate_name="Ada", topic="python", position="sde", difficulty="easy"
    )


def test_a_fallback_at_the_start_is_shown_before_the_first_answer(llm_server):
    llm_server.answer_json({"error": {"message": "overloaded"}}, status=503)

    session = start()

    assert sessions.live_state(session=session).notices == [GENERATOR_DOWN]
    session.refresh_from_db()
    assert session.start_notices == [GENERATOR_DOWN] and session.fallback_count == 1
    assert session.providers["questions"] == "bank"


def test_the_start_notice_gives_way_to_the_first_answer_s_own(llm_server):
    llm_server.answer_json({"error": {"message": "overloaded"}}, status=503)
    session = start()
    llm_server.reply = replies(
        verdict=FakeReply(body=completion(CORRECT_VERDICT)), question=FakeReply(body=completion(NEW_QUESTION))
    )

    state = sessions.submit_answer(session=session, text=WRONG_ANSWER, submission_id="a1")

    assert GENERATOR_DOWN not in state.notices
    assert GENERATOR_DOWN not in sessions.live_state(session=session).notices  # a reload either


def test_a_slow_llm_gives_way_to_the_embedded_grader_and_the_bank_within_the_turn_budget(
    llm_server, settings
):
    llm_server.answer_json({"error": {"message": "overloaded"}}, status=503)
    session = start()
    settings.LLM_TURN_BUDGET = 0.5
    # The server would say "correct", after 3 s: too late, so the embedded grader's verdict stands.
    llm_server.reply = replies(
        verdict=FakeReply(body=completion(CORRECT_VERDICT), delay=3.0),
        question=FakeReply(body=completion(NEW_QUESTION), delay=3.0),
    )

    state = sessions.submit_answer(session=session, text=WRONG_ANSWER, submission_id="a1")

    turn = session.turns.get()
    assert turn.backends["grader"] == "EmbeddingGrader"
    assert turn.verdict == state.last_verdict != "correct"  # the late "correct" was dropped
    assert SLOW_NOTICE in state.notices
    assert any(b'"LLMVerdict"' in body for _, body, _ in llm_server.requests)  # the LLM was asked
    session.refresh_from_db()
    assert Question.objects.get(pk=session.engine_state["current"]["id"]).source == Question.Source.BANK


def test_an_llm_that_is_down_is_asked_once_per_outage_not_once_per_turn(llm_server, settings):
    settings.AI_BREAKER_FAILURES = 2
    llm_server.answer_json({"error": {"message": "overloaded"}}, status=503)
    session = start()  # one failure (question generation)

    first = sessions.submit_answer(session=session, text=WRONG_ANSWER, submission_id="a1")
    asked = len(llm_server.requests)
    later = sessions.submit_answer(session=session, text=WRONG_ANSWER, submission_id="a2")

    assert asked == 2 and len(llm_server.requests) == 2  # skipped once the breaker opened
    assert UNAVAILABLE_NOTICE in first.notices and UNAVAILABLE_NOTICE in later.notices


def test_the_session_records_where_each_question_and_grade_came_from(llm_server):
    llm_server.reply = replies(
        verdict=FakeReply(body=completion(CORRECT_VERDICT)), question=FakeReply(body=completion(NEW_QUESTION))
    )
    session = start()

    sessions.submit_answer(session=session, text="Python uses the MRO, C3 linearisation.", submission_id="a1")
    llm_server.answer_json({"error": {"message": "overloaded"}}, status=503)
    sessions.submit_answer(session=session, text=WRONG_ANSWER, submission_id="a2")

    session.refresh_from_db()
    turns = list(session.turns.select_related("question").order_by("question_number", "attempt"))
    assert [t.question.source for t in turns] == ["generated", "bank"]
    assert [t.backends["grader"] for t in turns] == ["LLMGrader", "EmbeddingGrader"]
    assert session.providers["questions"] == "bank, generated"
