"""Job interviews on the real bank: questions that cover the job's skills, consented storage, and
practising the questions a report shows were missed."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from interviews.ai.llm import LLMError
from interviews.ai.registry import ServiceError
from interviews.domain import Grade
from interviews.models import InterviewSession, JobDocument, Question
from interviews.services import sessions, tailoring
from interviews.services.questions import (
    DjangoQuestionSource,
    GeneratingQuestionSource,
    LLMFollowUpWriter,
    due_reviews,
    valid_follow_up,
)
from interviews.skills.coverage import skills_of_question
from interviews.skills.documents import CVError
from interviews.skills.extraction import skill_by_slug
from tests.factories import InterviewSessionFactory, QuestionFactory, TurnFactory, UserFactory
from tests.interviews.engine_fakes import KeywordGrader, make_question
from tests.interviews.services.test_questions import ScriptedChatModel, generated
from tests.interviews.skills.cv_files import encrypted_pdf, text_pdf

pytestmark = pytest.mark.django_db

JOB = (
    "Data Engineer. You will build ETL pipelines in Airflow, write SQL with window functions and model data "
    "in a star schema. Experience with Kubernetes is a plus. 3+ years of experience."
)


@pytest.fixture(autouse=True)
def short_interview(settings):
    settings.INTERVIEW_GENERAL_QUESTIONS = 1
    settings.INTERVIEW_MAX_QUESTIONS = 5


def test_reading_a_job_and_a_cv_finds_the_skills_and_the_level():
    lines = ["Ada Lovelace, data engineer", "Airflow and SQL for 4 years; Airflow DAGs at scale."]
    cv = tailoring.CVUpload(name="cv.pdf", size=0, stream=io.BytesIO(text_pdf(lines)))
    reading = tailoring.read_job(job_description=JOB, cv=cv)
    assert reading.profile.slugs[0] == "data-pipelines"  # named by the job and confirmed by the CV
    assert {"data-modelling", "kubernetes", "sql-window-functions"} <= set(reading.profile.slugs)
    assert reading.profile.seniority == "mid" and reading.profile.difficulty == "medium"
    assert "Airflow and SQL" in reading.cv_text


def test_a_locked_cv_raises_its_message_and_the_job_is_not_read():
    cv = tailoring.CVUpload(name="cv.pdf", size=0, stream=io.BytesIO(encrypted_pdf(["SQL"])))
    with pytest.raises(CVError, match="password-protected"):
        tailoring.read_job(job_description=JOB, cv=cv)


def job_interview(
    user=None, *, keep_documents=False, skills=("sql-window-functions", "data-modelling", "kubernetes")
):
    return tailoring.start_job_interview(
        user=user or UserFactory(),
        candidate_name="Ada",
        position="analyst",
        difficulty="medium",
        skills=[skill_by_slug(slug) for slug in skills],
        seniority="mid",
        job_description=JOB,
        cv_text="My CV: SQL for years.",
        keep_documents=keep_documents,
    )


def asked_questions(session: InterviewSession) -> list[Question]:
    """Every question the interview asks, answered "I don't know" twice each until it ends."""
    asked = []
    while True:
        session.refresh_from_db()
        if not session.is_active:
            return asked
        asked.append(Question.objects.get(pk=session.engine_state["current"]["id"]))
        state = sessions.submit_answer(session=session, text="I don't know.")
        if state.status == "in_progress" and state.attempt == 2:
            sessions.submit_answer(session=session, text="I don't know.")


def test_a_job_interview_asks_topic_questions_that_train_each_job_skill():
    session = job_interview()
    assert session.job_skills == ["sql-window-functions", "data-modelling", "kubernetes"]
    assert session.topic == "sql"
    topic_questions = [q for q in asked_questions(session) if q.kind == Question.Kind.TOPIC]
    trained = set()
    for question in topic_questions:
        trained |= skills_of_question(
            topic=question.topic, text=question.text, key_points=question.key_points
        )
    assert {"sql-window-functions", "data-modelling", "kubernetes"} <= trained
    assert {q.topic for q in topic_questions} == {"sql", "cloud-devops"}


def test_the_job_description_and_cv_are_stored_only_with_consent():
    without = job_interview()
    assert not JobDocument.objects.filter(session=without).exists()
    kept = job_interview(keep_documents=True)
    document = JobDocument.objects.get(session=kept)
    assert (document.job_description, document.cv_text, document.owner) == (
        JOB,
        "My CV: SQL for years.",
        kept.owner,
    )


def test_a_job_interview_needs_a_skill():
    with pytest.raises(ServiceError) as refused:
        job_interview(skills=())
    assert "at least one skill" in refused.value.user_message
    assert not InterviewSession.objects.exists()


def test_practising_missed_questions_asks_exactly_those_in_order():
    session = job_interview()
    asked = asked_questions(session)  # every answer "I don't know": all missed
    practice = tailoring.start_missed_practice(user=session.owner, session=session)
    assert practice.question_plan == [q.pk for q in asked]
    assert asked_questions(practice) == asked
    practice.refresh_from_db()
    assert practice.report.questions_asked == len(asked)


def test_practising_an_interview_without_misses_says_there_is_nothing_to_practise():
    session = InterviewSessionFactory(status="finished")
    TurnFactory(session=session, verdict="correct")
    with pytest.raises(ServiceError) as refused:
        tailoring.start_missed_practice(user=session.owner, session=session)
    assert "every question" in refused.value.user_message


def missed_long_ago(owner, question, days: int):
    old = InterviewSessionFactory(owner=owner, topic=question.topic, status="finished")
    InterviewSession.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=days))
    TurnFactory(session=old, question=question, verdict="incorrect", question_number=1)
    return old


def test_a_question_missed_days_ago_comes_back_in_a_later_interview():
    owner = UserFactory()
    missed = QuestionFactory(topic="python", difficulty="hard")
    QuestionFactory.create_batch(5, topic="python", difficulty="easy")
    missed_long_ago(owner, missed, days=4)
    session = InterviewSessionFactory(owner=owner, topic="python", difficulty="easy")
    assert DjangoQuestionSource(session=session).next_question(kind="topic", exclude_ids=()).id == missed.pk


def test_a_question_missed_yesterday_or_answered_right_since_does_not_come_back():
    owner = UserFactory()
    recent, fixed = QuestionFactory(topic="python"), QuestionFactory(topic="python")
    missed_long_ago(owner, recent, days=1)
    missed_long_ago(owner, fixed, days=5)
    later = InterviewSessionFactory(owner=owner, topic="python", status="finished")
    InterviewSession.objects.filter(pk=later.pk).update(started_at=timezone.now() - timedelta(days=4))
    TurnFactory(session=later, question=fixed, verdict="correct", question_number=1)
    assert due_reviews(owner=owner) == []


def test_spaced_repetition_can_be_turned_off():
    owner = UserFactory(review_missed_questions=False)
    missed = QuestionFactory(topic="python", difficulty="hard")
    QuestionFactory.create_batch(3, topic="python", difficulty="easy")
    missed_long_ago(owner, missed, days=10)
    session = InterviewSessionFactory(owner=owner, topic="python", difficulty="easy")
    assert DjangoQuestionSource(session=session).next_question(kind="topic", exclude_ids=()).id != missed.pk


# --- With an LLM -------------------------------------------------------------------------------------


def test_an_llm_follow_up_is_used_when_it_is_one_short_question_else_the_offline_one():
    grade = Grade("partial", 0.5, missing_points=("constant",), covered_points=("hash",))
    question = make_question(10)
    llm = ScriptedChatModel(
        ['"And why are lookups constant time on average?"', "Sure! Here you go.", LLMError("down")]
    )
    writer = LLMFollowUpWriter(llm)
    assert (
        writer.follow_up(question, "it uses a hash", grade) == "And why are lookups constant time on average?"
    )
    assert writer.follow_up(question, "it uses a hash", grade) == ""  # not a question
    assert writer.follow_up(question, "it uses a hash", grade) == ""  # provider down
    assert "Point they missed: constant" in llm.prompts[0][-1]["content"]
    assert valid_follow_up("Follow-up: What about collisions?") == "What about collisions?"
    assert valid_follow_up("x?") == ""


def test_with_an_llm_generated_questions_are_asked_about_the_jobs_skills():
    session = InterviewSessionFactory(
        topic="sql", difficulty="medium", job_skills=["sql-window-functions", "kubernetes"]
    )
    llm = ScriptedChatModel([generated("How would you rank rows within each group using a window function?")])
    ref = GeneratingQuestionSource(session=session, llm=llm).next_question(
        kind="topic", exclude_ids=(), difficulty="hard"
    )
    assert ref.text.startswith("How would you rank rows")
    assert ref.difficulty == "hard"
    prompt = llm.prompts[0][-1]["content"]
    assert "SQL window functions and analytics queries, Kubernetes" in prompt and "Difficulty: hard" in prompt


def test_a_follow_up_is_recorded_on_its_turn_and_shown_as_the_question(monkeypatch, settings):
    settings.INTERVIEW_GENERAL_QUESTIONS = 0
    monkeypatch.setattr(sessions, "get_grader", KeywordGrader)
    QuestionFactory(topic="python", difficulty="easy", key_points=["hash", "constant"])
    session = sessions.start_interview(
        user=UserFactory(), candidate_name="Ada", topic="python", position="sde", difficulty="easy"
    )
    state = sessions.submit_answer(session=session, text="it uses a hash")
    assert state.follow_up and state.attempt == 2 and state.last_event == "followed_up"
    assert state.question_text == "You explained hash. How does constant fit in?"
    sessions.submit_answer(session=session, text="lookups take constant time")
    first, follow_up = session.turns.order_by("attempt")
    assert (first.verdict, first.follow_up, first.hint_shown) == ("partial", "", False)
    assert follow_up.follow_up == "You explained hash. How does constant fit in?"
    assert follow_up.verdict == "correct"
    session.refresh_from_db()
    assert session.report.correct_count == 1 and session.report.questions_asked == 1
