"""The bank's example answers to general questions: what the interviewer reveals must itself grade correct."""

from __future__ import annotations

import pytest

from interviews.bank.loader import read_bank
from interviews.domain import QuestionRef
from interviews.services.grading import EmbeddingGrader

GENERAL = [q for q in read_bank() if q["kind"] == "general"]


def as_ref(index: int, q: dict) -> QuestionRef:
    return QuestionRef(
        id=index,
        text=q["text"],
        kind=q["kind"],
        reference_answer=q["reference_answer"],
        key_points=tuple(q["key_points"]),
        hint=q["hint"],
        topic=q["topic"],
        difficulty=q["difficulty"],
        intent=q["intent"],
        story=q["story"],
        example_answer=q["example_answer"],
    )


@pytest.fixture(scope="module")
def grader() -> EmbeddingGrader:
    return EmbeddingGrader()


def test_every_general_question_has_a_first_person_example_answer():
    assert len(GENERAL) >= 20
    for q in GENERAL:
        assert q["example_answer"] != q["reference_answer"], q["bank_key"]
        assert " I " in f" {q['example_answer']} ", q["bank_key"]


@pytest.mark.parametrize("index", [pytest.param(i, id=q["bank_key"]) for i, q in enumerate(GENERAL)])
def test_a_general_questions_example_answer_grades_correct(grader, index):
    question = as_ref(index, GENERAL[index])

    grade = grader.grade(question, question.example_answer)

    assert grade.verdict == "correct", (question.text, grade.hint)


def test_a_general_questions_reference_answer_is_a_description_not_an_answer(grader):
    # Why the example answer exists: the reference answer ("A strong answer is...") is not itself correct.
    question = as_ref(0, GENERAL[0])

    assert grader.grade(question, question.reference_answer).verdict != "correct"
