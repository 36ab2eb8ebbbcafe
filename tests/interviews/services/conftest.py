"""Shared fixtures of the service tests: the embedding grader and the questions it grades."""

import pytest

from interviews.domain import QuestionRef
from interviews.services.grading import EmbeddingGrader


@pytest.fixture(scope="session")
def embedding_grader(encoder):
    return EmbeddingGrader()


@pytest.fixture
def list_vs_tuple():
    return QuestionRef(
        id=1,
        kind="topic",
        topic="python",
        text="What is the difference between a list and a tuple in Python?",
        reference_answer=(
            "A list is mutable and can be changed after it is created, while a tuple is immutable. "
            "Because tuples are immutable they are hashable and can be used as dictionary keys."
        ),
        key_points=(
            "lists are mutable",
            "tuples are immutable",
            "tuples are hashable and can be dictionary keys",
        ),
        hint="Think about what happens when you try to change an element after creating each one.",
    )


@pytest.fixture
def primary_key():
    return QuestionRef(
        id=2,
        kind="topic",
        topic="sql",
        text="What is a primary key in a relational database?",
        reference_answer=(
            "A primary key is a column or set of columns whose values uniquely identify each row in a table. "
            "It cannot contain NULL values, and a table has only one primary key."
        ),
        key_points=("uniquely identifies each row", "cannot be null", "only one primary key per table"),
        hint="Think about how the database tells two rows apart.",
    )


@pytest.fixture
def tcp_vs_udp():
    return QuestionRef(
        id=3,
        kind="topic",
        topic="networking",
        text="What is the difference between TCP and UDP?",
        reference_answer=(
            "TCP is connection-oriented and guarantees reliable, ordered delivery by retransmitting lost packets. "
            "UDP is connectionless, gives no delivery or ordering guarantee, and has lower overhead, so it is faster."
        ),
        key_points=(
            "TCP is connection-oriented",
            "TCP guarantees reliable ordered delivery",
            "UDP is connectionless with no delivery guarantee",
            "UDP has lower overhead and is faster",
        ),
        hint="Compare what each protocol promises about packets arriving.",
    )


@pytest.fixture
def recursion_without_key_points():
    # Like the ASAG data: a reference answer only, so the grader derives key points itself.
    return QuestionRef(
        id=4,
        kind="topic",
        topic="algorithms",
        text="What is a recursive function?",
        reference_answer="A function that calls itself.",
    )


@pytest.fixture
def team_conflict():
    return QuestionRef(
        id=5,
        kind="general",
        text="Tell me about a time you had a conflict with a colleague and how you handled it.",
        reference_answer=(
            "A good answer describes a real situation, the candidate's own actions to resolve the disagreement "
            "calmly, such as listening and finding common ground, and the outcome and lesson learned."
        ),
        key_points=("a concrete situation", "what you did to resolve it", "the outcome", "what you learned"),
        hint="Use the situation, action, result structure.",
    )
