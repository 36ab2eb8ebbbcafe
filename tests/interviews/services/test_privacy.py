"""The candidate's documents stay theirs: instructors see the job's skills, never the job description or
CV; "delete my data" removes recordings, transcripts, expression samples, documents, optionally the account."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse

from interviews.models import ExpressionSample, InterviewSession, JobDocument, Report, Turn
from interviews.services.privacy import delete_my_data
from tests.factories import (
    ExpressionSampleFactory,
    InterviewSessionFactory,
    ReportFactory,
    TurnFactory,
)

pytestmark = pytest.mark.django_db
CV = "Private CV: Grace Hopper, 12 Secret Street, phone 0123456789"
JOB = "Confidential job advert for Kubernetes engineers at Acme"


@pytest.fixture
def practised(candidate, cohort, settings, tmp_path):
    """A job interview shared with the cohort: a recording, an expression sample, kept documents."""
    settings.MEDIA_ROOT = tmp_path
    session = InterviewSessionFactory(
        owner=candidate, status="finished", job_skills=["kubernetes"], topic="cloud-devops"
    )
    turn = TurnFactory(session=session, transcript="My private answer about pods.")
    turn.audio.save("answer.webm", ContentFile(b"webm audio"), save=True)
    ExpressionSampleFactory(session=session, turn=turn)
    ReportFactory(session=session)
    JobDocument.objects.create(session=session, owner=candidate, job_description=JOB, cv_text=CV)
    return session


def test_an_instructor_sees_the_skills_but_not_the_job_description_or_cv(client, instructor, practised):
    client.force_login(instructor)
    page = client.get(reverse("analytics:report", args=[practised.pk])).content.decode()
    assert "Kubernetes" in page
    assert "Secret Street" not in page and "Acme" not in page


def test_the_cohort_exports_hold_no_cv_or_job_description(client, instructor, cohort, practised):
    client.force_login(instructor)
    for name in ("analytics:export_sessions", "analytics:export_answers"):
        response = client.get(reverse(name, args=[cohort.pk]))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Secret Street" not in body and b"Acme" not in body


def test_delete_my_data_removes_interviews_recordings_samples_and_documents(
    candidate, practised, django_capture_on_commit_callbacks
):
    other = TurnFactory(transcript="Someone else's answer")  # another candidate's data stays
    path = Path(practised.turns.get().audio.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        deleted = delete_my_data(user=candidate)
    assert (deleted.interviews, deleted.answers, deleted.recordings, deleted.expression_samples) == (
        1,
        1,
        1,
        1,
    )
    assert deleted.job_documents == 1 and not deleted.account
    assert not InterviewSession.objects.filter(owner=candidate).exists()
    assert not Turn.objects.filter(session__owner=candidate).exists()
    assert not ExpressionSample.objects.filter(session__owner=candidate).exists()
    assert not JobDocument.objects.exists() and not Report.objects.filter(session__owner=candidate).exists()
    assert not path.exists()
    assert Turn.objects.filter(pk=other.pk).exists()
    assert get_user_model().objects.filter(pk=candidate.pk).exists()


def test_delete_my_data_can_delete_the_account_too(client, candidate, practised):
    client.force_login(candidate)
    response = client.post(reverse("accounts:delete_data"), {"confirm": "on", "delete_account": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not get_user_model().objects.filter(pk=candidate.pk).exists()
    assert not InterviewSession.objects.exists()


def test_the_profile_page_deletes_only_after_confirmation(client, candidate, practised):
    client.force_login(candidate)
    refused = client.post(reverse("accounts:delete_data"), {"delete_account": "on"})
    assert "Tick the box to confirm" in refused.content.decode()
    assert InterviewSession.objects.filter(owner=candidate).exists()
    response = client.post(reverse("accounts:delete_data"), {"confirm": "on"}, follow=True)
    assert "Deleted 1 interview with their recordings" in response.content.decode()
    assert not InterviewSession.objects.filter(owner=candidate).exists()
    assert get_user_model().objects.filter(pk=candidate.pk).exists()


def test_delete_my_data_only_answers_to_post(client, candidate):
    client.force_login(candidate)
    assert client.get(reverse("accounts:delete_data")).status_code == 405


def test_spaced_repetition_is_a_profile_choice(client, candidate):
    client.force_login(candidate)
    client.post(reverse("accounts:profile"), {"display_name": "Alice"})
    candidate.refresh_from_db()
    assert candidate.review_missed_questions is False
    client.post(reverse("accounts:profile"), {"display_name": "Alice", "review_missed_questions": "on"})
    candidate.refresh_from_db()
    assert candidate.review_missed_questions is True
