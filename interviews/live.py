"""The Gradio Blocks app of a live interview: shows and speaks questions, takes spoken or typed answers.

Callbacks stay thin: they check the Django user owns the interview, call interviews.services.sessions
in the inference pool, publish the new LiveState to the websocket group and render it.

Stable element ids (for browser tests and the page's own JS), all inside the Gradio iframe:
    #live-question         current question text          #live-meta        stage, question n of N, attempt
    #live-voice            interviewer audio (autoplay)   #live-status      progress ("Transcribing…") / idle
    #live-mic              microphone recorder            #live-mic-status  "microphone unavailable" notice
    #live-answer-text      typed answer                   #live-submit      submit the answer
    #live-finish           finish the interview           #live-error       input / service error text
    #live-transcript       what was heard / typed         #live-verdict     correct / partial / incorrect
    #live-feedback         praise, hint or revealed answer
    #live-notices          fallback notices               #live-expression  expression seen during the answer
    #live-consent-video    webcam consent switch          #live-webcam      webcam recorder
    #live-report           link to the report (when finished)
    #live-history          earlier questions and verdicts (inside a closed accordion: open it first)
    #live-submission-id    hidden: id of the current answer draft (a double submit is graded once)
"""

from __future__ import annotations

import html
import logging
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import gradio as gr
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.urls import reverse

from interviews import live_events, uploads
from interviews.gradio_mount import user_for_cookies
from interviews.inference import one_at_a_time, run_deferred, run_inference
from interviews.models import InterviewSession
from interviews.selectors import session_get_owned
from interviews.services import media, sessions
from interviews.services.registry import InputError, ServiceError
from interviews.text import rich_text

logger = logging.getLogger(__name__)

NOT_AVAILABLE = "This interview is not available."
FINISHED_STATUSES = {"finished", "abandoned"}
VERDICT_LABELS = {"correct": "Correct", "partial": "Partially correct", "incorrect": "Not quite"}
STAGE_LABELS = {"general": "General questions", "topic": "Topic questions", "finished": "Finished"}
SUBMIT_LABEL = "Submit answer"
# While an answer is handled the Submit button is disabled and says why, so a click is never silently lost.
EVALUATING_LABEL = "Evaluating your answer…"
PREPARING_LABEL = "Preparing the reply…"
PREPARING_STATUS = "Preparing the interviewer's reply…"
# Gradio uploads a recording after Stop and only then fires stop_recording: until that, Submit would send no audio.
RECORDING_LABEL = "Waiting for your recording…"
# About ten minutes of speech: a longer typed "answer" is only load on the grader and the database.
MAX_TYPED_ANSWER_CHARS = 8000
# One answer and one webcam clip in flight per candidate (inference.one_at_a_time): more is refused, nothing lost.
STILL_ANSWERING = (
    "Still working on your last answer. This one is kept: submit it again once that one is done."
)
STILL_ANALYSING = "Still analysing your last webcam clip, so this one was skipped."
# Inside Gradio's upload folder, so Gradio serves the file where it is and it can be granted to its session.
_VOICE_DIR = Path(uploads.upload_folder()) / "interbot-voice"
_VOICE_MAX_AGE_SECONDS = 15 * 60


class NotAllowed(Exception):
    """The request has no Django user, or the interview is not theirs."""


# --- Thin sync helpers (run off the event loop) -------------------------------------------------


def _owned_session(cookies: dict[str, str], session_id: Any) -> InterviewSession:
    session = session_get_owned(user_for_cookies(cookies), session_id)
    if session is None:
        raise NotAllowed
    return session


def _checked_session(cookies: dict[str, str], session_id: Any) -> InterviewSession:
    close_old_connections()  # a default-executor thread, outside Django's request cycle
    try:
        return _owned_session(cookies, session_id)
    finally:
        close_old_connections()


# Not in the inference pool: a quick ownership check must not wait behind a transcription.
_authorise = sync_to_async(_checked_session, thread_sensitive=False)


async def _session_of(request: gr.Request) -> InterviewSession:
    """The interview named by the page URL (?session=<pk>, which Gradio forwards on every call),
    if the Django user of the request owns it. Read on every call rather than kept in gr.State, so a
    server restart (which forgets Gradio's per-tab state) still finds the same interview."""
    return await _authorise(dict(request.cookies), request.query_params.get("session"))


def _is_long_recording(audio_path: str) -> bool:
    """Longer than INFERENCE_BULK_AUDIO_SECONDS, or declaring no length: transcribed in the bulk lane."""
    try:
        seconds = media.container_duration(audio_path)
    except media.MediaProblem:
        return False  # unreadable: the transcription refuses it at once
    return seconds is None or seconds > settings.INFERENCE_BULK_AUDIO_SECONDS


_long_recording = sync_to_async(_is_long_recording, thread_sensitive=False)


def _voice_file(text: str, session=None) -> str | None:
    """Speak `text` into a temporary file Gradio can serve; None when there is nothing to say or TTS fails.

    Pass the session when `text` replies to an answer, so the turn records the speech latency."""
    if not text.strip():
        return None
    try:
        audio, mime = sessions.speak(text=text, session=session)
    except ServiceError as error:
        logger.warning("TTS failed, the page shows text only: %s", error)
        return None
    _VOICE_DIR.mkdir(parents=True, exist_ok=True)
    _prune_voice_files()
    suffix = ".mp3" if "mpeg" in mime or "mp3" in mime else ".ogg" if "ogg" in mime else ".wav"
    with tempfile.NamedTemporaryFile(dir=_VOICE_DIR, suffix=suffix, delete=False) as handle:
        handle.write(audio)
    return handle.name


async def _spoken(request: gr.Request, text: str, session=None) -> str | None:
    """`_voice_file` after any queued verdict, granted to the requesting session (the only one that may fetch it)."""
    path = await run_deferred(_voice_file, text, session)
    if path:
        await uploads.agrant_files([path], owner=uploads.session_owner(dict(request.cookies)))
    return path


def _prune_voice_files() -> None:
    # Gradio copies served files into its own cache, so ours are only needed for a moment.
    cutoff = time.time() - _VOICE_MAX_AGE_SECONDS
    for path in _VOICE_DIR.glob("tmp*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _report_url(session_id: int, state_url: str = "") -> str:
    return state_url or reverse("analytics:report", args=[session_id])


# --- Rendering a LiveState ----------------------------------------------------------------------


def _esc(text: str) -> str:
    return html.escape(text or "")


def _question_html(state) -> str:
    if state.status in FINISHED_STATUSES:
        return '<div class="ib-question ib-done">The interview is over. Thank you!</div>'
    if not state.question_text:
        return '<div class="ib-question ib-muted">Preparing your first question…</div>'
    return f'<div class="ib-question">{rich_text(state.question_text)}</div>'


def _meta_html(state) -> str:
    stage = STAGE_LABELS.get(state.stage, state.stage.title())
    parts = [f'<span class="ib-chip ib-stage-{_esc(state.stage)}">{_esc(stage)}</span>']
    if state.question_number:
        parts.append(
            f'<span class="ib-chip">Question {state.question_number} of {state.total_questions}</span>'
        )
    if state.status not in FINISHED_STATUSES and state.question_number:
        label = "Second attempt" if state.attempt >= 2 else "First attempt"
        parts.append(f'<span class="ib-chip ib-attempt-{state.attempt}">{label}</span>')
    return '<div class="ib-meta">' + "".join(parts) + "</div>"


def _verdict_html(state) -> str:
    if not state.last_verdict:
        return '<div class="ib-verdict ib-verdict-none"></div>'
    label = VERDICT_LABELS.get(state.last_verdict, state.last_verdict.title())
    return f'<div class="ib-verdict ib-verdict-{_esc(state.last_verdict)}">{_esc(label)}</div>'


def _feedback_html(state) -> str:
    # After a graded answer: that answer's praise, hint or revealed answer; otherwise the interviewer's words.
    said = state.history[-1].get("feedback", "") if state.last_verdict and state.history else ""
    said = said or state.interviewer_message
    if not said:
        return '<div class="ib-feedback ib-muted"></div>'
    return f'<div class="ib-feedback">{rich_text(said)}</div>'


def _notices_html(notices: list[str]) -> str:
    if not notices:
        return '<div class="ib-notices"></div>'
    items = "".join(f"<li>{_esc(n)}</li>" for n in notices)
    return f'<div class="ib-notices" role="status"><ul>{items}</ul></div>'


def _expression_html(label: str) -> str:
    if not label:
        return '<div class="ib-expression ib-muted">No expression analysed yet.</div>'
    return f'<div class="ib-expression">Expression seen: <strong>{_esc(label)}</strong></div>'


def _report_html(state) -> str:
    if state.status not in FINISHED_STATUSES:
        return ""
    url = _esc(_report_url(state.session_id, state.report_url))
    return f'<a class="ib-report-link" href="{url}" target="_top">See your interview report →</a>'


def _history_html(state) -> str:
    if not state.history:
        return '<p class="ib-muted">Your answers will appear here.</p>'
    rows = []
    for item in state.history:
        verdict = item.get("verdict", "")
        rows.append(
            '<li class="ib-history-item">'
            f'<div class="ib-history-q">{rich_text(item.get("question", ""))}</div>'
            f'<div class="ib-history-a">{rich_text(item.get("transcript", ""))}</div>'
            f'<span class="ib-chip ib-verdict-{_esc(verdict)}">{_esc(VERDICT_LABELS.get(verdict, verdict))}</span>'
            f'<div class="ib-history-f">{rich_text(item.get("feedback", ""))}</div>'
            "</li>"
        )
    return '<ol class="ib-history">' + "".join(rows) + "</ol>"


def _status_html(message: str = "") -> str:
    if not message:
        return '<div class="ib-status ib-idle"></div>'
    return (
        f'<div class="ib-status ib-busy" role="status"><span class="ib-spinner"></span>{_esc(message)}</div>'
    )


def _error_html(message: str = "") -> str:
    if not message:
        return '<div class="ib-error"></div>'
    return f'<div class="ib-error" role="alert">{_esc(message)}</div>'


# --- The Blocks ---------------------------------------------------------------------------------

GRADIO_CSS = """
/* The page around the frame already has margins: the app uses the frame's whole width. */
.gradio-container { max-width: none !important; margin: 0 !important; padding: .75rem 1rem 0 !important; }
.gradio-container .main { padding: 0 !important; }
footer { display: none !important; }
/* Empty placeholders (idle status, no error, no verdict yet…) take no room: no holes in the layout. */
#live-status:has(.ib-idle), #live-error:has(.ib-error:not([role])), #live-verdict:has(.ib-verdict-none),
#live-notices:has(.ib-notices:empty), #live-report:not(:has(a)), #live-feedback:has(.ib-feedback:empty) {
  display: none !important; }
#live-finish { white-space: nowrap; }
@media (max-width: 640px) {
  .gradio-container { padding: .5rem .4rem 0 !important; }
  .ib-question { font-size: 1.15rem; padding: .8rem .9rem; }
  /* One column on a phone: what was heard and the verdict/hint come right under the question, before the
     recorder, instead of below the buttons where nobody scrolls to. */
  #live-layout { flex-direction: column; flex-wrap: nowrap; }
  #live-layout > .column { display: contents; }
  #live-meta { order: 1; } #live-question { order: 2; }
  #live-layout > .column > .form:has(#live-transcript) { order: 3; }
  #live-verdict { order: 4; } #live-feedback { order: 5; } #live-notices { order: 6; }
  #live-voice { order: 7; } #live-status { order: 8; } #live-error { order: 9; }
  #live-layout > .column > .gr-group:has(#live-mic) { order: 10; }
  #live-layout > .column > .row:has(#live-submit) { order: 11; }
  #live-report { order: 12; } #live-layout > .column > .ib-webcam { order: 13; }
  #live-layout > .column > .gr-accordion { order: 14; }
}
.ib-question { font-size: 1.35rem; line-height: 1.5; font-weight: 600; padding: 1.1rem 1.25rem;
  border-radius: 14px; background: var(--color-accent-soft); border: 1px solid var(--border-color-accent); }
.ib-question.ib-done { background: #ecfdf5; border-color: #34d399; }
.ib-meta { display: flex; gap: .5rem; flex-wrap: wrap; margin-bottom: .25rem; }
.ib-chip { display: inline-block; padding: .15rem .6rem; border-radius: 999px; font-size: .8rem;
  background: var(--neutral-100); color: var(--neutral-700); border: 1px solid var(--neutral-200); }
.ib-attempt-2 { background: #fff7ed; color: #9a3412; border-color: #fdba74; }
.ib-verdict { font-weight: 700; font-size: 1.1rem; padding: .4rem .8rem; border-radius: 10px; display: inline-block; }
.ib-verdict-none { display: none; }
.ib-verdict-correct { background: #dcfce7; color: #166534; }
.ib-verdict-partial { background: #fef9c3; color: #854d0e; }
.ib-verdict-incorrect { background: #fee2e2; color: #991b1b; }
.ib-feedback { font-size: 1.05rem; line-height: 1.5; padding: .6rem 0; }
.ib-muted { color: var(--neutral-500); }
.ib-notices ul { margin: 0; padding: .5rem 1rem .5rem 2rem; background: #fffbeb; border: 1px solid #fcd34d;
  border-radius: 10px; color: #92400e; }
.ib-error[role=alert] { padding: .6rem 1rem; background: #fef2f2; border: 1px solid #fca5a5; border-radius: 10px;
  color: #991b1b; font-weight: 600; }
.ib-status.ib-busy { display: flex; align-items: center; gap: .6rem; color: var(--color-accent); font-weight: 600; }
.ib-spinner { width: 1rem; height: 1rem; border: 2px solid currentColor; border-right-color: transparent;
  border-radius: 50%; animation: ib-spin .8s linear infinite; }
@keyframes ib-spin { to { transform: rotate(360deg); } }
.ib-report-link { display: inline-block; margin-top: .5rem; padding: .7rem 1.2rem; border-radius: 10px;
  background: var(--color-accent); color: white !important; font-weight: 700; text-decoration: none; }
.ib-history { padding-left: 1.2rem; }
.ib-history-item { margin-bottom: .9rem; }
.ib-history-q { font-weight: 600; }
.ib-history-a { color: var(--neutral-600); font-style: italic; margin: .2rem 0; }
.ib-history-f { font-size: .9rem; margin-top: .2rem; }
#live-submit:disabled, #live-finish:disabled { opacity: .55; cursor: not-allowed; filter: saturate(.4); }
.ib-question code, .ib-feedback code, .ib-history code { font-family: var(--font-mono); font-size: .92em;
  padding: .05em .35em; border-radius: 6px; background: var(--neutral-100); color: var(--neutral-800);
  border: 1px solid var(--neutral-200); }
#live-mic-status:not([data-active]) { display: none; }
#live-mic-status { padding: .5rem .8rem; border-radius: 10px; background: #eff6ff; color: #1e40af; }
"""

# Runs inside the iframe: when the browser refuses the microphone, switch to typed answers and say so.
GRADIO_HEAD = """
<script>
(function () {
  var REASONS = { NotAllowedError: 'permission denied', SecurityError: 'permission denied',
                  NotFoundError: 'no microphone found', NotReadableError: 'it is in use by another app' };
  function typedMode(reason) {
    var box = document.getElementById('live-mic-status');
    if (box) {
      box.textContent = 'Microphone unavailable (' + reason + '). Type your answer below instead.';
      box.dataset.active = '1';
    }
    var mic = document.getElementById('live-mic');
    if (mic) { mic.style.display = 'none'; }
    var text = document.querySelector('#live-answer-text textarea');
    if (text) { text.focus(); }
    document.documentElement.dataset.answerMode = 'typed';
  }
  window.interbotTypedMode = typedMode;
  var md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) {
    document.addEventListener('DOMContentLoaded', function () { setTimeout(function () { typedMode('not supported by this browser'); }, 1500); });
    return;
  }
  var original = md.getUserMedia.bind(md);
  md.getUserMedia = function (constraints) {
    return original(constraints).catch(function (error) {
      if (constraints && constraints.audio && !constraints.video) { typedMode(REASONS[error.name] || 'it could not be started'); }
      throw error;
    });
  };
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: 'microphone' }).then(function (status) {
      if (status.state === 'denied') { setTimeout(function () { typedMode('permission denied'); }, 1500); }
    }).catch(function () {});
  }
})();
</script>
"""


def build_blocks() -> gr.Blocks:
    """The live-interview app; one instance serves every session (the session comes from ?session=<pk>)."""
    with gr.Blocks(
        title="InterBot live interview", delete_cache=(900, 1800), fill_width=True, analytics_enabled=False
    ) as demo:
        with gr.Row(equal_height=False, elem_id="live-layout"):
            with gr.Column(scale=3):
                meta = gr.HTML(_meta_html_placeholder(), elem_id="live-meta")
                question = gr.HTML(
                    '<div class="ib-question ib-muted">Loading…</div>', elem_id="live-question"
                )
                voice = gr.Audio(
                    label="Interviewer",
                    type="filepath",
                    autoplay=True,
                    interactive=False,
                    elem_id="live-voice",
                    buttons=[],
                )
                status = gr.HTML(_status_html(), elem_id="live-status")
                error = gr.HTML(_error_html(), elem_id="live-error")
                with gr.Group():
                    gr.HTML("", elem_id="live-mic-status")  # filled by GRADIO_HEAD when the mic fails
                    mic = gr.Audio(
                        sources=["microphone"],
                        type="filepath",
                        label="Answer aloud",
                        elem_id="live-mic",
                        buttons=[],
                    )
                    answer_text = gr.Textbox(
                        label="…or type your answer",
                        lines=3,
                        max_lines=10,
                        elem_id="live-answer-text",
                        max_length=MAX_TYPED_ANSWER_CHARS,
                        placeholder="Type here if you prefer not to speak. Typing “finish interview” ends it.",
                    )
                    submission_id = gr.Textbox(visible=False, elem_id="live-submission-id")
                with gr.Row():
                    submit = gr.Button(SUBMIT_LABEL, variant="primary", elem_id="live-submit", scale=3)
                    finish = gr.Button(
                        "Finish interview", variant="stop", elem_id="live-finish", scale=1, min_width=170
                    )
                report = gr.HTML("", elem_id="live-report")
            with gr.Column(scale=2):
                transcript = gr.Textbox(
                    label="What we heard", interactive=False, lines=3, elem_id="live-transcript"
                )
                verdict = gr.HTML(_verdict_html_empty(), elem_id="live-verdict")
                feedback = gr.HTML('<div class="ib-feedback"></div>', elem_id="live-feedback")
                notices = gr.HTML(_notices_html([]), elem_id="live-notices")
                with gr.Group(elem_classes=["ib-webcam"]):
                    consent_video = gr.Checkbox(
                        label="Analyse my facial expressions while I answer",
                        value=False,
                        elem_id="live-consent-video",
                    )
                    webcam = gr.Video(
                        sources=["webcam"],
                        include_audio=True,
                        label="Record while you answer",
                        webcam_options=gr.WebcamOptions(mirror=False),
                        visible=False,
                        elem_id="live-webcam",
                    )
                    expression = gr.HTML(_expression_html(""), elem_id="live-expression")
                with gr.Accordion("Your answers so far", open=False):
                    history = gr.HTML(_history_html_empty(), elem_id="live-history")

        state_outputs = [meta, question, transcript, verdict, feedback, notices, expression, report, history]
        answer_controls = [mic, answer_text, submit, finish]

        def render(
            state, *, voice_path=None, error_message="", status_message="", clear_answer=False, busy_label=""
        ):
            done = state.status in FINISHED_STATUSES
            # Busy: the answer controls wait too, so nothing recorded or typed meanwhile re-enables Submit.
            answering = not (done or busy_label)
            update: dict = {
                meta: _meta_html(state),
                question: _question_html(state),
                transcript: state.last_transcript,
                verdict: _verdict_html(state),
                feedback: _feedback_html(state),
                notices: _notices_html(state.notices),
                expression: _expression_html(state.expression),
                report: _report_html(state),
                history: _history_html(state),
                status: _status_html(status_message),
                error: _error_html(error_message),
                # Once finished, the answer controls go: only the report link is left to click.
                submit: gr.update(interactive=answering, value=busy_label or SUBMIT_LABEL, visible=not done),
                finish: gr.update(interactive=not done, visible=not done),
                mic: gr.update(interactive=answering, visible=not done),
                answer_text: gr.update(interactive=answering, visible=not done),
            }
            if voice_path is not None:
                update[voice] = voice_path
            if clear_answer:
                update[mic] = gr.update(value=None, interactive=answering, visible=not done)
                update[answer_text] = gr.update(value="", interactive=answering, visible=not done)
                update[submission_id] = uuid.uuid4().hex
            return update

        def refused(message=NOT_AVAILABLE):
            return {
                question: f'<div class="ib-question ib-muted">{_esc(message)}</div>',
                error: _error_html(message),
                status: _status_html(),
                **{control: gr.update(interactive=False) for control in answer_controls},
            }

        async def on_load(request: gr.Request):
            try:
                session = await _session_of(request)
            except NotAllowed:
                yield refused()
                return
            state = await run_inference(sessions.live_state, session=session)
            spoken = "" if state.status in FINISHED_STATUSES else _words_to_say(state)
            yield {
                submission_id: uuid.uuid4().hex,
                consent_video: session.consent_video,
                webcam: gr.update(visible=session.consent_video),
                **render(state),
            }
            if spoken:
                yield {voice: await _spoken(request, spoken)}

        async def on_submit(text, audio_value, draft_id, request: gr.Request):
            # Raw values (preprocess=False): any API caller can send anything, a file only once checked.
            text = text.strip() if isinstance(text, str) else ""
            if len(text) > MAX_TYPED_ANSWER_CHARS:
                yield {
                    error: _error_html(
                        f"That answer is too long (at most {MAX_TYPED_ANSWER_CHARS} characters)."
                    )
                }
                return
            draft_id = draft_id if isinstance(draft_id, str) and len(draft_id) <= 64 else ""
            audio_path = None
            if not text:
                try:
                    audio_path = await uploads.acheck_upload(audio_value, dict(request.cookies))
                except uploads.UnusableUpload as problem:
                    yield {error: _error_html(problem.user_message)}
                    return
            if not text and not audio_path:
                yield {error: _error_html("Record or type an answer first.")}
                return
            if audio_path and os.path.getsize(audio_path) > settings.MAX_UPLOAD_BYTES:
                limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
                yield {
                    error: _error_html(
                        f"That recording is too large (limit {limit} MB). Please keep answers shorter."
                    )
                }
                return
            try:
                session = await _session_of(request)
            except NotAllowed:
                yield refused()
                return
            pk = session.pk
            async with one_at_a_time("answer", session.owner_id) as slot:
                if not slot:  # another tab or client of this candidate is being answered: keep this answer
                    yield {error: _error_html(STILL_ANSWERING)}
                    return
                progress = (
                    "Transcribing and evaluating your answer…" if audio_path else "Evaluating your answer…"
                )
                yield {
                    status: _status_html(progress),
                    error: _error_html(),
                    submit: gr.update(interactive=False, value=EVALUATING_LABEL),
                    mic: gr.update(interactive=False),
                    answer_text: gr.update(interactive=False),
                }
                await live_events.apublish_progress(pk, progress)
                try:
                    lane = (
                        slot.run_bulk
                        if audio_path and await _long_recording(audio_path)
                        else slot.run_inference
                    )
                    state = await lane(
                        sessions.submit_answer,
                        session=session,
                        text=text or None,
                        audio_path=audio_path,
                        submission_id=draft_id or uuid.uuid4().hex,
                    )
                except InputError as problem:
                    # Nothing changed: the answer stays in the recorder / textbox to fix or retry.
                    yield {
                        status: _status_html(),
                        error: _error_html(problem.user_message),
                        submit: gr.update(interactive=True, value=SUBMIT_LABEL),
                        mic: gr.update(interactive=True),
                        answer_text: gr.update(interactive=True),
                    }
                    await live_events.apublish_progress(pk, "")
                    return
                except Exception as problem:  # noqa: BLE001 - whatever broke, the candidate keeps their answer
                    if isinstance(problem, ServiceError):
                        logger.warning("Answer of interview %s not processed: %s", pk, problem)
                        told = problem.user_message
                    else:
                        logger.exception("Answer of interview %s failed", pk)
                        told = "Something went wrong while handling your answer."
                    yield {
                        status: _status_html(),
                        error: _error_html(f"{told} Your answer was kept; please try again."),
                        submit: gr.update(interactive=True, value=SUBMIT_LABEL),
                        mic: gr.update(interactive=True),
                        answer_text: gr.update(interactive=True),
                    }
                    await live_events.apublish_progress(pk, "")
                    return
                await live_events.apublish_state(pk, state)
                await live_events.apublish_progress(pk, PREPARING_STATUS)
                # An answer overtaken by another tab's answer was not graded: this tab keeps it to answer again.
                graded = sessions.STALE_ANSWER_NOTICE not in state.notices
                yield render(
                    state, status_message=PREPARING_STATUS, clear_answer=graded, busy_label=PREPARING_LABEL
                )
                # The interviewer's words already carry the next question (or the hint, or the goodbye).
                voice_path = await _spoken(request, _words_to_say(state), session)
                await live_events.apublish_progress(pk, "")
                yield render(state, voice_path=voice_path)

        async def on_finish(request: gr.Request):
            try:
                session = await _session_of(request)
            except NotAllowed:
                yield refused()
                return
            pk = session.pk
            yield {
                status: _status_html("Finishing the interview and writing your report…"),
                submit: gr.update(interactive=False),
                finish: gr.update(interactive=False),
            }
            await live_events.apublish_progress(pk, "Finishing…")
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
                    status: _status_html(),
                    error: _error_html(f"{told} Please try again."),
                    submit: gr.update(interactive=True),
                    finish: gr.update(interactive=True),
                }
                await live_events.apublish_progress(pk, "")
                return
            await live_events.apublish_state(pk, state)
            await live_events.apublish_progress(pk, "")
            yield render(state)
            goodbye = state.interviewer_message or "Thank you, the interview is over."
            yield {voice: await _spoken(request, goodbye)}

        async def on_webcam(video_value, consent, request: gr.Request):
            if not video_value or consent is not True:
                return {}
            try:
                session = await _session_of(request)
            except NotAllowed:
                return refused()
            pk = session.pk
            try:
                video_path = await uploads.acheck_upload(video_value, dict(request.cookies), video=True)
            except uploads.UnusableUpload as problem:
                return {error: _error_html(problem.user_message)}
            if os.path.getsize(video_path) > settings.MAX_UPLOAD_BYTES:
                return {error: _error_html("That webcam clip is too large to analyse.")}
            async with one_at_a_time("webcam", session.owner_id) as slot:
                if not slot:
                    return {error: _error_html(STILL_ANALYSING)}
                try:
                    state = await slot.run_bulk(
                        sessions.record_expressions, session=session, video_path=video_path
                    )
                except ServiceError as problem:  # InputError included: no face, unreadable clip…
                    return {error: _error_html(problem.user_message)}
                except Exception:  # noqa: BLE001 - expressions are optional: never break the interview for them
                    logger.exception("Expression analysis of interview %s failed", pk)
                    return {error: _error_html("The webcam clip could not be analysed.")}
            await live_events.apublish_state(pk, state)
            return {expression: _expression_html(state.expression), notices: _notices_html(state.notices)}

        every_output = [
            submission_id,
            consent_video,
            webcam,
            voice,
            status,
            error,
            submit,
            finish,
            mic,
            answer_text,
            *state_outputs,
        ]
        demo.load(on_load, inputs=None, outputs=every_output, show_progress="hidden")
        submit_event = dict(
            fn=on_submit,
            inputs=[answer_text, mic, submission_id],
            outputs=every_output,
            show_progress="hidden",
            trigger_mode="once",
            concurrency_limit=None,
            preprocess=False,  # the callback checks the recording (uploads.checked_upload) before anything opens it
        )
        submit.click(**submit_event)
        answer_text.submit(**submit_event)
        finish.click(
            on_finish,
            inputs=None,
            outputs=every_output,
            show_progress="hidden",
            trigger_mode="once",
            concurrency_limit=None,
        )
        # Submit waits while the microphone records and uploads; a recording is never submitted half-way.
        mic.start_recording(
            lambda: gr.update(interactive=False, value=RECORDING_LABEL),
            inputs=None,
            outputs=submit,
            show_progress="hidden",
            concurrency_limit=None,
        )
        mic.stop_recording(
            lambda: gr.update(interactive=True, value=SUBMIT_LABEL),
            inputs=None,
            outputs=submit,
            show_progress="hidden",
            concurrency_limit=None,
        )
        consent_video.change(lambda on: gr.update(visible=on), inputs=consent_video, outputs=webcam)
        webcam.change(
            on_webcam,
            inputs=[webcam, consent_video],
            outputs=every_output,
            show_progress="minimal",
            concurrency_limit=None,
            preprocess=False,  # the callback checks the clip (uploads.checked_upload) before anything opens it
        )
        demo.queue(default_concurrency_limit=None)
    return demo


def _words_to_say(state) -> str:
    return state.interviewer_message or state.question_text


def _meta_html_placeholder() -> str:
    return '<div class="ib-meta"><span class="ib-chip">Connecting…</span></div>'


def _verdict_html_empty() -> str:
    return '<div class="ib-verdict ib-verdict-none"></div>'


def _history_html_empty() -> str:
    return '<p class="ib-muted">Your answers will appear here.</p>'
