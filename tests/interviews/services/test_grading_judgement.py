"""Issue 10's "done when": the embedded grader, with the real MiniLM model, on answers written for these tests."""

import pytest

from interviews.domain import QuestionRef
from interviews.services.grading import EmbeddingGrader
from interviews.text import content_stems

pytestmark = pytest.mark.slow  # the real MiniLM model (loaded once per session)

TERRAFORM_STATE = QuestionRef(
    id=61,
    kind="topic",
    topic="cloud-devops",
    text="What is Terraform state and why do teams store it remotely with locking?",
    reference_answer=(
        "Terraform keeps a state file that maps the resources in your code to the real resources in the cloud. "
        "Remote state gives everyone one source of truth, and locking prevents two applies from running at once."
    ),
    key_points=("a state file maps code to real resources", "remote state is one source of truth", "locking"),
)

MOTIVATION = QuestionRef(
    id=62,
    kind="general",
    topic="general",
    text="Why do you want to work as a software engineer?",
    reference_answer="A strong answer gives genuine reasons, backed by a concrete example, and links them to the role.",
    key_points=("genuine reasons", "a concrete example", "link to the role"),
    intent="motivation",
    story=False,
)

CONFLICT = QuestionRef(
    id=63,
    kind="general",
    topic="behavioural",
    text="Tell me about a time you disagreed with a colleague. What did you do?",
    reference_answer="A strong answer tells a real story: the situation, what the candidate did, and the result.",
    key_points=("the situation", "your actions", "the result"),
    intent="conflict",
    story=True,
)


@pytest.fixture(scope="module")
def grader(encoder) -> EmbeddingGrader:
    return EmbeddingGrader()


def test_a_paraphrase_sharing_no_content_word_with_the_reference_is_correct(grader, primary_key):
    paraphrase = (
        "The field that is distinct for every record, so any entry can be singled out by it. It may never be "
        "left empty, and there is just a single such identifier per dataset."
    )
    shared = content_stems(paraphrase) & content_stems(primary_key.reference_answer + " " + primary_key.text)

    grade = grader.grade(primary_key, paraphrase)

    assert shared == set(), shared  # the premise: not one word of the reference or the question
    assert grade.verdict == "correct", grade


def test_an_answer_using_the_references_words_to_deny_it_is_incorrect(grader):
    denial = (
        "Terraform does not keep a state file that maps the resources in your code to the cloud. Remote state "
        "gives everyone one source of truth, and locking prevents two applies from running at once."
    )
    right = (
        "Terraform keeps a state file mapping the resources in your code to what really exists in the cloud. "
        "Kept remotely it is one source of truth for the team, and a lock stops two applies running together."
    )

    assert grader.grade(TERRAFORM_STATE, denial).verdict == "incorrect"
    assert grader.grade(TERRAFORM_STATE, right).verdict == "correct"


def test_listing_experience_when_asked_why_is_graded_incorrect_with_a_reason(grader):
    experience_list = (
        "I have built a few projects at university, including a web shop in Django and a small Android app, "
        "and I did a six month internship at a logistics company where I worked on their route planning API "
        "with Java and PostgreSQL."
    )

    grade = grader.grade(MOTIVATION, experience_list)

    assert grade.verdict == "incorrect"
    assert "reasons" in grade.hint
    assert "you covered" not in grade.praise  # the lenient praise for this very answer


def test_a_story_without_its_result_is_partial_and_the_feedback_names_the_missing_part(grader):
    no_result = (
        "Last spring at my previous job our tech lead wanted to ship the new billing service without load tests, "
        "and I disagreed because the old one had fallen over at peak traffic. I had to convince him before the "
        "Friday release. I wrote a one-page risk summary, ran a two-hour load test on a staging copy and showed "
        "him the latency graph."
    )

    grade = grader.grade(CONFLICT, no_result)

    assert grade.verdict == "partial", grade
    assert "the result" in grade.missing_points
    assert "the situation" in grade.covered_points
    assert "outcome" in grade.hint
