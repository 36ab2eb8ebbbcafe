"""Answers spoken into the streaming microphone: chunks in the browser recorder's format (real read speech at
48 kHz), checked before use, one recording per page owned by its candidate, bounded, and the recording saved
for the answer."""

from __future__ import annotations

import os
import shutil
import struct
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from interviews.ai import media
from interviews.services import dictation
from tests.interviews.ai.conftest import SPEECH_DIR

CLIP = SPEECH_DIR / "sense_and_sensibility_01_austen_64kb-0880.wav"
OWNER = "a" * 64
OTHER = "b" * 64


def recorder_chunk(
    path, samples: np.ndarray, *, rate: int = 48_000, channels: int = 1, bits: int = 16
) -> str:
    """One chunk as Gradio's streaming WAV recorder sends it: a 44-byte header saying "endless", then PCM."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    if channels == 2:
        pcm = np.stack([pcm, pcm], axis=1).reshape(-1)
    endless = 4294967251
    header = b"RIFF" + struct.pack("<I", endless + 36) + b"WAVEfmt "
    header += struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits
    )
    header += b"data" + struct.pack("<I", endless)
    with open(path, "wb") as handle:
        handle.write(header + pcm.tobytes())
    return str(path)


def at_48k(samples16k: np.ndarray) -> np.ndarray:
    return np.repeat(samples16k, 3)  # crude, but real speech and the rate the browser sends


@pytest.fixture
def speech() -> np.ndarray:
    return media.decode_audio(CLIP)


@pytest.fixture(autouse=True)
def no_recordings_left():
    dictation.reset()
    yield
    dictation.reset()


def start(page="page-1", owner=OWNER, interview_id=7):
    return dictation.start(page=page, owner=owner, interview_id=interview_id, context="")


def test_chunks_of_real_speech_at_48_khz_stereo_become_16_khz_mono(tmp_path, speech, settings):
    settings.STT_STREAMING = False  # only the audio path here
    recording = start()
    chunks = np.array_split(at_48k(speech), 8)
    for number, chunk in enumerate(chunks):
        dictation.feed(recording, recorder_chunk(tmp_path / f"{number}.wav", chunk, channels=2))
    kept = recording.transcription.audio()
    assert abs(kept.size - speech.size) < 0.01 * speech.size
    assert media.loudest_frame_dbfs(kept) > -30  # the speech survived the trip


@pytest.mark.parametrize(
    "broken",
    [
        lambda b: b"RIFX" + b[4:],  # not RIFF
        lambda b: b[:20] + struct.pack("<H", 3) + b[22:],  # float samples
        lambda b: b[:22] + struct.pack("<H", 7) + b[24:],  # seven channels
        lambda b: b[:24] + struct.pack("<I", 1) + b[28:],  # 1 Hz
        lambda b: b[:34] + struct.pack("<H", 8) + b[36:],  # 8-bit
        lambda b: b[:30],  # a cut header
    ],
)
def test_a_chunk_that_is_not_the_recorders_pcm_wav_is_refused_with_a_message(tmp_path, speech, broken):
    path = recorder_chunk(tmp_path / "chunk.wav", at_48k(speech[:8000]))
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(broken(data))
    recording = start()
    with pytest.raises(dictation.DictationRefused) as refused:
        dictation.feed(recording, path)
    assert refused.value.user_message == dictation.BAD_CHUNK
    assert recording.transcription.audio().size == 0


def test_an_oversized_chunk_is_refused_before_it_is_read_whole(tmp_path, monkeypatch, speech):
    monkeypatch.setattr(dictation, "MAX_CHUNK_BYTES", 10_000)
    path = recorder_chunk(tmp_path / "big.wav", at_48k(speech))
    with pytest.raises(dictation.DictationRefused):
        dictation.feed(start(), path)


def test_a_chunk_that_changes_the_format_midway_is_refused(tmp_path, speech):
    recording = start()
    dictation.feed(recording, recorder_chunk(tmp_path / "1.wav", at_48k(speech[:8000])))
    with pytest.raises(dictation.DictationRefused):
        dictation.feed(recording, recorder_chunk(tmp_path / "2.wav", speech[8000:16000], rate=16_000))


def test_only_its_owner_finds_a_recording_and_only_for_its_interview():
    start(page="page-1", owner=OWNER, interview_id=7)
    assert dictation.recording(page="page-1", owner=OWNER, interview_id=7) is not None
    assert dictation.recording(page="page-1", owner=OTHER, interview_id=7) is None
    assert dictation.recording(page="page-1", owner=OWNER, interview_id=8) is None
    assert dictation.recording(page="page-1", owner=None, interview_id=7) is None
    assert dictation.for_submit(page="page-1", owner=OTHER, interview_id=7) is None
    dictation.discard("page-1", owner=OTHER)  # someone else cannot drop it either
    assert dictation.for_submit(page="page-1", owner=OWNER, interview_id=7) is not None


@pytest.mark.parametrize("page", ["", "x" * 65, "bad\x00page", None, 12])
def test_a_bad_page_id_gets_no_recording(page):
    with pytest.raises(dictation.DictationRefused):
        dictation.start(page=page, owner=OWNER, interview_id=7, context="")
    assert dictation.recording(page=page, owner=OWNER, interview_id=7) is None


def test_recording_again_replaces_the_stopped_recording_of_the_page(tmp_path, speech):
    first = start()
    dictation.stop(first)
    dictation.discard("page-1", owner=OWNER, only_stopped=True)
    assert dictation.for_submit(page="page-1", owner=OWNER, interview_id=7) is None
    second = start()
    dictation.discard("page-1", owner=OWNER, only_stopped=True)  # still recording: kept
    assert dictation.for_submit(page="page-1", owner=OWNER, interview_id=7) is second


def test_past_the_streaming_bound_answers_are_kept_whole_and_past_twice_it_refused(settings):
    settings.STT_STREAMING = True
    settings.STT_STREAMING_MAX_ANSWERS = 1
    assert start(page="p1").streaming
    assert not start(page="p2").streaming  # kept, transcribed whole after the stop
    with pytest.raises(dictation.DictationRefused) as refused:
        start(page="p3")
    assert refused.value.user_message == dictation.TOO_MANY


def test_left_recordings_are_pruned(monkeypatch):
    idle = start(page="idle")
    stopped = start(page="stopped")
    dictation.stop(stopped)
    idle.touched -= dictation.IDLE_SECONDS + 1
    stopped.touched -= dictation.IDLE_SECONDS + 1  # a stopped one waits longer for its Submit
    dictation.prune()
    assert dictation.for_submit(page="idle", owner=OWNER, interview_id=7) is None
    assert dictation.for_submit(page="stopped", owner=OWNER, interview_id=7) is stopped
    stopped.touched = time.monotonic() - dictation.STOPPED_KEEP_SECONDS - 1
    dictation.prune()
    assert dictation.for_submit(page="stopped", owner=OWNER, interview_id=7) is None


def test_a_chunk_is_known_as_a_piece_of_a_recording_never_a_whole_answer(tmp_path, speech):
    chunk = recorder_chunk(tmp_path / "chunk.wav", speech[:8000])
    whole = tmp_path / "whole.wav"
    whole.write_bytes(media.wav_bytes(speech))
    assert dictation.is_streamed_chunk(chunk)
    assert not dictation.is_streamed_chunk(str(whole))
    assert not dictation.is_streamed_chunk(str(tmp_path / "missing.wav"))


def test_the_recording_is_saved_as_a_wav_of_what_was_heard(tmp_path, speech, settings):
    settings.STT_STREAMING = False
    recording = start()
    dictation.feed(recording, recorder_chunk(tmp_path / "c.wav", at_48k(speech)))
    saved = dictation.save_recording(recording)
    try:
        assert abs(media.decode_audio(saved).size - speech.size) < 0.01 * speech.size
    finally:
        os.unlink(saved)


def test_chunks_the_stream_event_was_never_handed_are_read_from_the_pages_uploads(speech):
    """Gradio keeps only the newest chunk of a stream event whose callback is still busy: the chunks in
    between were uploaded by the page all the same, and are fed in upload order."""
    from interviews import uploads

    folder = Path(uploads.upload_folder()) / f"test-dictation-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    try:
        pieces = np.array_split(at_48k(speech), 4)
        paths = [recorder_chunk(folder / f"{n}.wav", piece) for n, piece in enumerate(pieces)]
        (folder / "clip.webm").write_bytes(b"\x1a\x45\xdf\xa3 a webcam clip of the same page")
        uploads.grant_files([paths[0]], owner=OWNER)
        uploads.grant_files([paths[1], str(folder / "clip.webm")], owner=OWNER)
        uploads.grant_files([paths[2]], owner=OWNER)
        uploads.grant_files([paths[3]], owner=OWNER)
        recording = start()
        dictation.feed(recording, paths[0])
        dictation.feed(recording, paths[3])  # chunks 1 and 2 were replaced before the callback saw them
        assert abs(recording.transcription.audio().size - speech.size) < 0.01 * speech.size
        dictation.feed(recording, paths[3])  # a repeat adds nothing
        assert abs(recording.transcription.audio().size - speech.size) < 0.01 * speech.size
    finally:
        shutil.rmtree(folder)
