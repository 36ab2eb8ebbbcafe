"""The live-state websocket: owner only, state on connect, group pushes, in memory and on Redis."""

import os

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from interbot_site.asgi import application
from interviews.live.events import apublish_progress, apublish_state
from interviews.services import sessions

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(params=["memory", "redis"])
def channel_layer(request, settings):
    if request.param == "redis":
        url = os.environ.get("REDIS_URL")
        if not url:
            pytest.skip("REDIS_URL is not set")
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
        }
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # channels rebuilds its layers when the setting changes: make sure the one under test is in use.
    expected = "RedisChannelLayer" if request.param == "redis" else "InMemoryChannelLayer"
    assert type(get_channel_layer()).__name__ == expected
    return request.param


def socket(pk: int, cookie: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/interviews/{pk}/", headers=headers)


async def test_the_owner_gets_the_current_state_on_connect(channel_layer, interview, owner_cookie):
    communicator = socket(interview.pk, owner_cookie)
    connected, _ = await communicator.connect()
    assert connected
    message = await communicator.receive_json_from(timeout=5)
    assert message["type"] == "state"
    assert message["state"]["session_id"] == interview.pk
    assert message["state"]["question_number"] == 1
    assert message["state"]["question_text"]
    assert message["started_at"].startswith(str(interview.started_at.date()))
    await communicator.disconnect()


async def test_another_users_socket_is_closed_with_4403(channel_layer, interview, stranger_cookie):
    communicator = socket(interview.pk, stranger_cookie)
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4403)


async def test_a_missing_interview_looks_the_same_as_someone_elses(channel_layer, interview, owner_cookie):
    communicator = socket(interview.pk + 1000, owner_cookie)
    assert await communicator.connect() == (False, 4403)


async def test_an_anonymous_socket_is_closed_with_4401(channel_layer, interview):
    communicator = socket(interview.pk)
    assert await communicator.connect() == (False, 4401)


async def test_a_published_state_and_progress_reach_the_owners_socket(channel_layer, interview, owner_cookie):
    communicator = socket(interview.pk, owner_cookie)
    assert (await communicator.connect())[0]
    await communicator.receive_json_from(timeout=5)  # the snapshot on connect

    await apublish_progress(interview.pk, "Evaluating your answer…")
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "progress",
        "message": "Evaluating your answer…",
    }
    state = sessions.LiveState(
        session_id=interview.pk,
        status="in_progress",
        stage="topic",
        question_number=3,
        total_questions=8,
        attempt=2,
        question_text="What is a generator?",
        last_verdict="partial",
    )
    await apublish_state(interview.pk, state)
    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed["type"] == "state"
    assert pushed["state"]["question_number"] == 3
    assert pushed["state"]["last_verdict"] == "partial"
    await communicator.disconnect()


async def test_a_push_for_one_interview_does_not_reach_another(channel_layer, interview, owner_cookie):
    communicator = socket(interview.pk, owner_cookie)
    assert (await communicator.connect())[0]
    await communicator.receive_json_from(timeout=5)
    await apublish_progress(interview.pk + 1, "someone else's")
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_reconnecting_page_gets_the_same_point_and_can_ask_for_a_fresh_snapshot(
    channel_layer, interview, owner_cookie
):
    first = socket(interview.pk, owner_cookie)
    assert (await first.connect())[0]
    before = (await first.receive_json_from(timeout=5))["state"]
    await first.disconnect()

    again = socket(interview.pk, owner_cookie)  # e.g. after a dropped connection or a server restart
    assert (await again.connect())[0]
    assert (await again.receive_json_from(timeout=5))["state"] == before  # state comes from the database
    await again.send_json_to({"type": "refresh"})
    assert (await again.receive_json_from(timeout=5)) == {"type": "state", "state": before}
    await again.disconnect()
