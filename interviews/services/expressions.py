"""Expressions seen while the candidate answers: streamed webcam frames in, ExpressionSamples and gaps out.

Each frame is tied to the question and attempt on screen (the engine state) and to the phase of that attempt:
"listening" until the candidate starts answering (the microphone starts recording, or they click into the
answer box: `mark_answering`), "answering" from then on. Frames are analysed and thrown away: no picture is
ever stored. Where the webcam is on but no expression can be read (no face, several faces, a frozen or
stopped camera) an ExpressionGap says so, and the candidate gets a short notice; the interview goes on.

The per-interview watch (frozen picture, how long without a face, the open gap) lives in this process: a
candidate's stream is one Gradio event, served by one process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from interviews.ai import vision
from interviews.ai.registry import ServiceError
from interviews.models import ExpressionGap, ExpressionSample, InterviewSession

logger = logging.getLogger(__name__)

Reason = ExpressionGap.Reason

# The same picture again and again for this long: the camera froze (a live camera's noise changes every frame).
FROZEN_AFTER_SECONDS = 5.0
# Looking away for a moment is normal: the candidate is told only after this long without a face.
NO_FACE_NOTICE_SECONDS = 30.0
# A problem frame this soon after the end of the open gap of the same reason extends that gap.
GAP_JOIN_SECONDS = 10.0
ANSWERING_TTL_SECONDS = 3 * 3600

NOTICES = {
    Reason.NO_FACE: "We can't see your face, so expressions are paused. The interview goes on.",
    Reason.SEVERAL_FACES: "Several faces are in view, so expressions are paused until only you are.",
    Reason.FROZEN: "Your camera picture has frozen, so expressions are paused. The interview goes on.",
    Reason.UNREADABLE: "Your camera picture could not be read, so expressions are paused.",
    Reason.CAMERA_LOST: "Your camera stopped, so expressions are paused. The interview goes on.",
    Reason.CAMERA_DENIED: "No camera picture (not allowed or not found): the interview goes on without expressions.",
}
UNAVAILABLE_NOTICE = "Expression analysis is unavailable right now. The interview goes on."


@dataclass(frozen=True)
class Glimpse:
    """What one frame changed, for the live page: the latest expression and a notice ("" when all is well)."""

    expression: str = ""
    notice: str = ""


@dataclass
class _Watch:
    fingerprint: bytes = b""
    same_since: float | None = None
    no_face_since: float | None = None
    gap_id: int | None = None
    gap_reason: str = ""
    gap_to: float = 0.0
    expression: str = ""


_WATCHED_FIELDS = ("pk", "consent_video", "status", "engine_state", "started_at", "providers")
_watches: dict[int, _Watch] = {}
_watches_lock = threading.Lock()


def _watch(session_id: int) -> _Watch:
    with _watches_lock:
        return _watches.setdefault(session_id, _Watch())


def forget(session_id: int) -> None:
    """Drop an interview's watch (it finished, or a test starts afresh)."""
    with _watches_lock:
        _watches.pop(session_id, None)


def _answering_key(session_id: int) -> str:
    return f"interbot:answering:{session_id}"


def _on_screen(session: InterviewSession) -> tuple[int, int]:
    state = session.engine_state or {}
    return int(state.get("question_number", 0) or 0), int(state.get("attempt", 1) or 1)


def mark_answering(*, session: InterviewSession) -> None:
    """The candidate started answering the question on screen: later frames of this attempt are "answering"."""
    question_number, attempt = _on_screen(session)
    cache.set(_answering_key(session.pk), f"{question_number}:{attempt}", ANSWERING_TTL_SECONDS)


def _phase(session_id: int, question_number: int, attempt: int) -> str:
    answering = cache.get(_answering_key(session_id)) == f"{question_number}:{attempt}"
    return ExpressionSample.Phase.ANSWERING if answering else ExpressionSample.Phase.LISTENING


def _seconds_into(session: InterviewSession) -> float:
    return round(max(0.0, (timezone.now() - session.started_at).total_seconds()), 2)


def record_frame(*, session: InterviewSession, frame: bytes, at_seconds: float | None = None) -> Glimpse:
    """Analyse one webcam frame (JPEG/PNG bytes) of `session` into an ExpressionSample, or extend a gap.

    Nothing happens without the candidate's consent or once the interview is over. `at_seconds` (seconds
    since the interview started) defaults to now.
    """
    session = InterviewSession.objects.only(*_WATCHED_FIELDS).get(pk=session.pk)
    if not session.consent_video or not session.is_active:
        return Glimpse()
    at = _seconds_into(session) if at_seconds is None else float(at_seconds)
    question_number, attempt = _on_screen(session)
    watch = _watch(session.pk)
    try:
        gray = vision.decode_frame(frame)
    except vision.UnusableMedia:
        return _problem(session, watch, Reason.UNREADABLE, at, question_number, attempt)

    fingerprint = vision.frame_fingerprint(gray)
    if fingerprint != watch.fingerprint:
        watch.fingerprint, watch.same_since = fingerprint, at
    elif watch.same_since is not None and at - watch.same_since >= FROZEN_AFTER_SECONDS:
        return _problem(session, watch, Reason.FROZEN, at, question_number, attempt)

    try:
        seen = vision.analyse_frame(gray)
    except vision.NoFaceFound:
        if watch.no_face_since is None:
            watch.no_face_since = at
        return _problem(session, watch, Reason.NO_FACE, at, question_number, attempt)
    except vision.SeveralFaces:
        return _problem(session, watch, Reason.SEVERAL_FACES, at, question_number, attempt)
    except ServiceError as error:  # the model itself failed: nothing about the candidate to record
        logger.warning("Expression analysis failed for interview %s: %s", session.pk, error)
        return Glimpse(watch.expression, UNAVAILABLE_NOTICE)

    reading = seen.value
    ExpressionSample.objects.create(
        session=session,
        offset_seconds=at,
        label=reading.label,
        confidence=reading.confidence,
        question_number=question_number,
        attempt=attempt,
        phase=_phase(session.pk, question_number, attempt),
    )
    if seen.fell_back or session.providers.get("vision") != seen.backend:
        _note_backend(session, seen.backend, fell_back=seen.fell_back)
    watch.no_face_since = None
    watch.gap_id, watch.gap_reason = None, ""
    watch.expression = reading.label
    return Glimpse(reading.label, "")


def _note_backend(session: InterviewSession, backend: str, *, fell_back: bool) -> None:
    with transaction.atomic():
        locked = InterviewSession.objects.select_for_update().get(pk=session.pk)
        if locked.providers.get("vision") != backend or fell_back:
            locked.providers = {**locked.providers, "vision": backend}
            locked.fallback_count += int(fell_back)
            locked.save(update_fields=["providers", "fallback_count"])


def _problem(
    session: InterviewSession, watch: _Watch, reason: str, at: float, question_number: int, attempt: int
) -> Glimpse:
    """Record (or extend) the gap for `reason` and say what the candidate should know."""
    if reason != Reason.NO_FACE:
        watch.no_face_since = None
    joins = watch.gap_id is not None and watch.gap_reason == reason and at - watch.gap_to <= GAP_JOIN_SECONDS
    if joins and ExpressionGap.objects.filter(
        pk=watch.gap_id, question_number=question_number, attempt=attempt
    ).update(to_seconds=at):
        watch.gap_to = at
    else:
        gap = ExpressionGap.objects.create(
            session=session,
            reason=reason,
            question_number=question_number,
            attempt=attempt,
            from_seconds=at,
            to_seconds=at,
        )
        watch.gap_id, watch.gap_reason, watch.gap_to = gap.pk, reason, at
    if reason == Reason.NO_FACE and (at - (watch.no_face_since or at)) < NO_FACE_NOTICE_SECONDS:
        return Glimpse(watch.expression, "")
    return Glimpse(watch.expression, NOTICES[Reason(reason)])


def record_camera_problem(*, session: InterviewSession, reason: str) -> Glimpse:
    """The browser says the camera was refused or is missing (CAMERA_DENIED) or stopped (CAMERA_LOST)."""
    if reason not in (Reason.CAMERA_DENIED, Reason.CAMERA_LOST):
        return Glimpse()
    session = InterviewSession.objects.only(*_WATCHED_FIELDS).get(pk=session.pk)
    if not session.consent_video or not session.is_active:
        return Glimpse()
    question_number, attempt = _on_screen(session)
    watch = _watch(session.pk)
    watch.fingerprint, watch.same_since = b"", None
    return _problem(session, watch, reason, _seconds_into(session), question_number, attempt)


def set_video_consent(*, session: InterviewSession, consent: bool) -> bool:
    """The live page's one webcam switch: on, frames are analysed while the page is open; off, none are."""
    InterviewSession.objects.filter(pk=session.pk).update(consent_video=bool(consent))
    if not consent:
        forget(session.pk)
    return bool(consent)
