"""Media helpers shared by the AI services: PyAV probing, and any browser recording to 16 kHz mono float32 audio."""

from __future__ import annotations

import io
import os
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
    declared = _plain_wav_duration(path)
    if declared is not None:
        return declared
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


def _plain_wav_duration(path: str | Path) -> float | None:
    """The duration of a PCM WAV whose header agrees with its size, or None (ask PyAV).

    Gradio's microphone uploads WAV; PyAV reads such a file through to find its length (~6 ms for 11 s,
    in the web process on every spoken answer), the header alone takes microseconds.
    """
    try:
        with open(path, "rb") as handle:
            if handle.read(12)[8:12] != b"WAVE":
                return None
            handle.seek(0)
            with wave.open(handle) as reader:
                frames, rate = reader.getnframes(), reader.getframerate()
                frame_bytes = reader.getsampwidth() * reader.getnchannels()
            size = os.fstat(handle.fileno()).st_size
    except (OSError, EOFError, RuntimeError, wave.Error):  # the wave module raises a bare RuntimeError too
        return None
    # A header claiming more audio than the file holds (a streamed WAV's placeholder length) is PyAV's to judge.
    if rate <= 0 or frames * frame_bytes > size:
        return None
    return frames / rate


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


# --------------------------------------------------------------------------- the browser's streaming recorder

STREAM_RATES = range(8_000, 96_001)


def read_streamed_wav(path: str | Path, *, max_bytes: int) -> tuple[np.ndarray, int, int]:
    """(16-bit samples, sample rate, channels) of one chunk of Gradio's streaming microphone: a 44-byte PCM
    WAV header (its length fields say "endless") then interleaved 16-bit samples. MediaProblem("unreadable")
    for anything else: the chunk comes from the client, so every field is checked before it is used."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise MediaProblem("unreadable", str(error)) from error
    if len(data) > max_bytes:
        raise MediaProblem("too_long", f"a streamed chunk over {max_bytes} bytes")
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:16] != b"WAVEfmt " or data[36:40] != b"data":
        raise MediaProblem("unreadable", "not a PCM WAV chunk")
    fmt_size, codec, channels, rate = np.frombuffer(data[16:28], dtype="<u4,<u2,<u2,<u4")[0]
    bits = int(np.frombuffer(data[34:36], dtype="<u2")[0])
    if fmt_size != 16 or codec != 1 or bits != 16 or channels not in (1, 2) or int(rate) not in STREAM_RATES:
        raise MediaProblem(
            "unreadable", f"unsupported PCM: codec {codec}, {bits} bit, {channels} ch, {rate} Hz"
        )
    body = data[44:]
    body = body[: len(body) - len(body) % (2 * int(channels))]
    return np.frombuffer(body, dtype="<i2"), int(rate), int(channels)


class StreamResampler:
    """Interleaved 16-bit audio of one rate and channel count, chunk after chunk, to 16 kHz mono float32.

    One PyAV resampler for the whole stream, so chunk boundaries leave no clicks or lost samples."""

    def __init__(self, rate: int, channels: int):
        self.rate, self.channels = rate, channels
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)

    def convert(self, pcm: np.ndarray) -> np.ndarray:
        if not pcm.size:
            return np.zeros(0, dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(pcm, dtype="<i2").reshape(1, -1),
            format="s16",
            layout="stereo" if self.channels == 2 else "mono",
        )
        frame.sample_rate = self.rate
        out = [resampled.to_ndarray().reshape(-1) for resampled in self._resampler.resample(frame)]
        if not out:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(out).astype(np.float32) / 32768.0
