"""The start page's job mode: read a job description and CV, show the skills, start; bad input keeps
everything typed and the normal interview stays one click away."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interviews.models import InterviewSession, JobDocument
from tests.factories import InterviewSessionFactory, QuestionFactory, TurnFactory, UserFactory
from tests.interviews.skills.cv_files import docx_with_macros, encrypted_pdf, scanned_pdf, text_pdf

pytestmark = pytest.mark.django_db
JOB = (
    "Backend Engineer (Python). Build REST APIs in Python and PostgreSQL, ship Docker containers "
    "through CI/CD. 3+ years of experience."
)
FORM = {"mode": "job", "candidate_name": "Ada", "position": "sde", "job_description": JOB}


@pytest.fixture
def candidate(client):
    user = UserFactory()
    client.force_login(user)
    return user


def post(client, data, **files):
    return client.post(reverse("interviews:start"), {**data, **files})


def test_reading_a_job_shows_the_skills_found_ticked(client, candidate):
    cv = SimpleUploadedFile("cv.pdf", text_pdf(["Ada, Python developer for five years.", "Docker daily."]))
    response = post(client, {**FORM, "step": "read"}, cv=cv)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="python"' in page and 'value="containers"' in page and "checked" in page
    assert "Your CV has been read" in page
    assert not InterviewSession.objects.exists()


def test_starting_with_the_kept_and_added_skills_opens_the_interview(client, candidate):
    response = post(
        client,
        {
            **FORM,
            "step": "start",
            "skills": ["python", "containers"],
            "added_skills": "Kubernetes",
            "seniority": "mid",
        },
    )
    session = InterviewSession.objects.get(owner=candidate)
    assert response.status_code == 302 and response["Location"] == reverse(
        "interviews:detail", args=[session.pk]
    )
    assert session.job_skills == ["python", "containers", "kubernetes"]
    assert session.job_seniority == "mid"
    assert not JobDocument.objects.exists()  # no consent, nothing kept


def test_an_unknown_added_skill_is_named_and_nothing_starts(client, candidate):
    response = post(client, {**FORM, "step": "start", "skills": ["python"], "added_skills": "Basket weaving"})
    assert "We have no questions on Basket weaving yet" in response.content.decode()
    assert not InterviewSession.objects.exists()


def test_a_skill_outside_the_vocabulary_is_refused(client, candidate):
    response = post(client, {**FORM, "step": "start", "skills": ["../../etc/passwd"]})
    assert "Choose skills from the list" in response.content.decode()
    assert not InterviewSession.objects.exists()


@pytest.mark.parametrize(
    ("cv", "message"),
    [
        (lambda: SimpleUploadedFile("cv.pdf", encrypted_pdf(["Python"])), "password-protected"),
        (lambda: SimpleUploadedFile("cv.pdf", scanned_pdf()), "looks scanned"),
        (lambda: SimpleUploadedFile("cv.docx", docx_with_macros(["Python"])), "contains macros"),
        (lambda: SimpleUploadedFile("cv.pdf", b"%PDF-1.4" + b"\0" * (50 * 1024 * 1024)), "50 MB"),
    ],
)
def test_a_bad_cv_is_explained_and_everything_typed_is_kept(client, candidate, cv, message):
    response = post(client, {**FORM, "step": "read", "job_description": JOB + " <b>mine</b>"}, cv=cv())
    page = response.content.decode()
    assert message in page
    assert "Ada" in page and "3+ years of experience. &lt;b&gt;mine&lt;/b&gt;</textarea>" in page
    assert 'data-testid="topic-form"' in page  # a normal interview is still one click away
    assert not InterviewSession.objects.exists()


@pytest.mark.parametrize(
    ("job", "message"),
    [
        ("   ", "Please paste the job description"),
        (
            "Nous recherchons un développeur expérimenté pour notre équipe à Paris, avec une bonne "
            "connaissance de Python et des bases de données.",
            "does not look like English",
        ),
        ("Barista wanted for our cafe. Latte art and a friendly smile are a must.", "no skill we know"),
    ],
)
def test_a_bad_job_description_is_explained_and_kept(client, candidate, job, message):
    response = post(client, {**FORM, "step": "read", "job_description": job})
    page = response.content.decode()
    assert message in page
    assert 'value="Ada"' in page
    if job.strip():
        assert job.split()[0] in page


def test_the_normal_form_beside_keeps_the_name_typed_in_the_job_form(client, candidate):
    response = post(client, {**FORM, "candidate_name": "Grace Hopper", "job_description": "", "step": "read"})
    page = response.content.decode()
    assert page.count('value="Grace Hopper"') == 2


def test_practise_missed_starts_an_interview_on_the_missed_questions(client, candidate):
    session = InterviewSessionFactory(owner=candidate, status="finished")
    missed = QuestionFactory()
    TurnFactory(session=session, question=QuestionFactory(), verdict="correct", question_number=1)
    TurnFactory(session=session, question=missed, verdict="incorrect", question_number=2)
    response = client.post(reverse("interviews:practise_missed", args=[session.pk]))
    practice = InterviewSession.objects.exclude(pk=session.pk).get()
    assert response.status_code == 302
    assert practice.question_plan == [missed.pk]
    assert practice.engine_state["current"]["id"] == missed.pk


def test_practise_missed_is_for_the_interviews_owner_only(client, candidate):
    session = InterviewSessionFactory(status="finished")
    TurnFactory(session=session, verdict="incorrect")
    assert client.post(reverse("interviews:practise_missed", args=[session.pk])).status_code == 404
    assert client.get(reverse("interviews:practise_missed", args=[session.pk])).status_code == 405
    assert InterviewSession.objects.count() == 1


def test_the_start_page_offers_both_modes(client, candidate):
    page = client.get(reverse("interviews:start") + "?mode=job").content.decode()
    assert 'data-testid="job-form"' in page and 'data-testid="topic-form"' in page
