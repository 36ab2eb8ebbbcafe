"""media.container_duration: a WAV's length from its header, PyAV for everything else, nothing else raised."""

from __future__ import annotations

import random
import struct
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from interviews.ai import media

SPEECH = Path(__file__).resolve().parents[2] / "data" / "speech"


def _pyav_duration(path: Path) -> float | None:
    with av.open(str(path)) as container:
        return container.duration / av.time_base if container.duration else None


def _pcm_wav(path: Path, *, seconds: float, rate: int, channels: int, width: int) -> Path:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(bytes(int(seconds * rate) * channels * width))
    return path


@pytest.mark.parametrize(("rate", "channels", "width"), [(16_000, 1, 2), (44_100, 2, 2), (8_000, 1, 1)])
def test_a_pcm_wavs_duration_is_what_pyav_reads(tmp_path, rate, channels, width):
    recording = _pcm_wav(tmp_path / "answer.wav", seconds=3.25, rate=rate, channels=channels, width=width)
    assert media.container_duration(recording) == pytest.approx(3.25, abs=1e-3)
    assert media.container_duration(recording) == pytest.approx(_pyav_duration(recording), abs=1e-3)


def test_a_real_recordings_duration_is_what_pyav_reads():
    (clip,) = sorted(SPEECH.glob("*0870.wav"))
    assert media.container_duration(clip) == pytest.approx(_pyav_duration(clip), abs=1e-3)


def test_a_header_claiming_more_audio_than_the_file_holds_is_left_to_pyav(tmp_path):
    recording = _pcm_wav(tmp_path / "cut.wav", seconds=2.0, rate=16_000, channels=1, width=2)
    with open(recording, "r+b") as handle:
        handle.truncate(44 + 16_000)  # half a second of the two the header declares
    assert media.container_duration(recording) == pytest.approx(_pyav_duration(recording), abs=1e-3)


def test_a_float_wav_is_left_to_pyav(tmp_path):
    samples = np.zeros(16_000, dtype="<f4")
    recording = tmp_path / "float.wav"
    with open(recording, "wb") as handle:
        handle.write(b"RIFF" + struct.pack("<I", 36 + samples.nbytes) + b"WAVE")
        handle.write(b"fmt " + struct.pack("<IHHIIHH", 16, 3, 1, 16_000, 64_000, 4, 32))  # format 3: float
        handle.write(b"data" + struct.pack("<I", samples.nbytes) + samples.tobytes())
    assert media.container_duration(recording) == pytest.approx(1.0, abs=1e-3)


def test_mangled_wavs_give_a_length_none_or_media_problem_only(tmp_path):
    whole = _pcm_wav(tmp_path / "whole.wav", seconds=0.5, rate=16_000, channels=1, width=2).read_bytes()
    rng = random.Random(11)
    outcomes = set()
    for attempt in range(400):
        damaged = bytearray(whole[: rng.choice([12, 20, 36, 44, 60, len(whole)])])
        for _ in range(rng.randint(1, 6)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = tmp_path / f"damaged-{attempt}.wav"
        path.write_bytes(bytes(damaged))
        try:
            seconds = media.container_duration(path)
        except media.MediaProblem:
            outcomes.add("refused")
            continue
        assert seconds is None or seconds >= 0
        outcomes.add("none" if seconds is None else "length")
    assert "length" in outcomes and outcomes - {"length"}  # both the header path and the fallbacks were taken


def test_a_pcm_wav_is_measured_without_pyav(tmp_path, monkeypatch):
    """PyAV reads a WAV through to find its length: ~6 ms per spoken answer in the web process."""
    recording = _pcm_wav(tmp_path / "answer.wav", seconds=11.5, rate=16_000, channels=1, width=2)

    def no_pyav(*args, **kwargs):
        raise AssertionError("PyAV opened a plain WAV")

    monkeypatch.setattr(media.av, "open", no_pyav)
    assert media.container_duration(recording) == pytest.approx(11.5)
