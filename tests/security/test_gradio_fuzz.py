"""Issue 8 "done when": random and malformed payloads to every Gradio endpoint get clean refusals only.

Wrong types, missing fields, huge strings and file values pointing anywhere go to every event of the mounted
app, through the queue (what the page uses) and through /gradio_api/call/ (what any API client can use).
Nothing may answer 5xx or show a traceback or an OS error, no server file may leak, and nothing may be
stored: no Turn, no expression sample, no answer file, no file copied into Gradio's cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import uuid
from pathlib import Path

from interviews.live.mount import GRADIO_PATH
from tests.security.gradio_live import (
    PYTESTMARK,
    GradioPage,
    database_file,
    expression_count,
    file_data,
    gradio_upload_folder,
    http,
    start_interview_for,
    stored_media,
    turn_count,
)

pytestmark = PYTESTMARK

SEED = 8
PAYLOADS_PER_EVENT = 14
LEAKS = ("Traceback", 'File "', "Errno", "root:x:0:0", "DJANGO_SETTINGS_MODULE", "PATH=")


def _targets(victim_upload: str) -> list[str]:
    folder = gradio_upload_folder()
    return [
        victim_upload,
        "/etc/passwd",
        "/proc/self/environ",
        database_file(),
        "/no/such/file.webm",
        f"{folder}/../../../etc/passwd",
        str(folder),
        "http://127.0.0.1:9/x.wav",
        "file:///etc/passwd",
        "",
    ]


def _value(rng: random.Random, targets: list[str]):
    target = rng.choice(targets)
    return rng.choice(
        [
            None,
            True,
            0,
            -1,
            2**70,
            1e308,
            "",
            "   ",
            "\x00",
            "名前 ☃ \u202e",
            "a" * 200_000,
            "finish" * 3,
            [1, [2, [3]]],
            {"a": {"b": None}},
            [file_data(target)],
            {"video": file_data(target)},
            file_data(target),
            file_data(target),
            file_data(target),
            {"path": target},  # no meta
            {"path": 5, "meta": {"_type": "gradio.FileData"}},
            {"meta": {"_type": "gradio.FileData"}},  # no path
            {**file_data(target), "is_stream": True},
            {**file_data(target), "url": f"http://localhost{GRADIO_PATH}/gradio_api/file={target}"},
        ]
    )


def _data(rng: random.Random, inputs: int, targets: list[str]):
    shape = rng.random()
    if shape < 0.75:
        return [_value(rng, targets) for _ in range(inputs)]
    if shape < 0.85:
        return [_value(rng, targets) for _ in range(inputs + rng.choice([-1, 1, 3]))]
    return _value(rng, targets)  # not a list at all


def _envelope(rng: random.Random, dependency: dict, targets: list[str]) -> dict:
    body = {
        "data": _data(rng, len(dependency["inputs"]), targets),
        "fn_index": dependency["id"],
        "session_hash": uuid.uuid4().hex[:11],
        "event_data": None,
        "trigger_id": dependency["targets"][0][0],
    }
    mangle = rng.random()
    if mangle < 0.1:
        del body[rng.choice(["data", "fn_index", "session_hash"])]
    elif mangle < 0.2:
        body[rng.choice(["fn_index", "trigger_id", "session_hash"])] = rng.choice(
            ["x" * 10_000, -1, 10**9, None, []]
        )
    return body


def _assert_clean(response, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code, response.text[:300])
    for leak in LEAKS:
        assert leak not in response.text, (where, leak, response.text[:500])


async def _end_stream(client, event_id: str) -> None:
    """A streaming event (the webcam's frames) waits for its next chunk; the page would send one, we end it."""
    closed = await client.post(f"{GRADIO_PATH}/gradio_api/stream/{event_id}/close")
    _assert_clean(closed, "stream close")


async def _queue_call(client, body: dict, session_pk: int, *, streaming: bool = False) -> None:
    joined = await client.post(f"{GRADIO_PATH}/gradio_api/queue/join?session={session_pk}", json=body)
    _assert_clean(joined, f"join {str(body)[:200]}")
    if joined.status_code != 200:
        return
    if streaming:
        await _end_stream(client, joined.json()["event_id"])
    stream = await client.get(f"{GRADIO_PATH}/gradio_api/queue/data?session_hash={body['session_hash']}")
    _assert_clean(stream, f"stream {str(body)[:200]}")
    for line in stream.text.splitlines():
        if line.startswith("data: "):
            message = json.loads(line[6:])
            if message.get("msg") == "process_completed" and not message.get("success", True):
                error = (message.get("output") or {}).get("error")
                assert error is None or all(leak not in str(error) for leak in LEAKS), (body, error)


async def _api_call(client, api_name: str, data, session_pk: int, *, streaming: bool = False) -> None:
    started = await client.post(
        f"{GRADIO_PATH}/gradio_api/call/{api_name}?session={session_pk}", json={"data": data}
    )
    _assert_clean(started, f"call {api_name} {str(data)[:200]}")
    if started.status_code == 200 and "event_id" in started.json():
        if streaming:
            await _end_stream(client, started.json()["event_id"])
        result = await client.get(f"{GRADIO_PATH}/gradio_api/call/{api_name}/{started.json()['event_id']}")
        _assert_clean(result, f"call result {api_name} {str(data)[:200]}")


def _cached_files() -> set[str]:
    """Files in Gradio's cache, except the interviewer's voice files the app writes there itself."""
    folder = gradio_upload_folder()
    return {str(p) for p in folder.rglob("*") if p.is_file() and "interbot-voice" not in p.parts}


def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read(64 * 1024 * 1024)).hexdigest()
    except OSError:
        return None


def _copies_of(targets: list[str], files: set[str]) -> set[str]:
    """The files whose bytes are those of a target the payloads named (the cache is shared with whatever
    else runs on the machine, so only copies of the targets count)."""
    wanted = {_digest(t) for t in targets if t.startswith("/") and os.path.isfile(t)} - {None}
    return {f for f in files if _digest(f) in wanted}


async def test_malformed_payloads_to_every_gradio_endpoint_are_refused_cleanly(
    interview,
    owner_cookie,
    stranger,
    stranger_cookie,
):
    rng = random.Random(SEED)
    async with http(owner_cookie) as client:
        page = await GradioPage(client, interview.pk).open()
        victim_upload = await page.upload(
            Path("answer.webm"), name="answer.webm", content=b"\x1aE\xdf\xa3" * 512
        )
    targets = _targets(victim_upload["path"])
    attackers_interview = await start_interview_for(stranger)
    media_before, cache_before = stored_media(), _cached_files()
    async with http(stranger_cookie) as client:
        config = (await client.get(f"{GRADIO_PATH}/config")).json()
        # Finishing is a legitimate call: fuzz it last, so the other events still meet a live interview.
        dependencies = sorted(config["dependencies"], key=lambda d: d.get("api_name") == "on_finish")
        for dependency in dependencies:
            streaming = any(trigger == "stream" for _, trigger in dependency["targets"])
            for _ in range(PAYLOADS_PER_EVENT):
                body = _envelope(rng, dependency, targets)
                await _queue_call(client, body, attackers_interview, streaming=streaming)
            for _ in range(3):
                data = _data(rng, len(dependency["inputs"]), targets)
                await _api_call(
                    client, dependency["api_name"], data, attackers_interview, streaming=streaming
                )
        # The envelope itself: not JSON, too large, nested too deep, an unknown event.
        for raw in (b"{not json", b"[" * 100_000, json.dumps({"data": ["a" * (2 * 1024 * 1024)]}).encode()):
            response = await client.post(
                f"{GRADIO_PATH}/gradio_api/queue/join",
                content=raw,
                headers={"content-type": "application/json"},
            )
            _assert_clean(response, f"raw {raw[:40]!r}")
            assert response.status_code >= 400
        unknown = await client.post(f"{GRADIO_PATH}/gradio_api/call/no_such_event", json={"data": []})
        _assert_clean(unknown, "unknown event")
    assert await turn_count() == 0
    assert await expression_count() == 0
    assert stored_media() == media_before
    # No server file, and not the other candidate's upload, was copied into Gradio's cache.
    assert _copies_of(targets, _cached_files() - cache_before) == set()
