"""What the live page's webcam stream may send: a data URL of a picture, nothing else (no paths, no URLs)."""

from __future__ import annotations

import base64

import pytest

from interviews.ai import vision
from interviews.live.callbacks import frame_bytes, frame_interval_seconds

JPEG = b"\xff\xd8\xff\xe0 pretend jpeg"


def test_a_data_url_frame_gives_its_bytes():
    url = "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()
    assert frame_bytes({"url": url}) == JPEG
    assert frame_bytes(url) == JPEG


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        {"path": "/etc/passwd"},  # a file Gradio would open for us: never
        {"url": "/live/gradio/gradio_api/file=/tmp/someone-elses.jpg"},
        {"url": "https://example.com/face.jpg"},
        {"url": "data:text/html;base64," + base64.b64encode(b"<script>").decode()},
        {"url": "data:image/jpeg;base64,!!!not base64!!!"},
        {"url": "data:image/jpeg;base64," + "A" * (4 * vision.MAX_FRAME_BYTES)},
        {"url": ["data:image/jpeg;base64,"]},
    ],
    ids=["none", "number", "path", "file-route", "remote", "html", "garbage", "oversized", "list"],
)
def test_anything_else_is_not_a_frame(value):
    assert frame_bytes(value) is None


def test_the_stream_interval_follows_vision_fps(settings):
    settings.AI_SERVICES = {**settings.AI_SERVICES, "vision": {**settings.AI_SERVICES["vision"]}}
    settings.AI_SERVICES["vision"]["OPTIONS"] = {
        **settings.AI_SERVICES["vision"]["OPTIONS"],
        "frames_per_second": 2,
    }
    assert frame_interval_seconds() == 0.5
