"""The admin reviews interviews read-only, lets staff curate questions, and never edits history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from interviews.models import ExpressionGap, InterviewSession, Question, Report, Turn
from tests.factories import (
    CohortFactory,
    ExpressionSampleFactory,
    InterviewSessionFactory,
    QuestionFactory,
    ReportFactory,
    TurnFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def reviewer_client(client):
    """Staff who may view interviews (the Instructors' view permissions), but are not superusers."""
    reviewer = UserFactory(is_staff=True)
    reviewer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_interviewsession", "view_turn", "view_expressionsample", "view_report"]
        )
    )
    client.force_login(reviewer)
    return client


@pytest.fixture
def reviewed_session(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    session = InterviewSessionFactory(
        candidate_name="Ada Reviewed", topic="sql", cohort=CohortFactory(name="Evening class"),
        status=InterviewSession.Status.FINISHED, consent_audio=True,
    )  # fmt: skip
    spoken = TurnFactory(
        session=session, question_number=1, transcript="A join combines rows of two tables.",
        input_mode=Turn.InputMode.SPOKEN, verdict=Turn.Verdict.PARTIAL, feedback="Mention the join condition.",
        stt_ms=412, eval_ms=35, tts_ms=280, backends={"stt": "FasterWhisperSTT"},
    )  # fmt: skip
    spoken.audio.save("answer.webm", ContentFile(b"webm"))
    TurnFactory(session=session, question_number=2, transcript="Typed answer", verdict=Turn.Verdict.CORRECT)
    ExpressionSampleFactory.create_batch(
        3, session=session, label="happy", question_number=1, phase="answering"
    )
    ExpressionSampleFactory(session=session, label="fear", question_number=1, phase="listening")
    ExpressionGap.objects.create(
        session=session,
        reason=ExpressionGap.Reason.NO_FACE,
        question_number=2,
        from_seconds=40,
        to_seconds=74,
    )
    ReportFactory(session=session, accuracy=0.5, questions_asked=2, correct_count=1)
    return session


def test_session_changelist_filters_and_searches(reviewer_client, reviewed_session):
    InterviewSessionFactory(candidate_name="Someone Else", topic="java")
    url = reverse("admin:interviews_interviewsession_changelist")
    page = reviewer_client.get(url).content.decode()
    assert "Ada Reviewed" in page and "Someone Else" in page
    for filter_title in ["status", "topic", "difficulty", "started at", "cohort"]:
        assert f"By {filter_title}" in page
    assert "Evening class" in page and "50%" in page

    filtered = reviewer_client.get(
        url, {"topic": "sql", "status": "finished", "cohort__id__exact": reviewed_session.cohort_id}
    )
    assert "Ada Reviewed" in filtered.content.decode() and "Someone Else" not in filtered.content.decode()
    by_owner = reviewer_client.get(url, {"q": reviewed_session.owner.email}).content.decode()
    assert "Ada Reviewed" in by_owner and "Someone Else" not in by_owner
    by_name = reviewer_client.get(url, {"q": "someone"}).content.decode()
    assert "Someone Else" in by_name and "Ada Reviewed" not in by_name


def test_session_page_shows_turns_with_audio_and_expression_samples(reviewer_client, reviewed_session):
    response = reviewer_client.get(
        reverse("admin:interviews_interviewsession_change", args=[reviewed_session.pk])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "A join combines rows of two tables." in page
    assert "Mention the join condition." in page
    assert "STT 412, grading 35, TTS 280" in page
    assert "FasterWhisperSTT" in page
    spoken = reviewed_session.turns.get(question_number=1)
    assert (
        f'<audio controls preload="none" src="{reverse("interviews:turn_audio", args=[spoken.pk])}">' in page
    )
    assert page.count("<audio") == 1  # the typed answer has nothing to play
    assert "happy × 3" in page
    # The report's per-question expressions, for the reviewer too.
    assert 'listening <span class="expression">fear</span>' in page
    assert 'answering <span class="expression">happy</span>' in page
    assert "no face in view for 35 s" in page  # question 2: the webcam saw nobody
    assert "1 correct of 2 asked (50%)" in page
    # Read-only: no save buttons, no form inputs for the turns.
    assert 'name="_save"' not in page and 'name="turns-0-transcript"' not in page


def test_nobody_can_add_or_change_interview_history(superuser_client, reviewed_session):
    change_url = reverse("admin:interviews_interviewsession_change", args=[reviewed_session.pk])
    refused = superuser_client.post(change_url, {"candidate_name": "Rewritten", "topic": "python"})
    assert refused.status_code == 403
    reviewed_session.refresh_from_db()
    assert reviewed_session.candidate_name == "Ada Reviewed"
    assert superuser_client.get(reverse("admin:interviews_interviewsession_add")).status_code == 403

    report = reviewed_session.report
    assert (
        superuser_client.post(
            reverse("admin:interviews_report_change", args=[report.pk]), {"accuracy": 1}
        ).status_code
        == 403
    )
    assert (
        superuser_client.post(
            reverse("admin:interviews_report_delete", args=[report.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.accuracy == 0.5


def test_only_superusers_delete_a_session_with_everything_recorded_in_it(
    client, reviewer_client, reviewed_session
):
    delete_url = reverse("admin:interviews_interviewsession_delete", args=[reviewed_session.pk])
    assert reviewer_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert InterviewSession.objects.filter(pk=reviewed_session.pk).exists()

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    confirmation = client.get(delete_url)
    assert confirmation.status_code == 200 and "Are you sure" in confirmation.content.decode()
    client.post(delete_url, {"post": "yes"})
    assert not InterviewSession.objects.filter(pk=reviewed_session.pk).exists()
    assert not Turn.objects.exists() and not Report.objects.exists()


def test_report_admin_lists_reports_read_only(reviewer_client, reviewed_session):
    page = reviewer_client.get(reverse("admin:interviews_report_changelist")).content.decode()
    assert "Ada Reviewed" in page and "50%" in page
    detail = reviewer_client.get(reverse("admin:interviews_report_change", args=[reviewed_session.report.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()


def test_staff_without_view_permission_cannot_review_interviews(client, reviewed_session):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:interviews_interviewsession_changelist")).status_code == 403


def test_questions_are_editable_filterable_and_searchable(superuser_client):
    question = QuestionFactory(text="What does GROUP BY do in SQL?", topic="sql", difficulty="medium")
    QuestionFactory(text="Explain Python decorators.", topic="python")
    url = reverse("admin:interviews_question_changelist")
    page = superuser_client.get(url).content.decode()
    for filter_title in ["kind", "topic", "difficulty", "source", "is active"]:
        assert f"By {filter_title}" in page
    found = superuser_client.get(url, {"q": "GROUP BY"}).content.decode()
    assert "What does GROUP BY do" in found and "decorators" not in found

    response = superuser_client.post(
        reverse("admin:interviews_question_change", args=[question.pk]),
        {
            "text": "What does GROUP BY do?", "kind": "topic", "topic": "sql", "difficulty": "hard", "source": "bank",
            "is_active": "on", "positions": "[]", "reference_answer": "It groups rows that share values.",
            "key_points": '["groups rows"]', "hint": "Think of aggregates.",
        },
    )  # fmt: skip
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.difficulty, question.key_points) == (
        "What does GROUP BY do?",
        "hard",
        ["groups rows"],
    )


def test_deactivating_questions_keeps_them_for_history(superuser_client):
    questions = QuestionFactory.create_batch(2)
    superuser_client.post(
        reverse("admin:interviews_question_changelist"),
        {"action": "deactivate", "_selected_action": [q.pk for q in questions]},
    )
    assert Question.objects.filter(is_active=False).count() == 2


def test_changelists_stay_within_a_fixed_number_of_queries(superuser_client, django_assert_max_num_queries):
    for _ in range(15):
        ReportFactory()
    with django_assert_max_num_queries(12):
        assert (
            superuser_client.get(reverse("admin:interviews_interviewsession_changelist")).status_code == 200
        )
    with django_assert_max_num_queries(12):
        assert superuser_client.get(reverse("admin:interviews_report_changelist")).status_code == 200


def test_session_review_shows_where_each_question_came_from_and_who_graded_each_turn(reviewer_client):
    session = InterviewSessionFactory(
        candidate_name="Ada Sources",
        start_notices=["The question generator was unavailable; this question is from the bank."],
    )
    TurnFactory(
        session=session, question_number=1, question=QuestionFactory(source=Question.Source.GENERATED),
        backends={"grader": "LLMGrader"},
    )  # fmt: skip
    TurnFactory(
        session=session, question_number=2, question=QuestionFactory(source=Question.Source.BANK),
        backends={"grader": "EmbeddingGrader"},
    )  # fmt: skip

    page = reviewer_client.get(reverse("admin:interviews_interviewsession_change", args=[session.pk]))

    html = page.content.decode()
    assert html.count("Generated by the LLM") == 1 and "Question bank" in html
    assert "the LLM" in html and "the embedded grader (EmbeddingGrader)" in html
    assert "The question generator was unavailable" in html
