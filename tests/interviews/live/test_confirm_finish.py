"""The live page asks before a half-heard "finish interview" ends anything: Yes / No buttons, real callbacks."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from interviews.models import InterviewSession, Turn
from tests.interviews.live.gradio_client import GradioPage, http

# Gradio's queue workers live on the event loop that served its first request: one loop per module.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:pandas.errors.Pandas4Warning"),
]

ASKED = "Do you want to finish the interview?"


@pytest.fixture(autouse=True)
def in_memory_layer(memory_channel_layer):
    return memory_channel_layer


@sync_to_async
def saved(interview) -> tuple[str, dict, int]:
    session = InterviewSession.objects.get(pk=interview.pk)
    return session.status, session.engine_state, Turn.objects.filter(session=session).count()


async def ask(page: GradioPage, draft: str) -> dict:
    return await page.trigger(
        "live-submit", "click", {"live-answer-text": "Finish in to mute.", "live-submission-id": draft}
    )


async def test_a_half_heard_finish_shows_the_question_with_yes_and_no_buttons(interview, owner_cookie):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        assert shown["live-confirm-yes"]["visible"] is False  # nothing to confirm on a plain load
        asked = await ask(page, shown["live-submission-id"])
    assert ASKED in asked["live-question"]
    assert asked["live-confirm-yes"]["visible"] is True and asked["live-confirm-no"]["visible"] is True
    assert asked["live-voice"]  # the interviewer says it too
    status, state, turns = await saved(interview)
    assert status == InterviewSession.Status.IN_PROGRESS and state["confirming_finish"] and turns == 0


async def test_no_continue_goes_back_to_the_question_and_yes_finish_ends_the_interview(
    interview, owner_cookie
):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        question = (await saved(interview))[1]["current"]["text"]
        asked = await ask(page, shown["live-submission-id"])
        resumed = await page.trigger(
            "live-confirm-no", "click", {"live-submission-id": asked["live-submission-id"]}
        )
        status, state, turns = await saved(interview)
        assert status == InterviewSession.Status.IN_PROGRESS and not state["confirming_finish"]
        assert (state["current"]["text"], state["attempt"], turns) == (question, 1, 0)
        assert ASKED not in resumed["live-question"] and "First attempt" in resumed["live-meta"]
        assert (
            resumed["live-confirm-yes"]["visible"] is False and resumed["live-confirm-no"]["visible"] is False
        )

        asked = await ask(page, resumed["live-submission-id"])
        finished = await page.trigger(
            "live-confirm-yes", "click", {"live-submission-id": asked["live-submission-id"]}
        )
    assert "over" in finished["live-question"] and 'href="' in finished["live-report"]
    assert finished["live-confirm-yes"]["visible"] is False
    assert (await saved(interview))[0] == InterviewSession.Status.FINISHED
