"""Session use-cases on the real question bank and the real offline grader (typed answers mostly)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interviews.ai import registry
from interviews.ai.registry import InputError
from interviews.models import InterviewSession, Question, Report, Turn
from interviews.services import sessions
from tests.doubles import grader_overtaken_by_another_tab
from tests.eval_data import DATA
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DONT_KNOW = "I don't know."


@pytest.fixture(autouse=True)
def short_interview(settings):
    settings.INTERVIEW_GENERAL_QUESTIONS = 1
    settings.INTERVIEW_MAX_QUESTIONS = 3


def new_session(**options) -> InterviewSession:
    return sessions.start_interview(
        user=UserFactory(), candidate_name="Ada", topic="python", position="sde", difficulty="easy", **options
    )


def model_answer(session: InterviewSession) -> str:
    """An answer graded correct to the question on screen: a general question's example answer (its
    reference answer only describes a good answer), else the reference answer."""
    session.refresh_from_db()
    question = Question.objects.get(pk=session.engine_state["current"]["id"])
    if question.kind == Question.Kind.GENERAL:
        return question.example_answer
    return question.reference_answer


def test_start_creates_the_session_state_and_the_first_general_question():
    session = new_session()
    session.refresh_from_db()
    assert session.status == InterviewSession.Status.IN_PROGRESS
    assert session.stage == "general"
    question = Question.objects.get(pk=session.engine_state["current"]["id"])
    assert question.kind == Question.Kind.GENERAL
    state = sessions.live_state(session=session)
    assert (state.question_number, state.attempt, state.total_questions) == (1, 1, 3)
    assert state.question_text == question.text
    assert state.interviewer_message.startswith("Hello Ada!") and question.text in state.interviewer_message
    assert state.history == [] and state.notices == []
    assert session.providers == {"questions": "bank"}


def test_typed_answers_advance_the_interview_and_write_turns():
    session = new_session()
    state = sessions.submit_answer(session=session, text=model_answer(session), submission_id="a1")
    assert state.last_verdict == "correct" and state.last_event == "praised"
    assert (state.question_number, state.attempt, state.stage) == (2, 1, "topic")

    state = sessions.submit_answer(session=session, text=DONT_KNOW, submission_id="a2")
    assert state.last_event == "hinted" and "Hint:" in state.interviewer_message
    assert (state.question_number, state.attempt) == (2, 2)

    state = sessions.submit_answer(session=session, text=DONT_KNOW, submission_id="a3")
    assert state.last_event == "revealed" and "model answer" in state.interviewer_message
    assert (state.question_number, state.attempt) == (3, 1)

    turns = list(session.turns.order_by("question_number", "attempt"))
    assert [(t.question_number, t.attempt, t.verdict) for t in turns] == [
        (1, 1, "correct"),
        (2, 1, "incorrect"),
        (2, 2, "incorrect"),
    ]
    assert turns[1].hint_shown and not turns[1].answer_revealed
    assert turns[2].answer_revealed and turns[2].missed_points
    assert turns[2].question_id == turns[1].question_id
    assert all(t.input_mode == Turn.InputMode.TYPED and t.eval_ms is not None for t in turns)
    assert turns[0].backends == {"grader": "EmbeddingGrader"}
    assert [h["verdict"] for h in state.history] == ["correct", "incorrect", "incorrect"]
    session.refresh_from_db()
    assert session.providers["grader"] == "EmbeddingGrader" and session.fallback_count == 0


def test_a_double_submit_with_the_same_id_is_graded_once():
    session = new_session()
    first = sessions.submit_answer(session=session, text=DONT_KNOW, submission_id="same")
    again = sessions.submit_answer(session=session, text=DONT_KNOW, submission_id="same")
    assert session.turns.count() == 1
    assert (again.question_number, again.attempt) == (first.question_number, first.attempt) == (1, 2)


def test_an_empty_answer_asks_to_repeat_and_records_nothing():
    session = new_session()
    state = sessions.submit_answer(session=session, text="   ")
    assert state.last_event == "repeat" and "repeat" in state.interviewer_message
    assert (state.question_number, state.attempt) == (1, 1)
    assert session.turns.count() == 0


def test_unusable_audio_raises_and_changes_nothing(tmp_path):
    session = new_session()
    before = dict(InterviewSession.objects.get(pk=session.pk).engine_state)
    broken = tmp_path / "answer.webm"
    broken.write_bytes(b"this is not a recording")
    with pytest.raises(InputError):
        sessions.submit_answer(session=session, audio_path=str(broken), submission_id="x")
    with pytest.raises(InputError):
        sessions.submit_answer(session=session)  # neither text nor audio
    session.refresh_from_db()
    assert session.engine_state == before and session.turns.count() == 0


def test_saying_finish_interview_mid_retry_finishes_and_reports_accuracy():
    session = new_session()
    sessions.submit_answer(session=session, text=model_answer(session))
    sessions.submit_answer(session=session, text=DONT_KNOW)  # hint on question 2
    state = sessions.submit_answer(session=session, text="I'd like to finish the interview now.")
    assert state.status == "finished" and state.stage == "finished" and state.question_text == ""
    assert state.report_url
    session.refresh_from_db()
    assert session.ended_at is not None
    report = Report.objects.get(session=session)
    assert (report.questions_asked, report.correct_count, report.incorrect_count) == (2, 1, 1)
    assert report.accuracy == pytest.approx(0.5)
    # Answers after the end are not graded.
    late = sessions.submit_answer(session=session, text=DONT_KNOW)
    assert late.notices == [sessions.FINISHED_NOTICE] and session.turns.count() == 2


def test_a_half_heard_finish_asks_first_and_yes_finishes_with_the_report():
    session = new_session()
    asked = sessions.submit_answer(session=session, text="Finish in to mute.", submission_id="a1")
    assert asked.confirming_finish and asked.status == "in_progress" and asked.last_event == "confirm_finish"
    assert asked.interviewer_message == "Do you want to finish the interview?"
    assert asked.question_text  # the question stays on screen: answering it is also a reply
    # The same submission again (a double click) is not its own "yes".
    again = sessions.submit_answer(session=session, text="Finish in to mute.", submission_id="a1")
    assert again.confirming_finish and again.status == "in_progress"
    done = sessions.submit_answer(session=session, text="yes", submission_id="a2")
    assert done.status == "finished" and not done.confirming_finish and done.report_url
    session.refresh_from_db()
    assert session.ended_at is not None and session.turns.count() == 0
    assert Report.objects.filter(session=session).exists()


def test_no_to_the_finish_question_resumes_the_retry_without_using_it():
    session = new_session()
    sessions.submit_answer(session=session, text=model_answer(session))
    sessions.submit_answer(session=session, text=DONT_KNOW)  # hint on question 2
    sessions.submit_answer(session=session, text="Finished interview.", submission_id="b1")
    resumed = sessions.submit_answer(session=session, text="No, continue.", submission_id="b2")
    assert resumed.status == "in_progress" and not resumed.confirming_finish
    assert (resumed.question_number, resumed.attempt, resumed.last_event) == (2, 2, "resumed")
    assert session.turns.count() == 2
    # A double submit of the "no" is not graded as an answer to question 2.
    twice = sessions.submit_answer(session=session, text="No, continue.", submission_id="b2")
    assert (twice.attempt, session.turns.count()) == (2, 2)


def test_answering_the_last_question_finishes_and_builds_the_report():
    session = new_session()
    for _ in range(3):
        state = sessions.submit_answer(session=session, text=model_answer(session))
    assert state.status == "finished" and "last question" in state.interviewer_message
    report = Report.objects.get(session=session)
    assert (report.questions_asked, report.correct_count, report.accuracy) == (3, 3, 1.0)
    assert len({t.question_id for t in session.turns.all()}) == 3


def test_finish_interview_can_abandon_and_is_idempotent():
    session = new_session()
    state = sessions.finish_interview(session=session, abandoned=True)
    assert state.status == "abandoned"
    again = sessions.finish_interview(session=session)
    assert again.status == "abandoned"
    assert Report.objects.get(session=session).questions_asked == 0


def test_the_interview_resumes_after_reloading_the_session_from_the_database():
    session = new_session()
    sessions.submit_answer(session=session, text=DONT_KNOW)  # hint: attempt 2 pending
    on_screen = session.engine_state["current"]["text"]

    reloaded = InterviewSession.objects.get(pk=session.pk)  # e.g. after a server restart
    state = sessions.live_state(session=reloaded)
    assert (state.question_number, state.attempt, state.question_text) == (1, 2, on_screen)
    assert "Hint:" in state.interviewer_message and state.last_verdict == "incorrect"

    state = sessions.submit_answer(session=reloaded, text=model_answer(reloaded))
    assert state.last_verdict == "correct" and state.question_number == 2
    retry = reloaded.turns.get(question_number=1, attempt=2)
    assert retry.verdict == "correct"


@pytest.mark.slow
def test_a_spoken_answer_is_transcribed_measured_and_stored_with_consent(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    session = new_session(consent_audio=True)
    clip = sorted((DATA / "speech").glob("*.wav"))[0]
    recording = tmp_path / "answer.wav"
    shutil.copy(clip, recording)
    state = sessions.submit_answer(session=session, audio_path=str(recording), submission_id="s1")
    turn = session.turns.get()
    assert turn.input_mode == Turn.InputMode.SPOKEN
    assert turn.transcript and state.last_transcript == turn.transcript
    assert turn.stt_ms and turn.audio_seconds and turn.words_per_minute and 60 < turn.words_per_minute < 300
    assert turn.audio.name.endswith(".wav") and Path(turn.audio.path).exists()
    assert turn.backends["stt"] == "FasterWhisperSTT"


@pytest.mark.slow
def test_a_failing_remote_stt_falls_back_and_the_candidate_is_told(settings, tmp_path):
    stt = dict(settings.AI_SERVICES["stt"])
    # Nothing listens on the discard port: the remote provider fails at its HTTP edge.
    stt.update(
        BACKEND="interviews.ai.stt.GoogleSTT",
        OPTIONS={**stt["OPTIONS"], "endpoint": "http://127.0.0.1:9/speech", "timeout": 2.0},
    )
    settings.AI_SERVICES = {**settings.AI_SERVICES, "stt": stt}
    registry.reset_backends()
    try:
        session = new_session()
        clip = sorted((DATA / "speech").glob("*.wav"))[0]
        state = sessions.submit_answer(session=session, audio_path=str(clip))
    finally:
        registry.reset_backends()
    assert any("offline STT" in notice for notice in state.notices)
    session.refresh_from_db()
    assert session.providers["stt"] == "FasterWhisperSTT" and session.fallback_count == 1
    turn = session.turns.get()
    assert not turn.audio  # no consent: the recording is not kept
    assert turn.notices == state.notices


@pytest.mark.slow
def test_speak_returns_audio_for_the_interviewers_words():
    audio, mime = sessions.speak(text="Question one: what is a Python list?")
    assert mime == "audio/wav" and audio[:4] == b"RIFF" and len(audio) > 10_000


@pytest.mark.slow
def test_the_spoken_reply_to_an_answer_records_its_latency_on_that_turn():
    session = new_session()
    state = sessions.submit_answer(session=session, text=DONT_KNOW, submission_id="s1")

    sessions.speak(text=state.interviewer_message, session=session)

    turn = session.turns.get()
    session.refresh_from_db()
    assert turn.tts_ms is not None and turn.tts_ms > 0
    assert turn.backends["tts"] == "PiperTTS" and session.providers["tts"] == "PiperTTS"


def test_an_answer_overtaken_by_another_is_not_recorded(monkeypatch):
    """Two submits racing (two tabs): the one that finishes grading second answered a stale question."""
    session = new_session()
    monkeypatch.setattr(
        sessions, "get_grader", grader_overtaken_by_another_tab(session_pk=session.pk, other_answer=DONT_KNOW)
    )
    state = sessions.submit_answer(session=session, text=DONT_KNOW, submission_id="this-tab")
    assert state.notices == [sessions.STALE_ANSWER_NOTICE]
    assert list(session.turns.values_list("submission_id", flat=True)) == ["other-tab"]
    assert (state.question_number, state.attempt) == (1, 2)


def test_starting_without_any_question_saves_nothing(settings):
    settings.INTERVIEW_GENERAL_QUESTIONS = 0
    with pytest.raises(registry.ServiceError):
        sessions.start_interview(
            user=UserFactory(), candidate_name="Ada", topic="no-such-topic", position="sde", difficulty="easy"
        )
    assert not InterviewSession.objects.exists()


def test_a_yes_click_with_no_finish_question_pending_changes_nothing():
    session = new_session()

    state = sessions.submit_answer(
        session=session, text="yes", submission_id="y1", reply_to_finish_question=True
    )

    assert state.status == "in_progress" and state.question_number == 1
    assert not session.turns.exists()
