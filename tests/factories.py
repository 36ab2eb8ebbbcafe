"""factory_boy factories shared by every test module."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from accounts.models import Cohort, CohortMembership
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
