"""Fixtures of the analytics tests: instructors, candidates and finished interviews with answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import INSTRUCTOR_GROUP
from interviews.models import InterviewSession, Turn
from tests.factories import (
    CohortFactory,
    CohortMembershipFactory,
    ExpressionSampleFactory,
    InterviewSessionFactory,
    QuestionFactory,
    ReportFactory,
    TurnFactory,
    UserFactory,
)

MEMBER_FOR = timedelta(days=60)


def make_instructor(**kwargs):
    user = UserFactory(**kwargs)
    group, _ = Group.objects.get_or_create(name=INSTRUCTOR_GROUP)
    user.groups.add(group)
    return user


def finished_interview(
    *,
    owner=None,
    topic="python",
    difficulty="easy",
    accuracy=0.5,
    days_ago=0,
    with_report=True,
    **session_fields,
):
    """A finished interview: Q1 right first time, Q2 wrong then right, Q3 wrong twice (revealed)."""
    session = InterviewSessionFactory(
        owner=owner or UserFactory(),
        topic=topic,
        difficulty=difficulty,
        status=InterviewSession.Status.FINISHED,
        **session_fields,
    )
    if days_ago:
        InterviewSession.objects.filter(pk=session.pk).update(
            started_at=timezone.now() - timedelta(days=days_ago)
        )
        session.refresh_from_db()
    q1 = QuestionFactory(text="What does a Python list comprehension produce?")
    q2 = QuestionFactory(
        text="How does a dict lookup work?",
        reference_answer="It hashes the key.",
        hint="Think about hashing.",
    )
    q3 = QuestionFactory(text="Explain the GIL.", reference_answer="A lock letting one thread run bytecode.")
    spoken = {
        "input_mode": Turn.InputMode.SPOKEN,
        "words_per_minute": 120.0,
        "filler_count": 2,
        "pause_count": 1,
    }
    TurnFactory(
        session=session,
        question=q1,
        question_number=1,
        transcript="It builds a new list.",
        verdict="correct",
        score=0.9,
        **spoken,
    )
    TurnFactory(
        session=session,
        question=q2,
        question_number=2,
        transcript="It scans every key.",
        verdict="incorrect",
        hint_shown=True,
        feedback="Think about hashing.",
    )
    TurnFactory(
        session=session,
        question=q2,
        question_number=2,
        attempt=2,
        transcript="It hashes the key to find a bucket.",
        verdict="correct",
    )
    TurnFactory(
        session=session,
        question=q3,
        question_number=3,
        transcript='=HYPERLINK("x")',
        verdict="incorrect",
        hint_shown=True,
    )
    TurnFactory(
        session=session,
        question=q3,
        question_number=3,
        attempt=2,
        transcript="No idea.",
        verdict="incorrect",
        answer_revealed=True,
    )
    for offset, label in [(0.0, "neutral"), (2.0, "happy"), (4.0, "neutral")]:
        ExpressionSampleFactory(session=session, offset_seconds=offset, label=label)
    if with_report:
        ReportFactory(
            session=session,
            accuracy=accuracy,
            questions_asked=3,
            correct_count=2,
            partial_count=0,
            incorrect_count=1,
            revealed_count=1,
            dominant_expression="neutral",
            strengths=["Clear on comprehensions"],
            weaknesses=["Concurrency"],
            improvements=["Revise the GIL"],
            speaking={
                "spoken_answers": 1,
                "words_per_minute": 120.0,
                "filler_rate": 3.5,
                "pauses_per_answer": 1.0,
            },
        )
    return session


@pytest.fixture
def instructor(db):
    return make_instructor(username="teacher")


@pytest.fixture
def candidate(db):
    return UserFactory(username="alice")


@pytest.fixture
def cohort(instructor, candidate):
    cohort = CohortFactory(name="Spring bootcamp", instructor=instructor)
    # Joined before every interview the tests backdate, so all of them are shared with the cohort.
    CohortMembershipFactory(cohort=cohort, user=candidate, joined_at=timezone.now() - MEMBER_FOR)
    return cohort
