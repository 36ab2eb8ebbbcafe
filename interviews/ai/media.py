"""Media helpers shared by the AI services: PyAV probing, and any browser recording to 16 kHz mono float32 audio."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 16_000


class MediaProblem(Exception):
    """A file PyAV cannot turn into audio; `reason` is one of: unreadable, no_audio, empty, too_long."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def container_duration(path: str | Path) -> float | None:
    """Duration the container header declares (audio or video), in seconds; None when it declares none (browser webm).

    Reading the header is cheap, so callers can reject an hour-long upload before decoding it.
    """
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if container.duration:
                return container.duration / av.time_base
            for stream in container.streams:
                if stream.duration and stream.time_base:
                    return float(stream.duration * stream.time_base)
    except (av.error.FFmpegError, OSError, ValueError) as error:
        raise MediaProblem("unreadable", str(error)) from error
    return None


def decode_audio(path: str | Path, *, max_seconds: float | None = None) -> np.ndarray:
    """16 kHz mono float32 samples of the first audio stream of `path` (webm/opus, ogg, mp4/aac, wav...).

    Decoding stops as soon as `max_seconds` is passed, so a file without a declared duration still
    cannot make us decode an hour of audio.
    """
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    chunks: list[np.ndarray] = []
    decoded = 0
    limit = None if max_seconds is None else int(max_seconds * SAMPLE_RATE)
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise MediaProblem("no_audio", "the file has no audio track")
            for frame in _decodable_frames(container):
                for resampled in resampler.resample(frame):
                    chunk = resampled.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    decoded += chunk.size
                if limit is not None and decoded > limit:
                    raise MediaProblem("too_long", f"decoding passed {max_seconds:.0f}s")
            for resampled in resampler.resample(None):  # flush the resampler's buffered tail
                chunks.append(resampled.to_ndarray().reshape(-1))
    except MediaProblem:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as error:
        raise MediaProblem("unreadable", str(error)) from error
    if not chunks:
        raise MediaProblem("empty", "no audio samples decoded")
    samples = np.concatenate(chunks).astype(np.float32) / 32768.0
    if samples.size == 0:
        raise MediaProblem("empty", "no audio samples decoded")
    return samples


def _decodable_frames(container):
    """Audio frames, skipping the odd corrupt packet the way faster-whisper does (browser chunks often end mid-packet)."""
    stream = container.streams.audio[0]
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            continue


def loudest_frame_dbfs(samples: np.ndarray, *, frame_seconds: float = 0.03) -> float:
    """Level of the loudest short frame in dBFS: speech anywhere in the clip lifts it well above a mic's hiss."""
    frame = max(1, int(frame_seconds * SAMPLE_RATE))
    usable = samples[: samples.size - samples.size % frame] if samples.size >= frame else samples
    if usable.size == 0:
        return -120.0
    frames = usable.reshape(-1, frame) if usable.size >= frame else usable.reshape(1, -1)
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    peak = float(rms.max())
    return 20.0 * np.log10(peak) if peak > 0 else -120.0


def wav_bytes(samples: np.ndarray, *, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit PCM mono WAV of float samples in [-1, 1]."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def pcm16_bytes(samples: np.ndarray) -> bytes:
    """Raw little-endian 16-bit PCM of float samples in [-1, 1]."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
