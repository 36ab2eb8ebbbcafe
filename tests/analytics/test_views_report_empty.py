"""A report of an interview finished before any answer shows no accuracy figure rather than 0 %."""

import pytest
from django.urls import reverse

from interviews.models import InterviewSession, Report
from tests.factories import InterviewSessionFactory, ReportFactory, finished_interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def unanswered_session(candidate):
    # As finish_interview leaves it: finished at once, its Report built (by the report page) from no turns.
    return InterviewSessionFactory(owner=candidate, status=InterviewSession.Status.FINISHED)


def test_a_report_with_no_answered_questions_shows_accuracy_as_not_applicable(
    client, candidate, unanswered_session
):
    client.force_login(candidate)

    html = client.get(reverse("analytics:report", args=[unanswered_session.pk])).content.decode()

    report = Report.objects.get(session=unanswered_session)
    assert (report.questions_asked, report.accuracy) == (0, 0.0)  # stored as 0: the page must not print it
    assert 'data-testid="accuracy">n/a <small>(no questions answered)</small>' in html
    assert ">0%<" not in html


def test_a_stored_zero_question_report_is_not_shown_as_zero_percent(client, candidate):
    report = ReportFactory(session__owner=candidate, accuracy=0.0, questions_asked=0, correct_count=0)
    client.force_login(candidate)

    html = client.get(reverse("analytics:report", args=[report.session.pk])).content.decode()

    assert 'data-testid="accuracy">n/a' in html


def test_the_markdown_export_of_an_empty_report_says_not_applicable(client, candidate, unanswered_session):
    client.force_login(candidate)

    markdown = client.get(reverse("analytics:report_markdown", args=[unanswered_session.pk])).content.decode()

    assert "- Accuracy: n/a (no questions answered)" in markdown
    assert "- Accuracy: 0%" not in markdown


def test_a_report_whose_answers_were_all_wrong_still_shows_zero_percent(client, candidate):
    session = finished_interview(owner=candidate, accuracy=0.0)
    client.force_login(candidate)

    html = client.get(reverse("analytics:report", args=[session.pk])).content.decode()

    assert 'data-testid="accuracy">0%' in html
