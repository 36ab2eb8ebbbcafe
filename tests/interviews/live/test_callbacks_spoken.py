"""Submit of an answer spoken into the streaming microphone, through the mounted Gradio app: the stream's own
transcript when it holds the whole answer, else the page's recording of the whole answer (live_app.js sends it
with Submit), transcribed with the same context; a broken whole recording never costs the streamed answer.

Real Whisper on real read speech. The stream is fed the way on_speech feeds it (the page's 1 s chunks of 48 kHz
WAV, uploaded, then dictation.feed); the page's recording is an Opus WebM, as Chromium's MediaRecorder makes.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import uuid
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from asgiref.sync import sync_to_async

from interviews import uploads
from interviews.ai import media
from interviews.live.callbacks import LiveCallbacks, LiveUI
from interviews.models import InterviewSession, Turn
from interviews.services import dictation, sessions
from tests.eval_data import DATA
from tests.interviews.live.gradio_client import GradioPage, http
from tests.interviews.services.test_dictation import at_48k, recorder_chunk, webm_of

# "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do
# for them": its first words are gone when the stream opens 2.5 s late.
ANSWER = DATA / "speech" / "sense_and_sensibility_01_austen_64kb-0870.wav"
ANOTHER_ANSWER = DATA / "speech" / "sense_and_sensibility_01_austen_64kb-0880.wav"  # "he was not an ill..."

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*:pandas.errors.Pandas4Warning"),
]


@pytest.fixture(autouse=True)
def in_memory_layer(memory_channel_layer):
    return memory_channel_layer


@pytest.fixture(autouse=True)
def streaming(settings):
    settings.STT_STREAMING = True
    dictation.reset()
    yield
    dictation.reset()


@pytest.fixture
def consenting_interview(owner):
    return sessions.start_interview(
        user=owner,
        candidate_name="Ada",
        topic="python",
        position="sde",
        difficulty="easy",
        consent_audio=True,
    )


@pytest.fixture(autouse=True)
def decisions_logged(caplog):
    caplog.set_level(logging.INFO, logger="interviews.services.dictation")


@pytest.fixture
def answer() -> np.ndarray:
    return media.decode_audio(ANSWER)


async def stream(page: GradioPage, cookie: str, interview, samples: np.ndarray, tmp_path: Path) -> None:
    """The stream of a recording as the page's chunks bring it, fed as on_speech feeds them; then the stop."""
    session = await sync_to_async(InterviewSession.objects.get)(pk=interview.pk)
    recording = dictation.start(
        page=page.session_hash,
        owner=uploads.session_owner({"sessionid": cookie}),
        interview_id=interview.pk,
        context=await sync_to_async(sessions.answer_context)(session=session),
    )
    for number, piece in enumerate(np.array_split(at_48k(samples), max(1, samples.size // 16_000))):
        chunk = Path(recorder_chunk(tmp_path / f"chunk-{number}.wav", piece))
        uploaded = await page.upload(chunk, name="audio.wav")
        await sync_to_async(dictation.feed)(recording, uploaded["path"])
    dictation.stop(recording)


async def page_recording(page: GradioPage, samples: np.ndarray, tmp_path: Path) -> str:
    """The page's recording of the whole answer, uploaded; the value live_app.js puts in #live-mic-whole."""
    uploaded = await page.upload(webm_of(tmp_path / "answer.webm", samples))
    return json.dumps({"path": uploaded["path"], "seconds": round(samples.size / media.SAMPLE_RATE, 2)})


async def submit(page: GradioPage, shown: dict, whole: str) -> dict:
    return await page.trigger(
        "live-submit",
        "click",
        {"live-mic-whole": whole, "live-submission-id": shown["live-submission-id"]},
    )


@sync_to_async
def turns_of(interview) -> list[Turn]:
    return list(Turn.objects.filter(session=interview))


async def test_a_stream_that_lost_its_first_seconds_is_answered_from_the_pages_whole_recording(
    consenting_interview, owner_cookie, answer, tmp_path, caplog
):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, consenting_interview.pk).open()
        shown = await page.load()
        await stream(
            page, owner_cookie, consenting_interview, answer[int(2.5 * media.SAMPLE_RATE) :], tmp_path
        )
        answered = await submit(page, shown, await page_recording(page, answer, tmp_path))

    assert "dashwood" in answered["live-transcript"].lower(), answered["live-transcript"]
    assert "transcribing the whole recording" in caplog.text
    assert answered["live-mic-whole"] == ""  # that recording was the answer: never submitted again
    (turn,) = await turns_of(consenting_interview)
    assert turn.input_mode == Turn.InputMode.SPOKEN and "dashwood" in turn.transcript.lower()
    assert turn.audio.name.endswith(".webm")  # the whole recording is the one kept


async def test_a_complete_stream_is_answered_from_its_own_transcript_and_the_pages_recording_kept(
    consenting_interview, owner_cookie, answer, tmp_path, caplog
):
    # The page's recording here says something else, as long: the transcript shows which one was heard.
    another = media.decode_audio(ANOTHER_ANSWER)
    another = np.concatenate([another, np.zeros(answer.size - another.size, dtype=np.float32)])
    async with http(owner_cookie) as client:
        page = await GradioPage(client, consenting_interview.pk).open()
        shown = await page.load()
        await stream(page, owner_cookie, consenting_interview, answer, tmp_path)
        answered = await submit(page, shown, await page_recording(page, another, tmp_path))

    heard = answered["live-transcript"].lower()
    assert "dashwood" in heard and "disposed" not in heard, heard
    assert "transcribing the whole recording" not in caplog.text
    (turn,) = await turns_of(consenting_interview)
    assert turn.audio.name.endswith(".webm")


@pytest.mark.parametrize(
    "broken",
    [
        "{not json",
        json.dumps({"path": "/etc/passwd", "seconds": 7.1}),
        "damaged WebM",
    ],
)
async def test_a_broken_whole_recording_leaves_the_streamed_answer_as_it_was(
    consenting_interview, owner_cookie, answer, tmp_path, broken
):
    async with http(owner_cookie) as client:
        page = await GradioPage(client, consenting_interview.pk).open()
        shown = await page.load()
        await stream(page, owner_cookie, consenting_interview, answer, tmp_path)
        if broken == "damaged WebM":
            damaged = await page.upload(
                ANSWER, name="answer.webm", content=b"\x1a\x45\xdf\xa3 not a real webm" * 40
            )
            broken = json.dumps({"path": damaged["path"], "seconds": 7.1})
        answered = await submit(page, shown, broken)

    assert "dashwood" in answered["live-transcript"].lower(), answered["live-transcript"]
    assert 'role="alert"' not in answered["live-error"]
    (turn,) = await turns_of(consenting_interview)
    assert turn.audio.name.endswith(".wav")  # the stream's own audio is kept instead


async def test_without_any_stream_the_pages_whole_recording_is_the_answer(
    consenting_interview, owner_cookie, answer, tmp_path
):
    # The stream event never opened before the stop: no chunk reached the server.
    async with http(owner_cookie) as client:
        page = await GradioPage(client, consenting_interview.pk).open()
        shown = await page.load()
        answered = await submit(page, shown, await page_recording(page, answer, tmp_path))

    assert "dashwood" in answered["live-transcript"].lower(), answered["live-transcript"]
    assert len(await turns_of(consenting_interview)) == 1


async def test_a_broken_whole_recording_and_no_stream_is_explained_and_nothing_recorded(
    consenting_interview, owner_cookie, tmp_path
):
    silent = np.zeros(5 * media.SAMPLE_RATE, dtype=np.float32)
    async with http(owner_cookie) as client:
        page = await GradioPage(client, consenting_interview.pk).open()
        shown = await page.load()
        refused = await submit(page, shown, "{not json")
        silence = await submit(page, shown, await page_recording(page, silent, tmp_path))

    assert "could not be used" in refused["live-error"]
    assert "hear anything" in silence["live-error"]
    assert await turns_of(consenting_interview) == []


async def test_a_chunk_arriving_after_the_stop_leaves_the_stopped_recording_as_it_was(
    consenting_interview, owner_cookie, answer
):
    """Gradio may hand the stream a chunk sent just before the stop after the stop: it is not a new recording."""
    cookies = {"sessionid": owner_cookie}
    request = gr.Request(
        session_hash="late-chunk-page",
        cookies=cookies,
        query_params={"session": str(consenting_interview.pk)},
    )
    live = LiveCallbacks(LiveUI(**{field.name: field.name for field in dataclasses.fields(LiveUI)}))
    folder = Path(uploads.upload_folder()) / f"test-late-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    try:
        first, late = (
            recorder_chunk(folder / name, at_48k(piece))
            for name, piece in (("1.wav", answer[:16_000]), ("2.wav", answer[16_000:32_000]))
        )
        uploads.grant_files([first, late], owner=uploads.session_owner(cookies))
        await live.on_speech({"path": first}, request)
        owner = uploads.session_owner(cookies)
        recording = dictation.for_submit(
            page="late-chunk-page", owner=owner, interview_id=consenting_interview.pk
        )
        dictation.stop(recording)

        assert await live.on_speech({"path": late}, request) == {}

        still = dictation.for_submit(
            page="late-chunk-page", owner=owner, interview_id=consenting_interview.pk
        )
        assert still is recording and abs(still.transcription.seconds - 1.0) < 0.01
    finally:
        shutil.rmtree(folder)
