"""Answers spoken into the streaming microphone: chunks in the browser recorder's format (real read speech at
48 kHz), checked before use, one recording per page owned by its candidate, bounded, and the recording saved
for the answer."""

from __future__ import annotations

import copy
import json
import os
import shutil
import struct
import time
import uuid
from pathlib import Path

import av
import numpy as np
import pytest

from interviews.ai import media
from interviews.ai.registry import InputError
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


def test_chunks_of_equal_content_are_each_fed_once(speech):
    """Gradio stores equal contents at one path: a second of digital silence is the same file every time."""
    from interviews import uploads

    folder = Path(uploads.upload_folder()) / f"test-dictation-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    try:
        spoken = recorder_chunk(folder / "speech.wav", at_48k(speech[:16_000]))
        silence = recorder_chunk(folder / "silence.wav", np.zeros(48_000, dtype=np.float32))
        recording = start()
        for handed in (spoken, silence, silence, silence):
            uploads.grant_files([handed], owner=OWNER)
            dictation.feed(recording, handed)
        assert abs(recording.transcription.seconds - 4.0) < 0.01
        uploads.grant_files(
            [silence], owner=OWNER
        )  # two more seconds of silence, only the newest handed over
        uploads.grant_files([silence], owner=OWNER)
        dictation.feed(recording, silence)
        assert abs(recording.transcription.seconds - 6.0) < 0.01
        dictation.feed(recording, silence)  # handed over again: nothing new was uploaded
        assert abs(recording.transcription.seconds - 6.0) < 0.01
    finally:
        shutil.rmtree(folder)


# --- The page's own recording of the whole answer -------------------------------------------------------

COOKIES = {"sessionid": "a-candidates-session-key"}
OTHER_COOKIES = {"sessionid": "someone-elses-session-key"}
ANSWER = SPEECH_DIR / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7.1 s, "and mister john dashwood..."


def webm_of(path: Path, samples: np.ndarray) -> Path:
    """`samples` (16 kHz mono) as Opus in WebM: what Chromium's MediaRecorder makes of a microphone."""
    with av.open(str(path), "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48_000)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            (np.clip(samples, -1, 1) * 32767).astype("<i2").reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = media.SAMPLE_RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return path


@pytest.fixture
def page_uploads():
    """upload(name, content_or_writer, cookies=COOKIES) -> path: a file the page uploaded, granted to its
    session as the ASGI dispatcher grants Gradio's uploads."""
    from interviews import uploads

    folder = Path(uploads.upload_folder()) / f"test-whole-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)

    def upload(name: str, content, cookies=COOKIES) -> str:
        path = folder / uuid.uuid4().hex / name
        path.parent.mkdir()
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            content(path)
        uploads.grant_files([str(path)], owner=uploads.session_owner(cookies))
        return str(path)

    yield upload
    shutil.rmtree(folder)


@pytest.fixture
def answer() -> np.ndarray:
    return media.decode_audio(ANSWER)


def whole_value(path: str, seconds: object = 7.1) -> str:
    return json.dumps({"path": path, "seconds": seconds})


def recorded_by_the_page(page_uploads, samples: np.ndarray) -> dictation.WholeRecording:
    """The page's own WebM recording of `samples`, uploaded and sent with Submit, as the server checks it."""
    page_recording = page_uploads("answer.webm", lambda path: webm_of(path, samples))
    whole = dictation.whole_recording(whole_value(page_recording), cookies=COOKIES)
    assert whole.path == os.path.realpath(page_recording)
    return whole


def streamed(tmp_path, samples: np.ndarray) -> dictation.Dictation:
    """The stream of an answer as the page's chunks brought it: `samples` in 1 s chunks at 48 kHz."""
    recording = start()
    for number, piece in enumerate(np.array_split(at_48k(samples), max(1, samples.size // 16_000))):
        dictation.feed(recording, recorder_chunk(tmp_path / f"chunk-{number}.wav", piece))
    dictation.stop(recording)
    return recording


def pad(samples: np.ndarray, *, before: float = 0.0, after: float = 0.0) -> np.ndarray:
    """`samples` with seconds of silence around them: a candidate's pause before speaking and before Stop."""
    return np.concatenate(
        [np.zeros(seconds(before), dtype=np.float32), samples, np.zeros(seconds(after), dtype=np.float32)]
    )


def seconds(value: float) -> int:
    return int(value * media.SAMPLE_RATE)


def test_a_stream_missing_its_first_seconds_is_heard_from_the_pages_whole_recording(
    tmp_path, settings, page_uploads, answer
):
    settings.STT_STREAMING = False  # the lengths decide; the transcripts are tested with the live page
    spoken = pad(answer, before=1.0, after=1.0)
    whole = recorded_by_the_page(page_uploads, spoken)
    assert abs(whole.seconds - 9.1) < 0.1
    stream = streamed(tmp_path, spoken[seconds(2.5) :])  # the stream event opened 2.5 s late

    choice = dictation.choose(stream, whole)

    assert choice.transcribe_whole and choice.keep_whole
    assert abs(choice.whole_seconds - choice.streamed_seconds - 2.5) < 0.1


def test_a_stream_missing_its_last_chunks_is_heard_from_the_pages_whole_recording(
    tmp_path, settings, page_uploads, answer
):
    settings.STT_STREAMING = False
    spoken = pad(answer, before=1.0, after=1.0)
    whole = recorded_by_the_page(page_uploads, spoken)
    stream = streamed(tmp_path, spoken[: -seconds(2.0)])  # the chunks queued at the stop

    assert dictation.choose(stream, whole).transcribe_whole


def test_a_complete_stream_is_heard_from_its_own_transcript_and_the_whole_recording_kept(
    tmp_path, settings, page_uploads, answer
):
    settings.STT_STREAMING = False
    spoken = pad(answer, before=1.0, after=1.0)
    whole = recorded_by_the_page(page_uploads, spoken)
    # Gradio's recorder starts a moment after the page's and drops its last part-second at the stop: silence.
    stream = streamed(tmp_path, spoken[seconds(0.2) : -seconds(0.5)])

    choice = dictation.choose(stream, whole)

    assert not choice.transcribe_whole and choice.keep_whole


@pytest.mark.parametrize(
    "lost_end",
    [
        "the last word: Stop pressed while still speaking",
        "the first word: speaking the moment the recording starts",
    ],
)
def test_under_a_second_lost_where_the_answer_is_spoken_is_heard_from_the_pages_whole_recording(
    tmp_path, settings, page_uploads, answer, lost_end
):
    settings.STT_STREAMING = False
    if lost_end.startswith("the last"):
        spoken = pad(answer, before=1.0)
        part = spoken[: -seconds(0.6)]
    else:
        spoken = pad(answer, after=1.0)
        part = spoken[seconds(0.6) :]
    whole = recorded_by_the_page(page_uploads, spoken)

    assert dictation.choose(streamed(tmp_path, part), whole).transcribe_whole


def test_only_silence_lost_after_an_answer_begun_at_once_keeps_the_streamed_transcript(
    tmp_path, settings, page_uploads, answer
):
    """Speech in the first part-second of the recording, but the stream lost the silence at its end: the
    stream's first seconds, matched against the recording, say where it lost its audio."""
    settings.STT_STREAMING = False
    spoken = pad(answer, after=1.0)
    whole = recorded_by_the_page(page_uploads, spoken)
    assert whole.silence_before < 0.6  # the answer begins at once

    choice = dictation.choose(streamed(tmp_path, spoken[: -seconds(0.6)]), whole)

    assert not choice.transcribe_whole and choice.keep_whole


def test_a_whole_chunk_lost_in_the_middle_is_heard_from_the_pages_whole_recording(
    tmp_path, settings, page_uploads, answer
):
    settings.STT_STREAMING = False
    spoken = pad(answer, before=1.0, after=1.0)
    whole = recorded_by_the_page(page_uploads, spoken)
    # The second the stream event was still opening: never uploaded.
    stream = streamed(tmp_path, np.concatenate([spoken[: seconds(1.0)], spoken[seconds(2.0) :]]))

    assert dictation.choose(stream, whole).transcribe_whole


def test_a_whole_recording_shorter_than_the_stream_is_neither_heard_nor_kept(
    tmp_path, settings, page_uploads, answer
):
    settings.STT_STREAMING = False
    cut_short = page_uploads("answer.webm", lambda path: webm_of(path, answer[: seconds(3.0)]))
    whole = dictation.whole_recording(whole_value(cut_short), cookies=COOKIES)
    stream = streamed(tmp_path, answer)

    choice = dictation.choose(stream, whole)

    assert not choice.transcribe_whole and not choice.keep_whole


def test_with_no_stream_at_all_the_whole_recording_is_heard(page_uploads, answer):
    whole = recorded_by_the_page(page_uploads, answer)

    assert dictation.choose(None, whole).transcribe_whole


def test_no_whole_recording_leaves_the_stream_as_it_was(tmp_path, settings, answer):
    settings.STT_STREAMING = False
    assert dictation.whole_recording("", cookies=COOKIES) is None
    assert dictation.whole_recording(None, cookies=COOKIES) is None
    stream = streamed(tmp_path, answer[: seconds(3.0)])

    choice = dictation.choose(stream, None)

    assert not choice.transcribe_whole and not choice.keep_whole


HOSTILE_VALUES = {
    "a number": lambda upload: 42,
    "a list": lambda upload: ["answer.webm"],
    "a FileData dict": lambda upload: {
        "path": upload("answer.webm", b"x"),
        "meta": {"_type": "gradio.FileData"},
    },
    "not JSON": lambda upload: "{path: answer.webm",
    "a JSON string": lambda upload: json.dumps("answer.webm"),
    "no path": lambda upload: json.dumps({"seconds": 7.1}),
    "an empty path": lambda upload: json.dumps({"path": ""}),
    "a number as path": lambda upload: json.dumps({"path": 5}),
    "a huge value": lambda upload: json.dumps({"path": "x" * 10_000}),
    "deeply nested JSON": lambda upload: "[" * 4000,
    "a server file": lambda upload: whole_value("/etc/passwd"),
    "a climb out of the upload folder": lambda upload: whole_value(
        os.path.join(os.path.dirname(upload("answer.webm", b"x")), "..", "..", "..", "etc", "passwd")
    ),
    "another candidate's upload": lambda upload: whole_value(
        upload(
            "answer.webm", media.wav_bytes(np.zeros(16_000, dtype=np.float32) + 0.1), cookies=OTHER_COOKIES
        )
    ),
    "a chunk of the stream": lambda upload: whole_value(
        upload("chunk.wav", lambda path: recorder_chunk(path, at_48k(media.decode_audio(ANSWER))))
    ),
    "a damaged WebM": lambda upload: whole_value(upload("answer.webm", b"\x1a\x45\xdf\xa3 not really" * 50)),
    "a silent recording": lambda upload: whole_value(
        upload("answer.webm", lambda path: webm_of(path, np.zeros(5 * 16_000, dtype=np.float32)))
    ),
}


@pytest.mark.parametrize("hostile", HOSTILE_VALUES.values(), ids=HOSTILE_VALUES.keys())
def test_a_hostile_or_broken_whole_recording_is_refused_with_a_message_and_the_stream_kept(
    tmp_path, settings, page_uploads, answer, hostile
):
    settings.STT_STREAMING = False
    stream = streamed(tmp_path, answer)
    value = hostile(page_uploads)

    with pytest.raises(InputError) as refused:
        dictation.whole_recording(value, cookies=COOKIES)

    assert refused.value.user_message and "/" not in refused.value.user_message  # says nothing of our files
    assert dictation.for_submit(page="page-1", owner=OWNER, interview_id=7) is stream
    assert not dictation.choose(stream, None).transcribe_whole


def answer_limit(settings, seconds: float) -> None:
    stt = copy.deepcopy(settings.AI_SERVICES["stt"])
    stt["OPTIONS"] = {**stt.get("OPTIONS", {}), "max_seconds": seconds}
    settings.AI_SERVICES = {**settings.AI_SERVICES, "stt": stt}


def test_a_whole_recording_over_the_answer_limits_is_refused(settings, page_uploads, answer):
    page_recording = page_uploads("answer.webm", lambda path: webm_of(path, answer))
    answer_limit(settings, 5.0)
    with pytest.raises(InputError) as too_long:
        dictation.whole_recording(whole_value(page_recording), cookies=COOKIES)
    assert "too long" in too_long.value.user_message

    answer_limit(settings, 180.0)
    settings.MAX_UPLOAD_BYTES = 1000
    with pytest.raises(InputError) as too_large:
        dictation.whole_recording(whole_value(page_recording), cookies=COOKIES)
    assert "too large" in too_large.value.user_message


@pytest.mark.parametrize("measured", [float("nan"), float("inf"), "7.1", True, None, [7.1]])
def test_what_the_page_says_it_measured_is_only_kept_when_it_is_a_number(page_uploads, answer, measured):
    page_recording = page_uploads("answer.webm", lambda path: webm_of(path, answer))
    whole = dictation.whole_recording(whole_value(page_recording, measured), cookies=COOKIES)
    assert whole.page_seconds is None and abs(whole.seconds - 7.1) < 0.1
