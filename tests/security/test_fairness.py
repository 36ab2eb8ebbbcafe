"""One candidate cannot stall another: one answer in flight per candidate, verdicts never queue behind webcam
frames (a frame of a candidate who has one in flight is dropped), and a long clip costs no more face analyses
than a short one."""

from __future__ import annotations

import asyncio
import copy
import threading
from pathlib import Path

import cv2
import httpx
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.test import Client

from interbot_site.asgi import application
from interviews.ai import inference, registry, vision
from interviews.models import InterviewSession, Turn
from interviews.services import sessions
from tests.factories import UserFactory
from tests.interviews.live.gradio_client import GradioPage

FACES = Path(__file__).resolve().parents[1] / "data" / "faces"
FACE_VIDEO = (
    Path(__file__).resolve().parents[1] / "data" / "faces" / "single_face.mp4"
)  # 2.4 s, a face throughout

# Gradio's queue workers live on the event loop that served its first request: one loop per module.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:pandas.errors.Pandas4Warning"),
]
on_the_module_loop = pytest.mark.asyncio(loop_scope="module")


# --------------------------------------------------------------------------- the page, as the browser drives it


@sync_to_async
def _cookie(user) -> str:
    """A real Django session cookie for `user`."""
    django_client = Client()
    django_client.force_login(user)
    return django_client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _client(cookie: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application),
        base_url="http://localhost",
        cookies={django_settings.SESSION_COOKIE_NAME: cookie},
        timeout=120,
    )


def _interview(user, *, consent_video: bool = False) -> InterviewSession:
    interview = sessions.start_interview(
        user=user, candidate_name=user.username, topic="python", position="sde", difficulty="easy"
    )
    InterviewSession.objects.filter(pk=interview.pk).update(consent_video=consent_video)
    return interview


@sync_to_async
def _turns(interview: InterviewSession) -> int:
    return Turn.objects.filter(session=interview).count()


async def _until(condition, *, seconds: float = 30.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def one_worker_per_lane(settings):
    inference.shutdown()
    settings.INFERENCE_WORKERS = 1
    settings.INFERENCE_BULK_WORKERS = 1
    settings.INFERENCE_VISION_WORKERS = 1
    yield
    inference.shutdown()


# --------------------------------------------------------------------------- one answer in flight per candidate


@on_the_module_loop
async def test_a_second_answer_while_the_first_is_in_flight_is_refused_and_kept(one_worker_per_lane):
    owner = await sync_to_async(UserFactory)(username="two-tabs")
    interview = await sync_to_async(_interview)(owner)
    gate, holding = threading.Event(), threading.Event()

    def busy_model() -> None:  # occupies the only interactive worker, so the first answer stays queued
        holding.set()
        gate.wait(60)

    blocker = asyncio.ensure_future(inference.run_inference(busy_model))
    try:
        await _until(holding.is_set)
        async with _client(await _cookie(owner)) as client:
            first_tab, second_tab = (
                await GradioPage(client, interview.pk).open(),
                await GradioPage(client, interview.pk).open(),
            )
            first = asyncio.ensure_future(
                first_tab.trigger(
                    "live-submit",
                    "click",
                    {"live-answer-text": "A list is mutable, a tuple is not.", "live-submission-id": "first"},
                )
            )
            await _until(
                lambda: inference.get_executor().queued() == 1
            )  # the first answer waits for a worker

            second = await asyncio.wait_for(
                second_tab.trigger(
                    "live-submit",
                    "click",
                    {"live-answer-text": "Tuples are immutable.", "live-submission-id": "second"},
                ),
                30,
            )

            assert "Still working on your last answer" in second["live-error"]
            assert "live-answer-text" not in second  # the typed text stays where it is
            assert "live-verdict" not in second and await _turns(interview) == 0
            gate.set()
            graded = await asyncio.wait_for(first, 60)
            assert "ib-verdict-none" not in graded["live-verdict"]
            assert await _turns(interview) == 1

            # Once the first answer is done, the candidate may answer again.
            again = await asyncio.wait_for(
                second_tab.trigger(
                    "live-submit",
                    "click",
                    {"live-answer-text": "Tuples are immutable.", "live-submission-id": "third"},
                ),
                60,
            )
            assert "Still working" not in again.get("live-error", "")
            assert await _turns(interview) == 2
    finally:
        gate.set()
        await blocker


# --------------------------------------------------------------------------- verdicts do not wait for webcam clips


class GatedVision:
    """An expression model that takes as long as the test says: the first face waits for `gate`."""

    option_names = ()
    gate = threading.Event()
    analysing = threading.Event()

    def classify_face(self, image, box) -> tuple[str, float]:
        GatedVision.analysing.set()
        GatedVision.gate.wait(60)
        return "neutral", 0.9


@pytest.fixture
def gated_vision(settings):
    settings.AI_SERVICES = copy.deepcopy(settings.AI_SERVICES)
    settings.AI_SERVICES["vision"].update(
        BACKEND=f"{__name__}.GatedVision", FALLBACK=f"{__name__}.GatedVision"
    )
    GatedVision.gate.clear()
    GatedVision.analysing.clear()
    registry.reset_backends()
    yield GatedVision
    GatedVision.gate.set()
    registry.reset_backends()


@on_the_module_loop
async def test_a_typed_verdict_does_not_wait_for_another_candidates_webcam_frame_and_frames_are_dropped_not_queued(
    one_worker_per_lane, gated_vision
):
    typist = await sync_to_async(UserFactory)(username="typist")
    typed_interview = await sync_to_async(_interview)(typist)
    face = vision.decode_frame((FACES / "neutral" / "grace_hopper.jpg").read_bytes())
    analysis = asyncio.ensure_future(inference.run_frame("filmed-owner", vision.analyse_frame, face))
    try:
        await _until(gated_vision.analysing.is_set, seconds=60)  # the frame holds the vision lane from now on
        # The same candidate's next frames are dropped at once, never queued behind it.
        with pytest.raises(inference.FrameDropped):
            await asyncio.wait_for(inference.run_frame("filmed-owner", vision.analyse_frame, face), 5)
        async with _client(await _cookie(typist)) as typist_client:
            typed_tab = await GradioPage(typist_client, typed_interview.pk).open()
            answered = await asyncio.wait_for(
                typed_tab.trigger(
                    "live-submit",
                    "click",
                    {"live-answer-text": "A list is mutable, a tuple is not.", "live-submission-id": "typed"},
                ),
                60,
            )
        assert not gated_vision.gate.is_set()  # the frame is still being analysed
        assert "ib-verdict-none" not in answered["live-verdict"]
        assert await _turns(typed_interview) == 1
    finally:
        gated_vision.gate.set()
    seen = await asyncio.wait_for(analysis, 60)
    assert seen.value.label == "neutral"


# --------------------------------------------------------------------------- a long clip, a bounded number of frames


def _long_face_clip(path: Path, *, seconds: int, fps: int = 5) -> Path:
    """The face video looped for `seconds` (a candidate who left the webcam running)."""
    source = cv2.VideoCapture(str(FACE_VIDEO))
    frames = []
    while True:
        ok, frame = source.read()
        if not ok:
            break
        frames.append(frame)
    source.release()
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    for n in range(seconds * fps):
        writer.write(frames[n % len(frames)])
    writer.release()
    return path


def test_a_long_webcam_clip_is_analysed_on_a_bounded_number_of_evenly_spread_frames(tmp_path, settings):
    settings.AI_SERVICES = copy.deepcopy(settings.AI_SERVICES)
    vision_config = settings.AI_SERVICES["vision"]
    vision_config.update(BACKEND="interviews.ai.vision.FERVision", FALLBACK="interviews.ai.vision.FERVision")
    vision_config["OPTIONS"] = {
        **vision_config["OPTIONS"],
        "frames_per_second": 2.0,
        "max_frames": 8,
        "max_seconds": 180.0,
    }
    registry.reset_backends()
    clip = _long_face_clip(tmp_path / "left_running.avi", seconds=60)  # 120 frames due at 2 frames/s

    readings = vision.analyse_video(str(clip)).value

    offsets = [reading.offset_seconds for reading in readings]
    assert 4 <= len(offsets) <= 8  # every sampled frame shows the face: one reading per frame analysed
    assert offsets[0] == 0.0 and offsets[-1] >= 45.0  # spread over the whole clip, not its first seconds
    gaps = [b - a for a, b in zip(offsets, offsets[1:], strict=False)]
    assert max(gaps) - min(gaps) <= 0.5  # evenly
    registry.reset_backends()
