"""Off-topic answers are incorrect: partial credit needs real relevance, a key point needs semantic support."""

import json
from pathlib import Path

import pytest

from interviews.domain import QuestionRef
from interviews.services.grading import KeyPointCoverage

pytestmark = pytest.mark.slow  # the real MiniLM model (loaded once per session)

BANK = Path(__file__).resolve().parents[3] / "interviews" / "bank" / "data"


def bank_question(topic: str, text_fragment: str) -> QuestionRef:
    data = json.loads((BANK / f"{topic}.json").read_text())
    raw = next(q for q in data["questions"] if text_fragment in q["text"])
    return QuestionRef(
        id=1,
        text=raw["text"],
        kind=raw["kind"],
        topic=topic,
        reference_answer=raw["reference_answer"],
        key_points=tuple(raw["key_points"]),
        hint=raw["hint"],
    )


@pytest.fixture
def equality_vs_identity():
    return bank_question("python", "`==` and `is`")


def test_a_chatty_answer_about_something_else_is_incorrect_not_partial(
    embedding_grader, equality_vs_identity
):
    grade = embedding_grader.grade(
        equality_vs_identity, "I mostly enjoy turtles, sunny beaches and a good cup of tea in the afternoon."
    )

    assert grade.verdict == "incorrect", grade
    assert grade.covered_points == ()


@pytest.mark.parametrize(
    ("answered_topic", "answered_fragment"),
    [
        ("sql", "What is an index in a database?"),
        ("behavioural", "production incident"),
        ("statistics", "correlation coefficient"),
    ],
)
def test_the_model_answer_of_another_topics_question_is_incorrect(
    embedding_grader, equality_vs_identity, answered_topic, answered_fragment
):
    other = bank_question(answered_topic, answered_fragment)

    grade = embedding_grader.grade(equality_vs_identity, other.reference_answer)

    assert grade.verdict == "incorrect", grade


def test_the_questions_own_model_answer_and_its_key_points_are_correct(
    embedding_grader, equality_vs_identity
):
    assert (
        embedding_grader.grade(equality_vs_identity, equality_vs_identity.reference_answer).verdict
        == "correct"
    )
    joined = ". ".join(equality_vs_identity.key_points) + "."
    assert embedding_grader.grade(equality_vs_identity, joined).verdict == "correct"


def test_one_shared_common_word_does_not_cover_a_key_point(embedding_grader, primary_key):
    grade = embedding_grader.grade(primary_key, "I would put the vase on the kitchen table by the window.")

    assert "only one primary key per table" not in grade.covered_points
    assert grade.verdict == "incorrect"


def test_an_on_topic_answer_stating_one_point_is_still_partial(embedding_grader, primary_key):
    grade = embedding_grader.grade(primary_key, "It is the column whose value uniquely identifies each row.")

    assert grade.verdict in {"partial", "correct"}
    assert "uniquely identifies each row" in grade.covered_points


def test_a_key_point_without_semantic_support_is_not_covered_whatever_its_word_overlap():
    one_shared_word = KeyPointCoverage(
        "only one primary key per table", semantic=0.05, margin=-0.3, lexical=1.0
    )
    stated = KeyPointCoverage("only one primary key per table", semantic=0.7, margin=0.3, lexical=1.0)

    assert not one_shared_word.covered
    assert stated.covered
