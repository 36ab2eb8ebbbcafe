"""The live interview's Gradio callbacks: check the Django user owns the interview (interviews.live.identity),
run the interview's jobs (interviews.jobs: in the inference pool, or on Celery workers), publish the new LiveState to the websocket group and
render it (interviews.live.render). interviews.live.app wires them to the components.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from asgiref.sync import sync_to_async
from django.conf import settings

from interviews import jobs, uploads
from interviews.ai import media, shared_files, vision
from interviews.ai.inference import FrameDropped, one_at_a_time, run_deferred, run_frame, run_inference
from interviews.ai.registry import InputError, ServiceError
from interviews.live import events
from interviews.live.identity import NotAllowed, asession_for, session_for
from interviews.live.render import (
    EVALUATING_LABEL,
    FINISHED_STATUSES,
    NOT_AVAILABLE,
    PREPARING_LABEL,
    PREPARING_STATUS,
    RECORDING_LABEL,
    SUBMIT_LABEL,
    camera_status_html,
    error_html,
    expression_html,
    feedback_html,
    history_html,
    meta_html,
    muted_question_html,
    notices_html,
    question_html,
    report_html,
    status_html,
    verdict_html,
    words_to_say,
)
from interviews.models import InterviewSession
from interviews.services import dictation, expressions, sessions

logger = logging.getLogger(__name__)

# About ten minutes of speech: a longer typed "answer" is only load on the grader and the database.
MAX_TYPED_ANSWER_CHARS = 8000
# One answer in flight per candidate (inference.one_at_a_time): more is refused, nothing lost.
STILL_ANSWERING = (
    "Still working on your last answer. This one is kept: submit it again once that one is done."
)
# A piece of a streamed recording submitted on its own: the page was reloaded or the server restarted midway.
RECORDING_INTERRUPTED = "Your recording was interrupted. Please record your answer again."
# A streamed frame is a data URL of a JPEG (vision.MAX_FRAME_BYTES once decoded, 4/3 of that in base64).
_FRAME_URL_PREFIXES = ("data:image/jpeg;base64,", "data:image/png;base64,", "data:image/webp;base64,")
_MAX_FRAME_URL_CHARS = 32 + vision.MAX_FRAME_BYTES * 4 // 3 + 4
# Inside Gradio's upload folder, so Gradio serves the file where it is and it can be granted to its session.
_VOICE_DIR = Path(jobs.voice_folder())
_VOICE_MAX_AGE_SECONDS = 15 * 60


@dataclass(frozen=True)
class LiveUI:
    """The components the callbacks read and update (built by interviews.live.app)."""

    meta: gr.HTML
    question: gr.HTML
    voice: gr.Audio
    status: gr.HTML
    error: gr.HTML
    mic: gr.Audio
    answer_text: gr.Textbox
    submission_id: gr.Textbox
    mic_whole: gr.Textbox
    submit: gr.Button
    finish: gr.Button
    confirm_yes: gr.Button
    confirm_no: gr.Button
    report: gr.HTML
    transcript: gr.Textbox
    verdict: gr.HTML
    feedback: gr.HTML
    notices: gr.HTML
    consent_video: gr.Checkbox
    webcam: gr.Image
    camera_status: gr.HTML
    camera_problem: gr.Textbox
    expression: gr.HTML
    history: gr.HTML

    @property
    def every_output(self) -> list:
        """What every interview event may update, in one fixed order."""
        return [
            self.submission_id,
            self.consent_video,
            self.webcam,
            self.voice,
            self.status,
            self.error,
            self.submit,
            self.finish,
            self.mic,
            self.answer_text,
            self.meta,
            self.question,
            self.transcript,
            self.verdict,
            self.feedback,
            self.notices,
            self.expression,
            self.report,
            self.history,
            self.confirm_yes,
            self.confirm_no,
            self.mic_whole,
        ]


def frame_interval_seconds() -> float:
    """How often the live page's webcam sends a frame: 1 / VISION_FPS."""
    fps = float(settings.AI_SERVICES["vision"].get("OPTIONS", {}).get("frames_per_second", 1.0))
    return round(1.0 / max(fps, 0.01), 3)


def frame_bytes(value) -> bytes | None:
    """The picture in a streamed webcam value ({"url": "data:image/jpeg;base64,..."}), or None for anything else
    (a file path, a URL, an oversized or malformed value: a frame is data the browser just took, never a file)."""
    url = value.get("url") if isinstance(value, dict) else value
    if not isinstance(url, str) or len(url) > _MAX_FRAME_URL_CHARS:
        return None
    prefix = next((p for p in _FRAME_URL_PREFIXES if url.startswith(p)), None)
    if prefix is None:
        return None
    try:
        return base64.b64decode(url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        return None


def _analyse_frame(cookies: dict[str, str], session_id, frame: bytes) -> expressions.Glimpse | None:
    """In the vision lane: the frame of the candidate's own interview, analysed; None when it is not theirs."""
    try:
        session = session_for(cookies, session_id)
    except NotAllowed:
        return None
    return expressions.record_frame(session=session, frame=frame)


# --- Thin sync helpers (run off the event loop) -------------------------------------------------


def _is_long_recording(audio_path: str) -> bool:
    """Longer than INFERENCE_BULK_AUDIO_SECONDS, or declaring no length: transcribed in the bulk lane."""
    try:
        seconds = media.container_duration(audio_path)
    except media.MediaProblem:
        return False  # unreadable: the transcription refuses it at once
    return seconds is None or seconds > settings.INFERENCE_BULK_AUDIO_SECONDS


_long_recording = sync_to_async(_is_long_recording, thread_sensitive=False)


async def _is_long(audio_path: str, seconds: float | None) -> bool:
    """Transcribed in the bulk lane: `seconds` when the length is known (a browser WebM declares none)."""
    if seconds is not None:
        return seconds > settings.INFERENCE_BULK_AUDIO_SECONDS
    return await _long_recording(audio_path)


# A cache write: not worth a place in the inference queue behind a verdict.
_mark_answering = sync_to_async(expressions.mark_answering, thread_sensitive=False)


def _voice_file_from(reference: str) -> str:
    """A file Gradio can serve, from the reply_speech job's audio (already one when the job ran here)."""
    prune_voice_files()
    return shared_files.fetch(reference, folder=str(_VOICE_DIR))


_voice_file = sync_to_async(_voice_file_from, thread_sensitive=False)
_share = sync_to_async(shared_files.share, thread_sensitive=False)


def prune_voice_files() -> None:
    # Gradio copies served files into its own cache, so ours are only needed for a moment.
    cutoff = time.time() - _VOICE_MAX_AGE_SECONDS
    for path in _VOICE_DIR.glob("tmp*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


async def _spoken(request: gr.Request, text: str, session=None) -> str | None:
    """`text` spoken into a file after any queued verdict, granted to the requesting session (the only one
    that may fetch it); None when there is nothing to say or TTS fails. Pass the session when `text` replies
    to an answer, so the turn records the speech latency."""
    if not text.strip():
        return None
    try:
        spoken = await run_deferred(jobs.reply_speech, text=text, session_id=session.pk if session else None)
    except ServiceError as error:
        logger.warning("TTS failed, the page shows text only: %s", error)
        return None
    path = await _voice_file(spoken["audio"])
    await uploads.agrant_files([path], owner=uploads.session_owner(dict(request.cookies)))
    return path


def _interview_id(request: gr.Request) -> int | None:
    """The interview the page names (?session=<pk>), unchecked: only compared with a recording's own."""
    value = request.query_params.get("session")
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 18 else None


def _page_of(request: gr.Request) -> tuple[str, str | None, int | None]:
    """(Gradio's session hash of the page, the Django session's owner digest, the interview id named)."""
    return (
        str(request.session_hash or ""),
        uploads.session_owner(dict(request.cookies)),
        _interview_id(request),
    )


async def _heard_while_spoken(spoken: dictation.Dictation) -> tuple[dict | None, int | None]:
    """The transcript of a streamed recording and how long it took after the stop; (None, None) when it was
    not decoded while spoken (remote STT, decoding failed, set aside): the whole recording is transcribed
    instead. UnusableAudio (nothing heard) propagates."""
    if spoken.aside:
        return None, None
    try:
        transcript = await asyncio.wrap_future(dictation.stop(spoken))
    except InputError:
        raise
    except ServiceError as problem:
        if spoken.streaming:
            logger.warning("Streamed answer not decoded, transcribing it whole: %s", problem)
        return None, None
    stopped_at = spoken.transcription.stopped_at or time.perf_counter()
    heard = {
        "text": transcript.text,
        "duration_seconds": transcript.duration_seconds,
        "backend": spoken.backend,
    }
    return heard, round((time.perf_counter() - stopped_at) * 1000)


@dataclass(frozen=True)
class _Heard:
    """A spoken answer ready for the answer job: its transcript when heard while spoken, and its recording."""

    transcript: dict | None  # None: `audio_path` is transcribed whole
    transcript_ms: int | None
    audio_path: str
    seconds: float | None  # the recording's length when known (the page's whole recording is decoded)
    saved: str | None  # a file written here for the answer, deleted after it


async def _heard(spoken: dictation.Dictation | None, whole: dictation.WholeRecording | None) -> _Heard:
    """The streamed transcript, or the page's whole recording when the stream lost part of the answer
    (dictation.choose); the whole recording is the one kept whenever it is not the shorter one."""
    choice = dictation.choose(spoken, whole)
    if choice.transcribe_whole or spoken is None:
        if spoken is not None:
            dictation.set_aside(spoken)
        return _Heard(None, None, whole.path, whole.seconds, None)
    transcript, transcript_ms = await _heard_while_spoken(spoken)
    if choice.keep_whole:
        return _Heard(transcript, transcript_ms, whole.path, whole.seconds, None)
    saved = await _save_recording(spoken)
    return _Heard(transcript, transcript_ms, saved, None, saved)


_feed = sync_to_async(dictation.feed, thread_sensitive=False)
_whole_recording = sync_to_async(dictation.whole_recording, thread_sensitive=False)
_save_recording = sync_to_async(dictation.save_recording, thread_sensitive=False)
_is_streamed_chunk = sync_to_async(dictation.is_streamed_chunk, thread_sensitive=False)


async def _session_of(request: gr.Request) -> InterviewSession | None:
    """The interview named by the page URL (?session=<pk>, which Gradio forwards on every call), if the
    Django user of the request owns it, else None. Read on every call rather than kept in gr.State, so a
    server restart (which forgets Gradio's per-tab state) still finds the same interview."""
    try:
        return await asession_for(dict(request.cookies), request.query_params.get("session"))
    except NotAllowed:
        return None


# --- The callbacks ------------------------------------------------------------------------------


class LiveCallbacks:
    """Gradio handlers of one Blocks app. Bound methods (not closures or partials): Gradio still injects
    `request: gr.Request` into them, and their names are the app's API names (on_load, on_submit…)."""

    def __init__(self, ui: LiveUI):
        self.ui = ui

    def render(
        self,
        state,
        *,
        voice_path=None,
        error_message="",
        status_message="",
        clear_answer=False,
        busy_label="",
    ) -> dict:
        ui = self.ui
        done = state.status in FINISHED_STATUSES
        # Busy: the answer controls wait too, so nothing recorded or typed meanwhile re-enables Submit.
        answering = not (done or busy_label)
        update: dict = {
            ui.meta: meta_html(state),
            ui.question: question_html(state),
            ui.transcript: state.last_transcript,
            ui.verdict: verdict_html(state),
            ui.feedback: feedback_html(state),
            ui.notices: notices_html(state.notices),
            ui.expression: expression_html(state.expression),
            ui.report: report_html(state),
            ui.history: history_html(state),
            ui.status: status_html(status_message),
            ui.error: error_html(error_message),
            # Once finished, the answer controls go: only the report link is left to click.
            ui.submit: gr.update(interactive=answering, value=busy_label or SUBMIT_LABEL, visible=not done),
            ui.finish: gr.update(interactive=not done, visible=not done),
            ui.mic: gr.update(interactive=answering, visible=not done),
            ui.answer_text: gr.update(interactive=answering, visible=not done),
            ui.confirm_yes: gr.update(interactive=answering, visible=state.confirming_finish and not done),
            ui.confirm_no: gr.update(interactive=answering, visible=state.confirming_finish and not done),
        }
        if done:  # the camera stops with the interview
            update[ui.webcam] = gr.update(visible=False)
            update[ui.consent_video] = gr.update(interactive=False)
        if voice_path is not None:
            update[ui.voice] = voice_path
        if clear_answer:
            update[ui.mic] = gr.update(value=None, interactive=answering, visible=not done)
            update[ui.answer_text] = gr.update(value="", interactive=answering, visible=not done)
            update[ui.mic_whole] = ""  # that recording was the answer: never submitted again
            update[ui.submission_id] = uuid.uuid4().hex
        return update

    def unchanged(self) -> dict:
        """Nothing to show (a dropped frame): Gradio wants at least one output named, so skip one."""
        return {self.ui.camera_status: gr.skip()}

    def refused(self, message: str = NOT_AVAILABLE) -> dict:
        ui = self.ui
        return {
            ui.question: muted_question_html(message),
            ui.error: error_html(message),
            ui.status: status_html(),
            **{
                control: gr.update(interactive=False)
                for control in (ui.mic, ui.answer_text, ui.submit, ui.finish, ui.confirm_yes, ui.confirm_no)
            },
        }

    def _answer_controls_back(self, message: str) -> dict:
        """Nothing was recorded: the answer stays in the recorder / textbox to fix or retry."""
        ui = self.ui
        return {
            ui.status: status_html(),
            ui.error: error_html(message),
            ui.submit: gr.update(interactive=True, value=SUBMIT_LABEL),
            ui.mic: gr.update(interactive=True),
            ui.answer_text: gr.update(interactive=True),
        }

    async def on_load(self, request: gr.Request):
        ui = self.ui
        session = await _session_of(request)
        if session is None:
            yield self.refused()
            return
        state = await run_inference(sessions.live_state, session=session)
        spoken = "" if state.status in FINISHED_STATUSES else words_to_say(state)
        watching = session.consent_video and state.status not in FINISHED_STATUSES
        yield {
            ui.submission_id: uuid.uuid4().hex,
            ui.consent_video: gr.update(
                value=session.consent_video, interactive=watching or not session.consent_video
            ),
            ui.webcam: gr.update(visible=watching),
            **self.render(state),
        }
        if spoken:
            yield {ui.voice: await _spoken(request, spoken)}

    async def on_submit(self, text, audio_value, draft_id, whole_value, request: gr.Request):
        async for update in self._answer(text, audio_value, draft_id, request, whole_value=whole_value):
            yield update

    async def _answer(
        self,
        text,
        audio_value,
        draft_id,
        request: gr.Request,
        *,
        whole_value=None,
        finish_reply: bool = False,
    ):
        ui = self.ui
        # Raw values (preprocess=False): any API caller can send anything, a file only once checked.
        text = text.strip() if isinstance(text, str) else ""
        if len(text) > MAX_TYPED_ANSWER_CHARS:
            yield {
                ui.error: error_html(
                    f"That answer is too long (at most {MAX_TYPED_ANSWER_CHARS} characters)."
                )
            }
            return
        draft_id = draft_id if isinstance(draft_id, str) and len(draft_id) <= 64 else ""
        audio_path = None
        page, owner, interview_id = _page_of(request)
        # The streaming microphone's recording of this page, if any: its value is only the last chunk.
        spoken = None if text else dictation.for_submit(page=page, owner=owner, interview_id=interview_id)
        # The page's own recording of the whole answer (live_app.js): what the stream lost is in it.
        whole = None
        if not text and settings.STT_STREAMING:
            try:
                whole = await _whole_recording(whole_value, cookies=dict(request.cookies))
            except InputError as problem:
                if spoken is None:  # nothing else was recorded: the candidate records again
                    yield {ui.error: error_html(problem.user_message)}
                    return
                logger.warning(
                    "The page's whole recording is refused, the streamed answer stands: %s", problem
                )
        if not text and spoken is None and whole is None:
            try:
                audio_path = await uploads.acheck_upload(audio_value, dict(request.cookies))
            except uploads.UnusableUpload as problem:
                yield {ui.error: error_html(problem.user_message)}
                return
            if audio_path and await _is_streamed_chunk(audio_path):
                yield {ui.error: error_html(RECORDING_INTERRUPTED)}
                return
        if not text and not audio_path and spoken is None and whole is None:
            yield {ui.error: error_html("Record or type an answer first.")}
            return
        if audio_path:
            try:
                uploads.refuse_oversized(audio_path)
            except uploads.UnusableUpload as problem:
                yield {ui.error: error_html(problem.user_message)}
                return
        session = await _session_of(request)
        if session is None:
            yield self.refused()
            return
        pk = session.pk
        submission_id = draft_id or uuid.uuid4().hex
        # The same submission again (its web process restarted meanwhile) joins the job still in flight.
        async with one_at_a_time("answer", session.owner_id, job=f"{pk}:{submission_id}") as slot:
            if not slot:  # another tab or client of this candidate is being answered: keep this answer
                yield {ui.error: error_html(STILL_ANSWERING)}
                return
            progress = (
                "Transcribing and evaluating your answer…"
                if audio_path or spoken or whole
                else "Evaluating your answer…"
            )
            yield {
                ui.status: status_html(progress),
                ui.error: error_html(),
                ui.submit: gr.update(interactive=False, value=EVALUATING_LABEL),
                ui.mic: gr.update(interactive=False),
                ui.answer_text: gr.update(interactive=False),
            }
            await events.apublish_progress(pk, progress)
            spoken_answer = None
            try:
                if spoken is not None or whole is not None:
                    spoken_answer = await _heard(spoken, whole)
                    audio_path = spoken_answer.audio_path
                heard = spoken_answer.transcript if spoken_answer else None
                heard_ms = spoken_answer.transcript_ms if spoken_answer else None
                long = (
                    audio_path
                    and heard is None
                    and await _is_long(audio_path, spoken_answer.seconds if spoken_answer else None)
                )
                lane = slot.run_bulk if long else slot.run_inference
                state = sessions.LiveState(
                    **await lane(
                        jobs.answer,
                        session_id=pk,
                        text=text or None,
                        audio=await _share(audio_path),
                        submission_id=submission_id,
                        reply_to_finish_question=finish_reply,
                        heard=heard,
                        heard_ms=heard_ms,
                    )
                )
            except InputError as problem:
                yield self._answer_controls_back(problem.user_message)
                await events.apublish_progress(pk, "")
                return
            except Exception as problem:  # noqa: BLE001 - whatever broke, the candidate keeps their answer
                if isinstance(problem, ServiceError):
                    logger.warning("Answer of interview %s not processed: %s", pk, problem)
                    told = problem.user_message
                else:
                    logger.exception("Answer of interview %s failed", pk)
                    told = "Something went wrong while handling your answer."
                yield self._answer_controls_back(f"{told} Your answer was kept; please try again.")
                await events.apublish_progress(pk, "")
                return
            finally:
                if spoken_answer and spoken_answer.saved:
                    # The Turn keeps its own copy when the candidate consented.
                    with contextlib.suppress(OSError):
                        os.unlink(spoken_answer.saved)
            if spoken is not None:
                dictation.discard(page, owner=owner)
            await events.apublish_state(pk, state)
            await events.apublish_progress(pk, PREPARING_STATUS)
            # An answer overtaken by another tab's answer was not graded: this tab keeps it to answer again.
            graded = sessions.STALE_ANSWER_NOTICE not in state.notices
            yield self.render(
                state, status_message=PREPARING_STATUS, clear_answer=graded, busy_label=PREPARING_LABEL
            )
            # The interviewer's words already carry the next question (or the hint, or the goodbye).
            voice_path = await _spoken(request, words_to_say(state), session)
            await events.apublish_progress(pk, "")
            yield self.render(state, voice_path=voice_path)

    # --- The streaming microphone: the answer is transcribed while it is spoken ---------------------

    async def on_start_speaking(self, request: gr.Request):
        """Recording starts: an earlier, stopped recording of this page is dropped (recorded again)."""
        page, owner, _ = _page_of(request)
        dictation.discard(page, owner=owner, only_stopped=True)
        ui = self.ui
        return {
            ui.submit: gr.update(interactive=False, value=RECORDING_LABEL),
            ui.transcript: "",
            ui.error: error_html(),
        }

    async def on_speech(self, chunk_value, request: gr.Request):
        """One chunk of the streaming microphone (every STREAM_EVERY_SECONDS): fed to this page's recording;
        the words heard so far go to "What we heard"."""
        ui = self.ui
        try:
            chunk_path = await uploads.acheck_upload(chunk_value, dict(request.cookies))
        except uploads.UnusableUpload:
            return {ui.error: error_html(dictation.BAD_CHUNK)}
        if chunk_path is None:
            return {}
        page, owner, interview_id = _page_of(request)
        spoken = dictation.recording(page=page, owner=owner, interview_id=interview_id)
        if spoken is None and dictation.for_submit(page=page, owner=owner, interview_id=interview_id):
            # Sent just before the stop, arriving after it: not a new recording (the page's whole one has it).
            return {}
        if spoken is None:  # the first chunk of a recording: the interview is checked once, here
            session = await _session_of(request)
            if session is None:
                return self.refused()
            try:
                spoken = dictation.start(
                    page=page,
                    owner=owner,
                    interview_id=session.pk,
                    context=sessions.answer_context(session=session),
                )
            except InputError as problem:
                return {ui.error: error_html(problem.user_message)}
        try:
            await _feed(spoken, chunk_path)
        except InputError as problem:
            dictation.discard(page, owner=owner)
            return {ui.error: error_html(problem.user_message)}
        if spoken.transcription.full:
            return {ui.error: error_html(dictation.too_long_message(spoken))}
        return {ui.transcript: spoken.transcription.text()} if spoken.streaming else {}

    async def on_stop_speaking(self, request: gr.Request):
        """Recording stops: Submit comes back at once; the last segment is decoded meanwhile and the whole
        transcript shown (Submit waits for the same decoding)."""
        ui = self.ui
        yield {ui.submit: gr.update(interactive=True, value=SUBMIT_LABEL)}
        page, owner, interview_id = _page_of(request)
        spoken = dictation.for_submit(page=page, owner=owner, interview_id=interview_id)
        if spoken is None or not spoken.streaming:
            if spoken is not None:
                dictation.stop(spoken)
            return
        try:
            transcript = await asyncio.wrap_future(dictation.stop(spoken))
        except InputError as problem:
            yield {ui.error: error_html(problem.user_message)}
            return
        except ServiceError:
            return  # Submit transcribes the whole recording instead
        yield {ui.transcript: transcript.text}

    async def on_microphone_unavailable(self, request: gr.Request):
        """live_app.js: the browser refused the microphone after Record was pressed, so no recording follows:
        Submit, held for it, comes back for a typed answer."""
        return {self.ui.submit: gr.update(interactive=True, value=SUBMIT_LABEL)}

    async def on_page_closed(self, request: gr.Request):
        """The tab closed or reloaded: its recording (if any) goes."""
        page, owner, _ = _page_of(request)
        dictation.discard(page, owner=owner)

    async def on_confirm_yes(self, draft_id, request: gr.Request):
        """The "Yes, finish" button: a spoken "yes", clicked (the engine decides what it means)."""
        async for update in self._answer("yes", None, draft_id, request, finish_reply=True):
            yield update

    async def on_confirm_no(self, draft_id, request: gr.Request):
        """The "No, continue" button: back to the question on screen, its attempt unused."""
        async for update in self._answer("no", None, draft_id, request, finish_reply=True):
            yield update

    async def on_finish(self, request: gr.Request):
        ui = self.ui
        session = await _session_of(request)
        if session is None:
            yield self.refused()
            return
        pk = session.pk
        yield {
            ui.status: status_html("Finishing the interview and writing your report…"),
            ui.submit: gr.update(interactive=False),
            ui.finish: gr.update(interactive=False),
        }
        await events.apublish_progress(pk, "Finishing…")
        try:
            state = await run_inference(sessions.finish_interview, session=session)
        except Exception as problem:  # noqa: BLE001
            logger.exception("Finishing interview %s failed", pk)
            told = (
                problem.user_message
                if isinstance(problem, ServiceError)
                else "Could not finish the interview."
            )
            yield {
                ui.status: status_html(),
                ui.error: error_html(f"{told} Please try again."),
                ui.submit: gr.update(interactive=True),
                ui.finish: gr.update(interactive=True),
            }
            await events.apublish_progress(pk, "")
            return
        await events.apublish_state(pk, state)
        await events.apublish_progress(pk, "")
        yield self.render(state)
        goodbye = state.interviewer_message or "Thank you, the interview is over."
        yield {ui.voice: await _spoken(request, goodbye)}

    async def on_consent(self, consent, request: gr.Request):
        """The one webcam switch, flipped on the live page: remembered for the interview (and its report)."""
        ui = self.ui
        session = await _session_of(request)
        if session is None:
            return self.refused()
        on = await run_inference(expressions.set_video_consent, session=session, consent=consent is True)
        watching = on and session.is_active
        return {
            ui.consent_video: on,
            ui.webcam: gr.update(visible=watching),
            ui.camera_status: camera_status_html(""),
            ui.expression: expression_html("") if not on else gr.update(),
        }

    async def on_frame(self, frame_value, request: gr.Request):
        """One streamed webcam frame: analysed in the vision lane, or dropped when this candidate already has one
        in flight or sends faster than VISION_FPS. The page shows the latest expression and any camera notice."""
        ui = self.ui
        frame = frame_bytes(frame_value)
        owner = uploads.session_owner(dict(request.cookies))
        if frame is None or owner is None:
            return self.unchanged()
        try:
            seen = await run_frame(
                owner, _analyse_frame, dict(request.cookies), request.query_params.get("session"), frame
            )
        except FrameDropped:
            return self.unchanged()
        except Exception:  # noqa: BLE001 - expressions are optional: never break the interview for them
            logger.exception("A webcam frame could not be analysed")
            return self.unchanged()
        if seen is None:
            return self.unchanged()
        return {
            ui.expression: expression_html(seen.expression),
            ui.camera_status: camera_status_html(seen.notice),
        }

    async def on_camera_problem(self, reason, request: gr.Request):
        """live_app.js reports that the browser refused the camera or the camera stopped."""
        if not isinstance(reason, str) or len(reason) > 32:
            return self.unchanged()
        reason = reason.split(":", 1)[0]  # "camera_lost:<n>": a counter makes each report a change
        session = await _session_of(request)
        if session is None:
            return self.unchanged()
        seen = await run_inference(expressions.record_camera_problem, session=session, reason=reason)
        return {self.ui.camera_status: camera_status_html(seen.notice)}

    async def on_answer_started(self, request: gr.Request):
        """The microphone started recording, or the candidate clicked into the answer box."""
        session = await _session_of(request)
        if session is not None and session.consent_video and session.is_active:
            await _mark_answering(session=session)
