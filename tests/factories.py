"""factory_boy factories and people/interview builders shared by every test module."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.models import INSTRUCTOR_GROUP, Cohort, CohortMembership
from interviews.models import ExpressionSample, InterviewSession, Question, Report, Turn


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"candidate{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook signature
        if create:
            obj.save()


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    text = factory.Sequence(lambda n: f"What is the purpose of a Python list comprehension (variant {n})?")
    kind = Question.Kind.TOPIC
    topic = "python"
    difficulty = "easy"
    reference_answer = "A list comprehension builds a new list by applying an expression to each item of an iterable, optionally filtering items with a condition."
    key_points = ["builds a new list", "applies an expression to each item", "optional filter condition"]
    hint = "Think about what it produces and how it treats each element."


class InterviewSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterviewSession

    owner = factory.SubFactory(UserFactory)
    candidate_name = factory.LazyAttribute(lambda s: s.owner.username.title())
    topic = "python"
    position = "sde"
    difficulty = "easy"


class TurnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Turn

    session = factory.SubFactory(InterviewSessionFactory)
    question = factory.SubFactory(QuestionFactory)
    question_number = factory.Sequence(lambda n: n + 1)
    attempt = 1
    transcript = "It builds a new list from an iterable."
    verdict = Turn.Verdict.CORRECT


class ExpressionSampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpressionSample

    session = factory.SubFactory(InterviewSessionFactory)
    offset_seconds = factory.Sequence(lambda n: n * 0.5)
    label = "neutral"
    confidence = 0.8


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    session = factory.SubFactory(InterviewSessionFactory, status=InterviewSession.Status.FINISHED)
    accuracy = 0.5
    questions_asked = 4
    correct_count = 2


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    name = factory.Sequence(lambda n: f"Cohort {n}")
    instructor = factory.SubFactory(UserFactory)


class CohortMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortMembership

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, joined_at=None, **kwargs):
        membership = super()._create(model_class, *args, **kwargs)
        if joined_at is not None:  # auto_now_add ignores a value given at creation
            model_class.objects.filter(pk=membership.pk).update(joined_at=joined_at)
            membership.joined_at = joined_at
        return membership


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


def make_staff_reviewer(**kwargs):
    """Staff with the permission that review needs (interviews.selectors.REVIEW_PERMISSION)."""
    user = UserFactory(is_staff=True, **kwargs)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="interviews", codename="view_interviewsession")
    )
    return user


# The roles every access test covers (tests/interviews/test_selectors*.py).
ROLES = [
    "owner",
    "other_candidate",
    "cohort_instructor",
    "other_instructor",
    "staff_with_view",
    "staff_without_view",
    "anonymous",
]


def people_by_role() -> dict:
    """One user per role around one candidate, who joined cohort A before practising (anonymous is None)."""
    owner = UserFactory(username="owner")
    cohort_instructor = make_instructor(username="teaches-a")
    other_instructor = make_instructor(username="teaches-b")
    cohort = CohortFactory(name="A", instructor=cohort_instructor)
    CohortMembershipFactory(cohort=cohort, user=owner, joined_at=timezone.now() - timedelta(days=30))
    other_cohort = CohortFactory(name="B", instructor=other_instructor)
    CohortMembershipFactory(cohort=other_cohort, user=UserFactory(username="b-member"))
    return {
        "owner": owner,
        "other_candidate": UserFactory(username="other"),
        "cohort_instructor": cohort_instructor,
        "other_instructor": other_instructor,
        "staff_with_view": make_staff_reviewer(username="staff-view"),
        "staff_without_view": UserFactory(username="staff-plain", is_staff=True),
        "anonymous": None,
        "_cohort": cohort,
        "_other_cohort": other_cohort,
    }
