"""Interview use-cases: start, answer, finish, expressions. Views, consumers and Gradio call these.

CONTRACT (filled in by the engine work; the live page codes against these signatures):
every function loads the session's engine state, runs the pure engine (interviews.engine),
writes Turn/ExpressionSample/Report rows and the new engine state in one transaction, and
returns a LiveState snapshot that the page and the websocket show as is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interviews.models import InterviewSession


@dataclass
class LiveState:
    """Everything the live page shows; JSON-serialisable via to_dict() for the websocket."""

    session_id: int
    status: str  # in_progress / finished / abandoned
    stage: str  # general / topic / finished
    question_number: int  # 1-based; 0 before the first question
    total_questions: int
    attempt: int  # 1 or 2
    question_text: str
    # The interviewer's latest words (praise, hint, revealed answer, "please repeat"...).
    interviewer_message: str = ""
    last_transcript: str = ""
    last_verdict: str = ""  # correct / partial / incorrect / "" when nothing was graded
    notices: list[str] = field(default_factory=list)  # fallbacks and input problems to tell the user
    expression: str = ""  # latest expression label seen
    report_url: str = ""  # set once finished
    history: list[dict[str, Any]] = field(default_factory=list)  # [{question, transcript, verdict, feedback}]

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def start_interview(
    *,
    user,
    candidate_name: str,
    topic: str,
    position: str,
    difficulty: str,
    consent_audio: bool = False,
    consent_video: bool = False,
) -> InterviewSession:
    """Create the session and ask the first question (state persisted)."""
    raise NotImplementedError


def live_state(*, session: InterviewSession) -> LiveState:
    """The current snapshot (used on page load and after a reconnect or restart)."""
    raise NotImplementedError


def submit_answer(
    *,
    session: InterviewSession,
    text: str | None = None,
    audio_path: str | None = None,
    submission_id: str = "",
) -> LiveState:
    """Grade one answer, typed (`text`) or spoken (`audio_path`, any browser format).

    A repeated `submission_id` returns the current state without grading twice.
    Unusable audio raises interviews.services.registry.InputError and changes nothing.
    Saying or typing "finish interview" finishes the interview.
    """
    raise NotImplementedError


def finish_interview(*, session: InterviewSession, abandoned: bool = False) -> LiveState:
    """End the interview now and build its report."""
    raise NotImplementedError


def record_expressions(*, session: InterviewSession, video_path: str) -> LiveState:
    """Analyse a webcam clip (about 2 frames/s) into ExpressionSamples on the session timeline."""
    raise NotImplementedError


def speak(*, text: str) -> tuple[bytes, str]:
    """Speech for `text`: (audio bytes, mime type), through the configured TTS with fallback."""
    raise NotImplementedError
