"""The end report: counts and accuracy from turns, the emotion pattern, speaking averages, advice."""

from __future__ import annotations

import pytest

from interviews.models import ExpressionSample, Report, Turn
from interviews.services.reporting import (
    build_report,
    dominant_expression,
    emotion_pattern,
    question_results,
)
from tests.factories import ExpressionSampleFactory, InterviewSessionFactory, QuestionFactory, TurnFactory

pytestmark = pytest.mark.django_db


def turn(session, number, attempt, verdict, **fields):
    return TurnFactory(session=session, question_number=number, attempt=attempt, verdict=verdict, **fields)


@pytest.fixture
def interview():
    """Five questions: right; hint then right; hint then revealed; partial then finished; right but spoken."""
    session = InterviewSessionFactory()
    q = [QuestionFactory(key_points=[f"point {n}a", f"point {n}b"]) for n in range(5)]
    turn(session, 1, 1, Turn.Verdict.CORRECT, question=q[0])
    turn(session, 2, 1, Turn.Verdict.INCORRECT, question=q[1], hint_shown=True, missed_points=["point 1a"])
    turn(session, 2, 2, Turn.Verdict.CORRECT, question=q[1])
    turn(session, 3, 1, Turn.Verdict.PARTIAL, question=q[2], hint_shown=True, missed_points=["point 2b"])
    turn(
        session,
        3,
        2,
        Turn.Verdict.INCORRECT,
        question=q[2],
        answer_revealed=True,
        missed_points=["point 2a", "point 2b"],
    )
    turn(session, 4, 1, Turn.Verdict.PARTIAL, question=q[3], hint_shown=True, missed_points=["point 3b"])
    turn(
        session,
        5,
        1,
        Turn.Verdict.CORRECT,
        question=q[4],
        input_mode=Turn.InputMode.SPOKEN,
        transcript="um it is basically a hash map with like constant lookups you know",
        audio_seconds=6.0,
        words_per_minute=130.0,
        filler_count=4,
        pause_count=1,
    )
    return session, q


def test_accuracy_counts_each_question_once_by_its_last_attempt(interview):
    session, _ = interview
    report = build_report(session=session)
    assert report.questions_asked == 5
    assert (report.correct_count, report.partial_count, report.incorrect_count) == (3, 1, 1)
    assert report.revealed_count == 1
    assert report.accuracy == pytest.approx(3 / 5)


def test_report_names_strengths_weaknesses_and_missed_key_points(interview):
    session, q = interview
    report = build_report(session=session)
    strengths = " ".join(report.strengths)
    assert "first attempt on 2 of 5" in strengths
    assert "point 0a" in strengths and "point 4b" in strengths  # key points of first-time answers
    assert "Quick, correct spoken answers" in strengths
    weaknesses = " ".join(report.weaknesses)
    assert "revealed" in weaknesses and q[2].text in weaknesses
    assert "point 2a" in weaknesses and "point 3b" in weaknesses
    assert "point 1a" not in weaknesses  # fixed on the retry
    improvements = " ".join(report.improvements)
    assert "Review point 2a" in improvements and "Review point 3b" in improvements
    assert "filler" in improvements  # 4 fillers in 13 words


def test_speaking_averages_cover_spoken_answers_only(interview):
    session, _ = interview
    report = build_report(session=session)
    assert report.speaking == {
        "spoken_answers": 1,
        "words_per_minute": 130.0,
        "filler_rate": pytest.approx(100 * 4 / 13, abs=0.1),
        "pauses_per_answer": 1.0,
    }


def test_building_the_report_twice_updates_the_same_row(interview):
    session, q = interview
    build_report(session=session)
    turn(session, 4, 2, Turn.Verdict.CORRECT, question=q[3])
    report = build_report(session=session)
    assert Report.objects.filter(session=session).count() == 1
    assert report.correct_count == 4 and report.accuracy == pytest.approx(4 / 5)


def test_a_report_with_no_answers_has_zero_accuracy():
    report = build_report(session=InterviewSessionFactory())
    assert (report.accuracy, report.questions_asked, report.speaking, report.emotion_pattern) == (
        0.0,
        0,
        {},
        "",
    )


def samples(*timeline: tuple[float, str, float]) -> list[ExpressionSample]:
    return [ExpressionSample(offset_seconds=t, label=label, confidence=c) for t, label, c in timeline]


def test_dominant_expression_is_weighted_by_confidence():
    timeline = samples(
        (0, "sad", 0.9),
        (1, "sad", 0.9),
        (2, "neutral", 0.5),
        (3, "neutral", 0.5),
        (4, "neutral", 0.5),
        (5, "neutral", 0.5),
    )
    assert dominant_expression(timeline) == "neutral"  # 2.0 against 1.8
    assert dominant_expression(timeline[:3]) == "sad"
    assert dominant_expression([]) == ""


def test_emotion_pattern_tense_early_then_relaxed():
    timeline = samples(
        (0, "fear", 0.8),
        (10, "sad", 0.6),
        (20, "fear", 0.7),
        (40, "neutral", 0.9),
        (50, "happy", 0.7),
        (60, "neutral", 0.8),
        (90, "happy", 0.9),
    )
    assert emotion_pattern(timeline) == (
        "Tense (fear/sad) during the first questions, more relaxed (neutral/happy) later."
    )


def test_emotion_pattern_tense_for_most_then_relaxed_at_the_end():
    timeline = samples(
        (0, "sad", 0.8), (30, "angry", 0.6), (59, "sad", 0.7), (75, "happy", 0.9), (90, "happy", 0.9)
    )
    assert emotion_pattern(timeline) == (
        "Tense (sad/angry) during most of the interview, more relaxed (happy) towards the end."
    )


def test_emotion_pattern_steady_and_three_phase():
    steady = samples((0, "neutral", 0.8), (30, "happy", 0.6), (60, "neutral", 0.7))
    assert emotion_pattern(steady) == "Relaxed (neutral/happy) throughout the interview."
    three = samples((0, "neutral", 0.8), (45, "surprise", 0.9), (90, "fear", 0.9))
    assert emotion_pattern(three) == (
        "Relaxed (neutral) at the start, surprised (surprise) in the middle, tense (fear) towards the end."
    )


def test_report_uses_the_session_expression_timeline(interview):
    session, _ = interview
    for offset, label in [(0, "fear"), (5, "fear"), (50, "neutral"), (100, "neutral")]:
        ExpressionSampleFactory(session=session, offset_seconds=offset, label=label, confidence=0.9)
    report = build_report(session=session)
    assert report.dominant_expression in {"fear", "neutral"}
    assert report.emotion_pattern.startswith("Tense (fear) during the first questions")


@pytest.mark.django_db
def test_the_report_shows_a_general_questions_example_answer_as_its_answer_to_learn_from():
    general = QuestionFactory(
        kind="general",
        reference_answer="A strong answer is a short story.",
        example_answer="Last year I led our migration and it finished a week early.",
    )
    topic = QuestionFactory(reference_answer="It hashes the key.")
    session = InterviewSessionFactory()
    TurnFactory(session=session, question=general, question_number=1)
    TurnFactory(session=session, question=topic, question_number=2)

    first, second = question_results(session.turns.all())

    assert (first.model_answer_label, first.model_answer) == ("Example answer", general.example_answer)
    assert (second.model_answer_label, second.model_answer) == ("Model answer", "It hashes the key.")
