"""The live interview's inference jobs: an answer's verdict and the interviewer's spoken reply.

Streamed webcam frames are not jobs: each is analysed in the web process that receives it
(interviews.ai.inference.run_frame), dropped rather than queued.

Each takes and returns JSON (ids, texts, file references of interviews.ai.shared_files), so the same function
runs in the web process's lanes or on a Celery worker (interviews.ai.inference, interviews.tasks).
"""

from __future__ import annotations

import os
from typing import Any

from interviews.ai import shared_files
from interviews.ai.inference import job
from interviews.ai.registry import ServiceError, ServiceResult
from interviews.ai.stt import Transcript
from interviews.models import InterviewSession
from interviews.services import sessions


def voice_folder() -> str:
    """Where the interviewer's voice files go, inside Gradio's upload folder so Gradio serves them there."""
    from interviews import uploads

    return os.path.join(uploads.upload_folder(), "interbot-voice")


def _one_answer(*, session_id: int, submission_id: str, **_: Any) -> str:
    return f"{session_id}:{submission_id}" if submission_id else ""


@job("answer", key=_one_answer)
def answer(
    *,
    session_id: int,
    submission_id: str,
    text: str | None = None,
    audio: str | None = None,
    reply_to_finish_question: bool = False,
    heard: dict[str, Any] | None = None,
    heard_ms: int | None = None,
) -> dict[str, Any]:
    """sessions.submit_answer of a typed or spoken answer; the LiveState as a dict. `heard`: the
    recording's transcript when it was transcribed while spoken ({text, duration_seconds, backend})."""
    session = InterviewSession.objects.get(pk=session_id)
    transcript = None
    if heard:
        transcript = ServiceResult(
            Transcript(text=str(heard["text"]), duration_seconds=float(heard["duration_seconds"])),
            str(heard.get("backend", "")),
        )
    with shared_files.local_copy(audio) as audio_path:
        try:
            state = sessions.submit_answer(
                session=session,
                text=text,
                audio_path=audio_path,
                submission_id=submission_id,
                reply_to_finish_question=reply_to_finish_question,
                heard=transcript,
                heard_ms=heard_ms,
            )
        except ServiceError:
            shared_files.discard(audio)  # told to the candidate, who sends the answer again if they wish
            raise
    shared_files.discard(audio)
    return state.to_dict()


@job("reply_speech")
def reply_speech(*, text: str, session_id: int | None = None) -> dict[str, str]:
    """The interviewer saying `text`: {"audio": file reference, "mime": type}. With `session_id`, the text
    replies to that interview's latest answer and the turn records how long speaking it took."""
    session = InterviewSession.objects.get(pk=session_id) if session_id else None
    audio, mime = sessions.speak(text=text, session=session)
    suffix = ".mp3" if "mpeg" in mime or "mp3" in mime else ".ogg" if "ogg" in mime else ".wav"
    folder = None if shared_files.across_processes() else voice_folder()
    return {"audio": shared_files.share_bytes(audio, suffix=suffix, folder=folder), "mime": mime}
