"""Shared fixtures of the AI adapter tests: real media from tests/data, media made at test time, a local fake
provider server."""

from __future__ import annotations

import copy
import csv
import json
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import numpy as np
import pytest

from benchmarks._common import edit_distance
from interviews.ai import registry
from tests.eval_data import DATA

# Real recordings and photos kept in the repository (tests/data/README.md lists their sources).
SPEECH_DIR = DATA / "speech"
FACES_DIR = DATA / "faces"


def speech_references(speech_dir: Path = SPEECH_DIR) -> dict[str, str]:
    """Reference transcript of each clip in `speech_dir` (its transcripts.tsv: file, lower-case text)."""
    with open(speech_dir / "transcripts.tsv", newline="") as handle:
        return {row[0]: row[1] for row in csv.reader(handle, delimiter="\t") if row}


def words_of(text: str) -> list[str]:
    cleaned = "".join(c.lower() if c.isalnum() or c == "'" else " " for c in text.replace("-", " "))
    return cleaned.split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref = words_of(reference)
    return edit_distance(ref, words_of(hypothesis)) / max(1, len(ref))


# --------------------------------------------------------------------------- settings


@pytest.fixture
def ai_services(settings):
    """Set one service's BACKEND/OPTIONS/FALLBACK for a test; built backends are forgotten before and after."""
    settings.AI_SERVICES = copy.deepcopy(settings.AI_SERVICES)

    def configure(service: str, *, backend: str | None = None, fallback: str | None = None, **options):
        config = settings.AI_SERVICES[service]
        if backend is not None:
            config["BACKEND"] = backend
        if fallback is not None:
            config["FALLBACK"] = fallback
        config["OPTIONS"] = {**config.get("OPTIONS", {}), **options}
        registry.reset_backends()

    registry.reset_backends()
    yield configure
    registry.reset_backends()


# --------------------------------------------------------------------------- a local fake provider


@dataclass
class FakeReply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0


class FakeProvider:
    """A real HTTP server on 127.0.0.1 answering every POST with `reply(path, body)`; records the requests."""

    def __init__(self):
        self.reply: Callable[[str, bytes], FakeReply] = lambda path, body: FakeReply(404)
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                provider.requests.append((self.path, body, dict(self.headers)))
                answer = provider.reply(self.path, body)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer_json(self, payload, *, status: int = 200, delay: float = 0.0):
        self.reply = lambda path, body: FakeReply(status, json.dumps(payload).encode(), delay=delay)

    def answer(
        self, status: int, body: bytes = b"", *, delay: float = 0.0, content_type: str = "application/json"
    ):
        self.reply = lambda path, body_: FakeReply(status, body, content_type, delay)


@pytest.fixture
def fake_provider():
    provider = FakeProvider()
    provider.thread.start()
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


# --------------------------------------------------------------------------- media made at test time


def write_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def encode_audio(source: Path, target: Path, *, container: str, codec: str, rate: int, options=None) -> Path:
    """Re-encode `source` the way a browser would record it (webm/opus, ogg/opus, mp4/aac) with PyAV."""
    with (
        av.open(str(source)) as src,
        av.open(str(target), "w", format=container, options=options or {}) as out,
    ):
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(
            format=stream.format.name if stream.format else "fltp", layout="mono", rate=rate
        )
        for frame in src.decode(audio=0):
            for resampled in resampler.resample(frame):
                resampled.pts = None
                for packet in stream.encode(resampled):
                    out.mux(packet)
        for resampled in resampler.resample(None):
            resampled.pts = None
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return target


def browser_webm_video(source: Path, target: Path, *, repeat: int = 1) -> Path:
    """A VP8 webm written like MediaRecorder's: live mode, so no duration and no usable frame count."""
    with av.open(str(source)) as src:
        frames = [frame.to_ndarray(format="rgb24") for frame in src.decode(video=0)]
    height, width = frames[0].shape[:2]
    with av.open(str(target), "w", format="webm", options={"live": "1"}) as out:
        stream = out.add_stream("libvpx", rate=30)
        stream.width, stream.height, stream.pix_fmt, stream.bit_rate = width, height, "yuv420p", 400_000
        stream.options = {"deadline": "realtime", "cpu-used": "8"}  # what a browser does live; fast in tests
        for _ in range(repeat):
            for image in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return target


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def eval_clip() -> Path:
    """The longest public speech clip (7 s) with its reference transcript."""
    return SPEECH_DIR / "sense_and_sensibility_01_austen_64kb-0870.wav"


@pytest.fixture(scope="session")
def face_webm(media_dir) -> Path:
    return browser_webm_video(FACES_DIR / "single_face.mp4", media_dir / "face.webm")
