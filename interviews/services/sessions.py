"""Interview use-cases: start, answer, finish, expressions, speech. Views, consumers and Gradio call these.

Every use-case loads the session's engine state, runs the pure engine (interviews.engine), and writes the
Turn / ExpressionSample / Report rows and the new engine state in one transaction, with the session row
locked (select_for_update) so two submits of the same answer are recorded once. Slow work (speech to
text, grading, question generation) runs before that transaction, so no lock is held during inference.
It returns a LiveState snapshot that the page and the websocket show as is.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.selectors import cohort_for_practice
from interviews import engine
from interviews.ai import stt, tts
from interviews.ai.llm import turn_budget
from interviews.ai.registry import InputError, ServiceError, ServiceResult
from interviews.domain import Grade, QuestionRef
from interviews.engine import EngineConfig, InterviewState, Outcome
from interviews.models import ExpressionSample, InterviewSession, JobDocument, Question, Turn
from interviews.services.grading import get_grader
from interviews.services.questions import follow_up_writer_for, question_source_for
from interviews.services.reporting import build_report
from interviews.services.speaking import analyse_speech

logger = logging.getLogger(__name__)

STALE_ANSWER_NOTICE = (
    "That answer arrived while the previous one was still being handled, so it was not graded. "
    "Please answer the question shown."
)
FINISHED_NOTICE = "This interview has already finished."


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
    # Added by the engine work: running score, and what just happened ("asked", "praised", "hinted",
    # "revealed", "repeat", "finished"; "" on a plain reload).
    correct_count: int = 0
    answered_count: int = 0
    last_event: str = ""
    # The interviewer asked "Do you want to finish the interview?" (a command only half heard): the page
    # shows Yes / No buttons, and the next answer is the reply (interviews.engine).
    confirming_finish: bool = False
    # The question on screen is a follow-up to a partial answer (interviews.engine): attempt 2, reworded.
    follow_up: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- Glue -------------------------------------------------------------------------------------------


def engine_config(session: InterviewSession | None = None) -> EngineConfig:
    """The engine's rules for `session`: a planned interview (practising missed questions) asks its plan,
    every one at its own level; any other starts at the chosen difficulty and adapts."""
    if session is not None and session.question_plan:
        return EngineConfig(
            general_questions=0,
            max_questions=len(session.question_plan),
            follow_ups=settings.INTERVIEW_FOLLOW_UPS,
        )
    return EngineConfig(
        general_questions=settings.INTERVIEW_GENERAL_QUESTIONS,
        max_questions=settings.INTERVIEW_MAX_QUESTIONS,
        start_level=session.difficulty if session is not None else "",
        adaptive=settings.INTERVIEW_ADAPTIVE_DIFFICULTY,
        follow_ups=settings.INTERVIEW_FOLLOW_UPS,
    )


def _state_of(session: InterviewSession) -> InterviewState:
    return InterviewState.from_dict(session.engine_state or {})


def _source_for(session: InterviewSession):
    return question_source_for(session)


class _TimedGrader:
    """Wraps the configured grader to time the grading alone (not the choice of the next question)."""

    def __init__(self, grader: engine.Grader):
        self.grader = grader
        self.elapsed_ms: int | None = None

    def grade(self, question: QuestionRef, answer: str) -> Grade:
        started = time.perf_counter()
        try:
            return self.grader.grade(question, answer)
        finally:
            self.elapsed_ms = round((time.perf_counter() - started) * 1000)


# --- Use-cases --------------------------------------------------------------------------------------


def start_interview(
    *,
    user,
    candidate_name: str,
    topic: str,
    position: str,
    difficulty: str,
    consent_audio: bool = False,
    consent_video: bool = False,
    job_skills: list[str] | None = None,
    job_seniority: str = "",
    question_plan: list[int] | None = None,
    job_document: dict[str, str] | None = None,
) -> InterviewSession:
    """Create the session and ask the first question (state persisted).

    `job_skills` (vocabulary slugs, most important first) makes it an interview for one job; its
    `job_document` ({"job_description", "cv_text"}) is stored only when given, that is with consent.
    `question_plan` (question ids) makes it a practice of exactly those questions.
    Raises ServiceError when no question at all is available for the topic (nothing is saved).
    """
    session = InterviewSession(
        owner=user,
        cohort=cohort_for_practice(user=user, topic=topic),
        candidate_name=candidate_name,
        topic=topic,
        position=position,
        difficulty=difficulty,
        consent_audio=consent_audio,
        consent_video=consent_video,
        job_skills=list(job_skills or []),
        job_seniority=job_seniority,
        question_plan=list(question_plan or []),
    )
    # The first question is chosen before the row exists, so a slow LLM holds no database lock.
    source = _source_for(session)
    with turn_budget():
        state, outcome = engine.start(engine_config(session), source)
    if state.finished:
        raise ServiceError(
            "no questions", user_message="There are no questions for this topic yet. Please pick another."
        )
    state = replace(state, last_message=f"Hello {candidate_name}! {outcome.interviewer_message}")
    source_notices = list(getattr(source, "notices", []))
    session.engine_state = state.to_dict()
    session.stage = state.stage
    session.providers = {"questions": _question_sources("", source)}
    session.fallback_count = len(source_notices)
    session.start_notices = source_notices
    with transaction.atomic():
        session.save()
        if job_document and job_document.get("job_description"):
            JobDocument.objects.create(
                session=session,
                owner=user,
                job_description=job_document["job_description"],
                cv_text=job_document.get("cv_text", ""),
            )
    return session


def answer_context(*, session: InterviewSession) -> str:
    """What the recogniser is told to expect from the next answer: the question on screen and its key points,
    or a yes / no while the interviewer asks whether to finish."""
    on_screen = _state_of(session)
    if on_screen.confirming_finish:
        return f"{engine.CONFIRM_QUESTION} Yes, finish. No, continue."
    if on_screen.current:
        return stt.interview_context(
            topic=session.topic, question=on_screen.question_text, key_points=on_screen.current.key_points
        )
    return ""


def live_state(*, session: InterviewSession) -> LiveState:
    """The current snapshot (used on page load and after a reconnect or restart)."""
    return _snapshot(session)


def submit_answer(
    *,
    session: InterviewSession,
    text: str | None = None,
    audio_path: str | None = None,
    submission_id: str = "",
    reply_to_finish_question: bool = False,
    heard: ServiceResult[stt.Transcript] | None = None,
    heard_ms: int | None = None,
) -> LiveState:
    """Grade one answer, typed (`text`) or spoken (`audio_path`, any browser format).

    `heard`: the recording's transcript when it was transcribed while spoken (interviews.services.dictation),
    `heard_ms` how long it took after the stop; else the recording is transcribed here.

    `reply_to_finish_question`: the answer is a click on Yes / No, which counts only while the interviewer
    is asking "Do you want to finish the interview?" (otherwise nothing changes).

    A repeated `submission_id` returns the current state without grading twice.
    Unusable audio raises interviews.ai.registry.InputError and changes nothing.
    Saying or typing "finish interview" finishes the interview; what only sounds like it makes the
    interviewer ask "Do you want to finish the interview?", and the next answer ("yes" / "no") decides.
    """
    session.refresh_from_db()
    if _already_handled(session, submission_id):
        return _snapshot(session)
    if not session.is_active:
        return _snapshot(session, notices=[FINISHED_NOTICE])
    if reply_to_finish_question and not _state_of(session).confirming_finish:
        return _snapshot(session)  # a Yes / No click with no question pending (another tab answered it)
    if text is None and not audio_path:
        raise InputError("no answer given", user_message="Please type or record an answer.")

    notices: list[str] = []
    fallbacks = 0
    backends: dict[str, str] = {}
    spoken: dict[str, Any] = {}
    if audio_path:
        started = time.perf_counter()
        if heard is None:
            # UnusableAudio propagates: nothing has changed yet.
            heard = stt.transcribe(audio_path, context=answer_context(session=session))
            spoken["stt_ms"] = round((time.perf_counter() - started) * 1000)
        else:
            spoken["stt_ms"] = heard_ms
        backends["stt"] = heard.backend
        notices += heard.notices
        fallbacks += int(heard.fell_back)
        text = heard.value.text.strip()
        metrics = analyse_speech(
            text=text, words=heard.value.words, duration_seconds=heard.value.duration_seconds
        )
        spoken.update(
            audio_seconds=heard.value.duration_seconds,
            words_per_minute=metrics.words_per_minute,
            filler_count=metrics.filler_count,
            pause_count=metrics.pause_count,
        )
    text = (text or "").strip()

    loaded = dict(session.engine_state or {})
    source = _source_for(session)

    grader = _TimedGrader(get_grader())
    try:
        with turn_budget():  # grading and the next question share the turn's time for the LLM
            new_state, outcome = engine.answer(
                _state_of(session),
                text,
                config=engine_config(session),
                source=source,
                grader=grader,
                answer_id=submission_id,
                follow_up_writer=follow_up_writer_for(session),
            )
    except engine.InterviewOver:
        return _snapshot(session, notices=[FINISHED_NOTICE])
    if outcome.grade is not None:
        backends["grader"] = outcome.grade.grader
        notices += list(outcome.grade.notices)
        fallbacks += 1 if outcome.grade.notices else 0
    source_notices = list(getattr(source, "notices", []))
    notices += source_notices
    fallbacks += len(source_notices)

    try:
        with transaction.atomic():
            locked = InterviewSession.objects.select_for_update().get(pk=session.pk)
            if _already_handled(locked, submission_id):
                return _snapshot(locked)
            if locked.engine_state != loaded:
                # Another answer was recorded while this one was graded: this one answered a stale question.
                return _snapshot(locked, notices=[STALE_ANSWER_NOTICE])
            if outcome.record is not None:
                _record_turn(
                    locked,
                    outcome,
                    submission_id=submission_id,
                    audio_path=audio_path,
                    spoken=spoken,
                    eval_ms=grader.elapsed_ms,
                    backends=backends,
                    notices=notices,
                )
            providers = dict(backends)
            if source.sources:
                providers["questions"] = _question_sources(locked.providers.get("questions", ""), source)
            _save_state(locked, new_state, backends=providers, fallbacks=fallbacks)
    except IntegrityError:
        # A concurrent submit of the same attempt won the race (databases without row locks, e.g. SQLite).
        logger.info("Duplicate submit for session %s ignored", session.pk)
        session.refresh_from_db()
        return _snapshot(session)

    if new_state.finished:
        build_report(session=locked)
    return _snapshot(locked, notices=notices, transcript=text, outcome=outcome)


def _question_sources(recorded: str, source) -> str:
    """Where the session's questions came from so far: "bank", "generated" or "bank, generated"."""
    known = {Question.Source.BANK.value, Question.Source.GENERATED.value}
    seen = {part.strip() for part in recorded.split(",")} & known
    seen |= {str(origin) for origin in getattr(source, "sources", [])}
    return ", ".join(sorted(seen))


def _already_handled(session: InterviewSession, submission_id: str) -> bool:
    """This answer was handled before: it wrote a Turn, or it was the last answer and wrote none (a "yes"
    to the finish question, a "no", a repeat request): handling it again could finish the interview."""
    if not submission_id:
        return False
    if _state_of(session).last_answer_id == submission_id:
        return True
    return session.turns.filter(submission_id=submission_id).exists()


def finish_interview(*, session: InterviewSession, abandoned: bool = False) -> LiveState:
    """End the interview now and build its report (idempotent: a finished interview just reports)."""

    with transaction.atomic():
        locked = InterviewSession.objects.select_for_update().get(pk=session.pk)
        outcome = None
        if locked.is_active:
            state, outcome = engine.finish(_state_of(locked))
            locked.engine_state = state.to_dict()
            locked.stage = InterviewSession.Stage.FINISHED
            locked.status = (
                InterviewSession.Status.ABANDONED if abandoned else InterviewSession.Status.FINISHED
            )
            locked.ended_at = timezone.now()
            locked.save(update_fields=["engine_state", "stage", "status", "ended_at"])
    build_report(session=locked)
    return _snapshot(locked, outcome=outcome)


def speak(*, text: str, session: InterviewSession | None = None) -> tuple[bytes, str]:
    """Speech for `text`: (audio bytes, mime type), through the configured TTS with fallback.

    With `session`, the speech is the interviewer's reply to the latest answer: its latency and
    backend are recorded on that turn (the answer was saved before the reply was spoken).
    """

    started = time.perf_counter()
    result = tts.synthesize(text)
    if session is not None:
        _record_speech(session, result, elapsed_ms=int((time.perf_counter() - started) * 1000))
    return result.value.audio, result.value.mime_type


def _record_speech(session: InterviewSession, result, *, elapsed_ms: int) -> None:
    with transaction.atomic():
        locked = InterviewSession.objects.select_for_update().get(pk=session.pk)
        turn = locked.turns.filter(tts_ms__isnull=True).order_by("-question_number", "-attempt").first()
        if turn is not None:
            turn.tts_ms = elapsed_ms
            turn.backends = {**turn.backends, "tts": result.backend}
            turn.notices = [*turn.notices, *result.notices]
            turn.save(update_fields=["tts_ms", "backends", "notices"])
        locked.providers = {**locked.providers, "tts": result.backend}
        locked.fallback_count += int(result.fell_back)
        locked.save(update_fields=["providers", "fallback_count"])


# --- Writing ----------------------------------------------------------------------------------------


def _record_turn(
    session: InterviewSession,
    outcome: Outcome,
    *,
    submission_id: str,
    audio_path: str | None,
    spoken: dict[str, Any],
    eval_ms: int | None,
    backends: dict[str, str],
    notices: list[str],
) -> Turn:
    record = outcome.record
    assert record is not None
    turn = Turn(
        session=session,
        question_id=record.question.id,
        question_number=record.question_number,
        attempt=record.attempt,
        transcript=record.transcript,
        input_mode=Turn.InputMode.SPOKEN if audio_path else Turn.InputMode.TYPED,
        verdict=record.verdict,
        score=record.score,
        feedback=record.feedback,
        missed_points=list(record.missed_points),
        hint_shown=record.hint_shown,
        answer_revealed=record.answer_revealed,
        follow_up=record.follow_up,
        eval_ms=eval_ms,
        backends=dict(backends),
        notices=list(notices),
        submission_id=submission_id,
        **spoken,
    )
    if audio_path and session.consent_audio:
        with open(audio_path, "rb") as handle:
            turn.audio.save(os.path.basename(audio_path), File(handle), save=False)
    turn.save()
    # The expressions seen while this attempt was on screen belong to it (interviews.services.expressions).
    ExpressionSample.objects.filter(
        session=session, question_number=turn.question_number, attempt=turn.attempt, turn=None
    ).update(turn=turn)
    return turn


def _save_state(
    session: InterviewSession, state: InterviewState, *, backends: dict[str, str], fallbacks: int
) -> None:
    session.engine_state = state.to_dict()
    session.stage = state.stage
    session.providers = {**session.providers, **backends}
    session.fallback_count += fallbacks
    if state.finished:
        session.status = InterviewSession.Status.FINISHED
        session.ended_at = timezone.now()
    session.save(update_fields=["engine_state", "stage", "providers", "fallback_count", "status", "ended_at"])


# --- Reading ----------------------------------------------------------------------------------------


def _snapshot(
    session: InterviewSession,
    *,
    notices: list[str] | None = None,
    transcript: str | None = None,
    outcome: Outcome | None = None,
) -> LiveState:
    state = _state_of(session)
    turns = list(session.turns.select_related("question").order_by("question_number", "attempt"))
    latest = turns[-1] if turns else None
    expression = (
        ExpressionSample.objects.filter(session=session)
        .order_by("-offset_seconds")
        .values_list("label", flat=True)
        .first()
    )
    if outcome is not None:
        last_verdict = outcome.grade.verdict if outcome.grade else ""
    else:
        last_verdict = latest.verdict if latest else ""
    finished = not session.is_active
    if notices is None and latest is None and not finished:
        # Before the first answer the page shows why the first question came from where it did.
        notices = list(session.start_notices)
    return LiveState(
        session_id=session.pk,
        status=session.status,
        stage=session.stage,
        question_number=state.question_number,
        total_questions=engine_config(session).max_questions,
        attempt=state.attempt,
        question_text=state.question_text if not finished else "",
        interviewer_message=state.last_message,
        last_transcript=transcript if transcript is not None else (latest.transcript if latest else ""),
        last_verdict=last_verdict,
        notices=list(dict.fromkeys(notices or [])),
        expression=expression or "",
        report_url=session.get_report_url() if finished else "",
        history=[
            {
                "question_number": turn.question_number,
                "attempt": turn.attempt,
                "question": turn.question.text,
                "transcript": turn.transcript,
                "verdict": turn.verdict,
                "feedback": turn.feedback,
            }
            for turn in turns
        ],
        correct_count=state.correct,
        answered_count=state.answered,
        last_event=outcome.event if outcome is not None else "",
        confirming_finish=state.confirming_finish and not finished,
        follow_up=bool(state.follow_up) and not finished,
    )
