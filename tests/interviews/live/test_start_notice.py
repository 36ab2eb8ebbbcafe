"""The live page shows why the first question came from the bank when the LLM was down at the start."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from interviews.ai import registry
from interviews.services import grading, sessions
from tests.interviews.ai.conftest import FakeProvider
from tests.interviews.live.gradio_client import GradioPage, http

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:pandas.errors.Pandas4Warning"),
]

GENERATOR_DOWN = "The question generator was unavailable; this question is from the bank."


@pytest.fixture(autouse=True)
def in_memory_layer(memory_channel_layer):
    return memory_channel_layer


@pytest.fixture
def llm_down(settings):
    """The configured LLM is a real local server that answers 503 to everything."""
    server = FakeProvider()
    server.thread.start()
    server.answer_json({"error": {"message": "overloaded"}}, status=503)
    settings.AI_SERVICES = {
        **settings.AI_SERVICES,
        "llm": {
            "BACKEND": "interviews.ai.llm.OpenAICompatibleChat",
            "OPTIONS": {"base_url": server.url + "/v1", "model": "local", "timeout": 10.0},
            "FALLBACK": "",
        },
    }
    settings.INTERVIEW_GENERAL_QUESTIONS = 0  # the first question is a topic question, which the LLM writes
    settings.LLM_TURN_BUDGET = 60.0
    registry.reset_backends()
    grading.reset_grader()
    yield server
    registry.reset_backends()
    grading.reset_grader()
    server.server.shutdown()
    server.server.server_close()


async def test_the_start_of_interview_fallback_notice_is_on_the_page(llm_down, owner, owner_cookie):
    interview = await sync_to_async(sessions.start_interview)(
        user=owner, candidate_name="Ada", topic="python", position="sde", difficulty="easy"
    )

    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()

    assert GENERATOR_DOWN in shown["live-notices"]
    assert len(llm_down.requests) == 1  # the generator was really asked, and failed
