"""A job interview's report: each job skill asked or not, how it went, what to practise next; the
adaptive difficulty path; follow-ups shown with their question."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from interviews.services.reporting import difficulty_path, question_results, skill_coverage
from tests.factories import InterviewSessionFactory, QuestionFactory, TurnFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_session():
    session = InterviewSessionFactory(
        topic="sql", status="finished", job_skills=["sql-window-functions", "kubernetes", "data-modelling"]
    )
    window = QuestionFactory(
        topic="sql",
        difficulty="medium",
        text="What are window functions?",
        key_points=["compute over a window of rows", "keep every row"],
    )
    schema = QuestionFactory(
        topic="sql",
        difficulty="hard",
        text="What is a star schema?",
        key_points=["fact table", "dimension tables"],
    )
    TurnFactory(session=session, question=window, question_number=1, verdict="correct")
    TurnFactory(
        session=session,
        question=schema,
        question_number=2,
        verdict="partial",
        missed_points=["dimension tables"],
    )
    TurnFactory(
        session=session,
        question=schema,
        question_number=2,
        attempt=2,
        verdict="incorrect",
        missed_points=["dimension tables"],
        follow_up="You explained fact table. How do dimension tables fit in?",
        transcript="No idea.",
    )
    return session


def results_of(session):
    return question_results(session.turns.select_related("question").order_by("question_number", "attempt"))


def test_each_job_skill_shows_whether_it_was_asked_how_it_went_and_what_to_practise(job_session):
    coverage = {c.slug: c for c in skill_coverage(job_session.job_skills, results_of(job_session))}
    assert list(coverage) == ["sql-window-functions", "kubernetes", "data-modelling"]
    assert (coverage["sql-window-functions"].asked, coverage["sql-window-functions"].correct) == (1, 1)
    assert coverage["sql-window-functions"].status == "strong"
    assert coverage["kubernetes"].status == "not asked"
    assert "Cloud and DevOps" in coverage["kubernetes"].practise_next
    assert coverage["data-modelling"].status == "to practise"
    assert coverage["data-modelling"].practise_next == "Review dimension tables."


def test_the_difficulty_path_lists_topic_questions_with_their_level_and_final_verdict(job_session):
    assert difficulty_path(results_of(job_session)) == [(1, "medium", "correct"), (2, "hard", "incorrect")]


def test_the_report_page_shows_coverage_path_follow_ups_and_replays_own_recordings(
    client, job_session, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    turn = job_session.turns.get(question_number=1)
    turn.audio.save("answer.webm", ContentFile(b"webm"), save=True)
    client.force_login(job_session.owner)
    page = client.get(reverse("analytics:report", args=[job_session.pk])).content.decode()
    assert 'data-testid="skill-coverage"' in page and "SQL window functions" in page and "not asked" in page
    assert "Q1 medium" in page and "Q2 hard" in page
    assert "Follow-up:</em> You explained fact table." in page
    assert reverse("interviews:turn_audio", args=[turn.pk]) in page
    assert 'data-testid="practise-missed"' in page and "Practise the 1 question I missed" in page


def test_a_reviewer_sees_the_skills_but_not_the_practise_button(client, job_session):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("analytics:report", args=[job_session.pk])).content.decode()
    assert "SQL window functions" in page
    assert 'data-testid="practise-missed"' not in page
