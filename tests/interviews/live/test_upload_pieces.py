"""An upload's body reaches Gradio whole and in few pieces, however finely the server cut it."""

from __future__ import annotations

import os

import pytest

from interviews.live.mount import GRADIO_PATH, GradioDispatcher, _in_larger_pieces

DAPHNE_PIECE = 8192


def _as_daphne_sends(body: bytes):
    messages = [
        {
            "type": "http.request",
            "body": body[i : i + DAPHNE_PIECE],
            "more_body": i + DAPHNE_PIECE < len(body),
        }
        for i in range(0, len(body), DAPHNE_PIECE)
    ]

    async def receive():
        return messages.pop(0)

    return receive


async def _all(receive) -> list[dict]:
    got = []
    while True:
        got.append(await receive())
        if not got[-1].get("more_body", False):
            return got


@pytest.mark.asyncio
async def test_a_recording_arrives_whole_in_pieces_of_the_joined_size():
    body = os.urandom(500_000)  # an 11 s WAV, in 62 pieces from daphne
    got = await _all(_in_larger_pieces(_as_daphne_sends(body), size=200_000))
    assert b"".join(m["body"] for m in got) == body
    assert len(got) == 3
    assert [m["more_body"] for m in got] == [True, True, False]


@pytest.mark.asyncio
async def test_with_the_default_size_an_answer_is_one_piece():
    body = os.urandom(500_000)
    (only,) = await _all(_in_larger_pieces(_as_daphne_sends(body)))
    assert only == {"type": "http.request", "body": body, "more_body": False}


@pytest.mark.asyncio
async def test_a_client_gone_mid_upload_is_told_after_the_body_before_it():
    body = os.urandom(3 * DAPHNE_PIECE)
    pieces = _as_daphne_sends(body)
    messages = [await pieces() for _ in range(3)]
    messages[-1]["more_body"] = True  # daphne said more was coming, then the client went away
    messages.append({"type": "http.disconnect"})

    async def cut_short():
        return messages.pop(0)

    joined = _in_larger_pieces(cut_short)
    assert await joined() == {"type": "http.request", "body": body, "more_body": True}
    assert await joined() == {"type": "http.disconnect"}


@pytest.mark.asyncio
async def test_an_empty_body_passes_as_it_came():
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    assert await _in_larger_pieces(receive)() == {"type": "http.request", "body": b"", "more_body": False}


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_dispatcher_hands_gradio_an_upload_in_joined_pieces(owner_cookie):
    class RecordingGradio:
        app = None  # built already, as far as the dispatcher can tell

        def __init__(self):
            self.received: list[dict] = []

        async def __call__(self, scope, receive, send):
            while not self.received or self.received[-1].get("more_body", False):
                self.received.append(await receive())
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"[]"})

    gradio = RecordingGradio()
    body = os.urandom(300_000)
    scope = {
        "type": "http",
        "method": "POST",
        "path": f"{GRADIO_PATH}/gradio_api/upload",
        "query_string": b"upload_id=abc",
        "headers": [(b"host", b"localhost"), (b"cookie", f"sessionid={owner_cookie}".encode())],
        "scheme": "http",
        "server": ("localhost", 80),
    }
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    await GradioDispatcher(django_app=None, gradio=gradio)(scope, _as_daphne_sends(body), send)
    assert sent[0]["status"] == 200
    assert len(gradio.received) == 1
    assert gradio.received[0]["body"] == body
