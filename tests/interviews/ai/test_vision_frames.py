"""Streamed webcam frames are hostile bytes: size caps before decoding, a declared size checked from the header,
one face or a clear reason, and the per-candidate gate that drops frames instead of queueing them."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from interviews.ai import inference, vision
from interviews.ai.vision import NoFaceFound, SeveralFaces, UnusableMedia

from .conftest import FACES_DIR


def _png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge picture (a decompression bomb's calling card)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_camera_picture_is_decoded_small_and_gray():
    data = (FACES_DIR / "neutral" / "grace_hopper.jpg").read_bytes()
    gray = vision.decode_frame(data)
    assert gray.ndim == 2 and gray.shape[1] == vision.FRAME_ANALYSIS_WIDTH
    assert vision.analyse_frame(gray).value.label in vision.LABELS


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a picture at all",
        b"\xff\xd8\xff" + b"\x00" * 100,  # a JPEG's first bytes, then nothing
        b"x" * (vision.MAX_FRAME_BYTES + 1),
        _png_header_claiming(60_000, 60_000),
    ],
    ids=["empty", "text", "truncated-jpeg", "oversized", "bomb-header"],
)
def test_hostile_frames_are_refused_before_any_large_decoding(data):
    with pytest.raises(UnusableMedia):
        vision.decode_frame(data)


def test_a_gif_is_not_a_camera_frame():
    buffer = io.BytesIO()
    Image.new("L", (64, 48), 128).save(buffer, format="GIF")
    with pytest.raises(UnusableMedia):
        vision.decode_frame(buffer.getvalue())


def test_no_face_and_several_faces_are_told_apart():
    with pytest.raises(NoFaceFound):
        vision.analyse_frame(np.full((240, 320), 128, dtype=np.uint8))
    left = cv2.imread(str(FACES_DIR / "angry" / "15-f13-anc-ph.jpg"))
    right = cv2.imread(str(FACES_DIR / "happy" / "0-f15-hao-ph.jpg"))
    right = cv2.resize(right, (left.shape[1], left.shape[0]))
    ok, pair = cv2.imencode(".jpg", np.hstack([left, right]))
    with pytest.raises(SeveralFaces):
        vision.analyse_frame(vision.decode_frame(pair.tobytes()))


def test_a_small_face_far_behind_the_candidate_is_not_another_person():
    assert vision.the_one_face([(10, 10, 200, 200), (300, 20, 60, 60)]) == (10, 10, 200, 200)
    with pytest.raises(SeveralFaces):
        vision.the_one_face([(10, 10, 200, 200), (300, 20, 150, 150)])


def test_the_gate_lets_one_frame_per_candidate_in_flight_at_most_at_the_frame_rate():
    gate = inference.FrameGate()
    assert gate.enter("ada", min_interval=1.0, now=100.0)
    assert not gate.enter("ada", min_interval=1.0, now=100.5)  # one in flight
    assert gate.enter("grace", min_interval=1.0, now=100.5)  # another candidate is not held up
    gate.leave("ada")
    assert not gate.enter("ada", min_interval=1.0, now=100.5)  # done, but too soon after the last
    assert gate.enter("ada", min_interval=1.0, now=101.0)
