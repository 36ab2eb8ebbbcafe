"""Who may take an interview (interviews.selectors.session_get_owned), for every role, through the live
endpoints: the websocket status feed and the Gradio app (page, config, and its callbacks).

Only the candidate takes their own interview: reviewers read reports, they never drive the live app.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from interbot_site.asgi import application
from interviews.live.mount import GRADIO_PATH
from interviews.models import InterviewSession, Turn
from interviews.services import sessions
from tests.factories import ROLES, people_by_role
from tests.interviews.conftest import session_cookie
from tests.interviews.live.gradio_client import GradioPage, http

# Gradio's queue workers live on the event loop that served its first request: one loop per module.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("memory_channel_layer"),
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:pandas.errors.Pandas4Warning"),
]

CLOSE_UNAUTHENTICATED, CLOSE_FORBIDDEN = 4401, 4403


@pytest.fixture
def live(transactional_db):
    """An interview in progress (started through the real use-case) and a session cookie per role."""
    everyone = people_by_role()
    interview = sessions.start_interview(
        user=everyone["owner"], candidate_name="Ada", topic="python", position="sde", difficulty="easy"
    )
    cookies = {role: session_cookie(everyone[role]) if role != "anonymous" else None for role in ROLES}
    return interview, cookies


@sync_to_async
def _status_and_turns(interview) -> tuple[str, int]:
    return InterviewSession.objects.get(pk=interview.pk).status, Turn.objects.filter(
        session=interview
    ).count()


def _socket(pk: int, cookie: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/interviews/{pk}/", headers=headers)


@pytest.mark.parametrize("role", ROLES)
async def test_only_the_candidate_may_follow_the_interview_on_its_websocket(live, role):
    interview, cookies = live
    communicator = _socket(interview.pk, cookies[role])

    connected, code = await communicator.connect()

    if role == "owner":
        assert connected
        assert (await communicator.receive_json_from(timeout=5))["type"] == "state"
        await communicator.send_json_to({"type": "refresh"})
        assert (await communicator.receive_json_from(timeout=5))["state"]["session_id"] == interview.pk
        await communicator.disconnect()
    else:
        expected = CLOSE_UNAUTHENTICATED if role == "anonymous" else CLOSE_FORBIDDEN
        assert (connected, code) == (False, expected)


@pytest.mark.parametrize("role", ROLES)
async def test_only_the_candidate_may_open_and_drive_the_gradio_app(live, role):
    interview, cookies = live
    async with http(cookies[role]) as client:
        page_status = (await client.get(f"{GRADIO_PATH}/?session={interview.pk}")).status_code
        config_status = (await client.get(f"{GRADIO_PATH}/config")).status_code
        if role == "anonymous":
            assert (page_status, config_status) == (401, 401)
            joined = await client.post(
                f"{GRADIO_PATH}/gradio_api/queue/join?session={interview.pk}",
                json={"data": [], "fn_index": 0, "session_hash": "anonymous01"},
            )
            assert joined.status_code == 401
            assert await _status_and_turns(interview) == (InterviewSession.Status.IN_PROGRESS, 0)
            return
        page = await GradioPage(client, interview.pk).open()
        shown = await page.load()
        answered = await page.trigger("live-submit", "click", {"live-answer-text": "finish interview"})
        finished = await page.trigger("live-finish", "click")

    if role == "owner":
        assert (page_status, config_status) == (200, 200)
        assert "not available" not in shown["live-question"]
        assert "not available" not in answered.get("live-error", "")
        assert "not available" not in finished.get("live-error", "")
        assert (await _status_and_turns(interview))[0] != InterviewSession.Status.IN_PROGRESS
    else:
        assert (page_status, config_status) == (403, 200)
        assert "not available" in shown["live-question"]
        assert "not available" in answered["live-error"]
        assert "not available" in finished["live-error"]
        assert await _status_and_turns(interview) == (InterviewSession.Status.IN_PROGRESS, 0)
