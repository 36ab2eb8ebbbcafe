"""HTML of the live interview's Gradio components, from a LiveState: plain functions, no Gradio import,
so they are tested (and read) without the app."""

from __future__ import annotations

import html

from django.urls import reverse

from interviews.finish import CONFIRM_QUESTION
from interviews.text import rich_text

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
CONFIRM_YES_LABEL = "Yes, finish"
CONFIRM_NO_LABEL = "No, continue"


def esc(text: str) -> str:
    return html.escape(text or "")


def words_to_say(state) -> str:
    """What the interviewer says aloud: its message (which already carries the next question), else the question."""
    return state.interviewer_message or state.question_text


def report_url(session_id: int, state_url: str = "") -> str:
    return state_url or reverse("analytics:report", args=[session_id])


def question_html(state) -> str:
    if state.status in FINISHED_STATUSES:
        return '<div class="ib-question ib-done">The interview is over. Thank you!</div>'
    if state.confirming_finish:
        # A half-heard "finish interview": the page asks, with Yes / No buttons under it.
        return f'<div class="ib-question ib-confirm-finish">{esc(CONFIRM_QUESTION)}</div>'
    if not state.question_text:
        return '<div class="ib-question ib-muted">Preparing your first question…</div>'
    return f'<div class="ib-question">{rich_text(state.question_text)}</div>'


def muted_question_html(message: str) -> str:
    """The question area when there is no question to show (loading, refused)."""
    return f'<div class="ib-question ib-muted">{esc(message)}</div>'


def meta_html(state) -> str:
    stage = STAGE_LABELS.get(state.stage, state.stage.title())
    parts = [f'<span class="ib-chip ib-stage-{esc(state.stage)}">{esc(stage)}</span>']
    if state.question_number:
        parts.append(
            f'<span class="ib-chip">Question {state.question_number} of {state.total_questions}</span>'
        )
    if state.status not in FINISHED_STATUSES and state.question_number:
        label = (
            "Follow-up"
            if getattr(state, "follow_up", False)
            else "Second attempt"
            if state.attempt >= 2
            else "First attempt"
        )
        parts.append(f'<span class="ib-chip ib-attempt-{state.attempt}">{label}</span>')
    return '<div class="ib-meta">' + "".join(parts) + "</div>"


def meta_placeholder_html() -> str:
    return '<div class="ib-meta"><span class="ib-chip">Connecting…</span></div>'


def verdict_html(state) -> str:
    if not state.last_verdict:
        return verdict_empty_html()
    label = VERDICT_LABELS.get(state.last_verdict, state.last_verdict.title())
    return f'<div class="ib-verdict ib-verdict-{esc(state.last_verdict)}">{esc(label)}</div>'


def verdict_empty_html() -> str:
    return '<div class="ib-verdict ib-verdict-none"></div>'


def feedback_html(state) -> str:
    # After a graded answer: that answer's praise, hint or revealed answer; otherwise the interviewer's words.
    said = state.history[-1].get("feedback", "") if state.last_verdict and state.history else ""
    said = said or state.interviewer_message
    if not said:
        return '<div class="ib-feedback ib-muted"></div>'
    return f'<div class="ib-feedback">{rich_text(said)}</div>'


def notices_html(notices: list[str]) -> str:
    if not notices:
        return '<div class="ib-notices"></div>'
    items = "".join(f"<li>{esc(n)}</li>" for n in notices)
    return f'<div class="ib-notices" role="status"><ul>{items}</ul></div>'


def expression_html(label: str) -> str:
    if not label:
        return '<div class="ib-expression ib-muted"></div>'
    return f'<div class="ib-expression ib-muted" title="Latest expression the webcam saw">Expression: {esc(label)}</div>'


def camera_status_html(notice: str) -> str:
    """A short camera notice (no face, several faces, frozen, stopped, refused): the interview goes on."""
    if not notice:
        return '<div class="ib-camera-status"></div>'
    return f'<div class="ib-camera-status" role="status">{esc(notice)}</div>'


def report_html(state) -> str:
    if state.status not in FINISHED_STATUSES:
        return ""
    url = esc(report_url(state.session_id, state.report_url))
    return f'<a class="ib-report-link" href="{url}" target="_top">See your interview report →</a>'


def history_html(state) -> str:
    if not state.history:
        return history_empty_html()
    rows = []
    for item in state.history:
        verdict = item.get("verdict", "")
        rows.append(
            '<li class="ib-history-item">'
            f'<div class="ib-history-q">{rich_text(item.get("question", ""))}</div>'
            f'<div class="ib-history-a">{rich_text(item.get("transcript", ""))}</div>'
            f'<span class="ib-chip ib-verdict-{esc(verdict)}">{esc(VERDICT_LABELS.get(verdict, verdict))}</span>'
            f'<div class="ib-history-f">{rich_text(item.get("feedback", ""))}</div>'
            "</li>"
        )
    return '<ol class="ib-history">' + "".join(rows) + "</ol>"


def history_empty_html() -> str:
    return '<p class="ib-muted">Your answers will appear here.</p>'


def status_html(message: str = "") -> str:
    if not message:
        return '<div class="ib-status ib-idle"></div>'
    return (
        f'<div class="ib-status ib-busy" role="status"><span class="ib-spinner"></span>{esc(message)}</div>'
    )


def error_html(message: str = "") -> str:
    if not message:
        return '<div class="ib-error"></div>'
    return f'<div class="ib-error" role="alert">{esc(message)}</div>'
