import pytest
from django.urls import reverse

from interviews.models import InterviewSession, Report
from tests.factories import (
    CohortFactory,
    CohortMembershipFactory,
    InterviewSessionFactory,
    TurnFactory,
    UserFactory,
    finished_interview,
    make_instructor,
    make_staff_reviewer,
)

pytestmark = pytest.mark.django_db


def test_report_page_shows_accuracy_verdicts_questions_and_transcripts(client, candidate):
    session = finished_interview(owner=candidate, accuracy=2 / 3)
    client.force_login(candidate)

    response = client.get(reverse("analytics:report", args=[session.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="accuracy">67%' in html
    for question in [
        "What does a Python list comprehension produce?",
        "How does a dict lookup work?",
        "Explain the GIL.",
    ]:
        assert question in html
    assert "It scans every key." in html and "It hashes the key to find a bucket." in html
    assert html.count("Attempt 2") == 2
    assert "Incorrect" in html and "Correct" in html
    assert "Clear on comprehensions" in html and "Revise the GIL" in html
    assert (
        "Words per minute <strong>120</strong>" in html
        and "Filler words per 100 words <strong>3.5</strong>" in html
    )
    # The revealed model answer is shown outright; the others wait in a details element.
    assert "<strong>Model answer:</strong> A lock letting one thread run bytecode." in html
    assert "<details><summary>Model answer</summary><p>It hashes the key.</p></details>" in html
    assert 'id="expression-timeline"' in html and "chart.umd.min.js" in html
    assert "@media print" in html


def test_report_of_an_interview_in_progress_shows_the_answers_so_far(client, candidate):
    session = InterviewSessionFactory(owner=candidate)
    TurnFactory(session=session, question_number=1, verdict="partial", transcript="Half an answer")
    client.force_login(candidate)

    html = client.get(reverse("analytics:report", args=[session.pk])).content.decode()

    assert "still in progress" in html and "Half an answer" in html
    assert 'data-testid="accuracy">0%' in html


def test_markdown_download_is_an_attachment_with_every_question(client, candidate):
    session = finished_interview(owner=candidate, accuracy=2 / 3)
    client.force_login(candidate)

    response = client.get(reverse("analytics:report_markdown", args=[session.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.md"')
    text = response.content.decode()
    assert text.startswith(f"# Interview report: {session.candidate_name}")
    assert "- Accuracy: 67%" in text
    assert "### 3. Explain the GIL." in text
    assert "> It hashes the key to find a bucket." in text
    assert "Model answer: A lock letting one thread run bytecode." in text
    assert "## Strengths\n\n- Clear on comprehensions" in text


@pytest.mark.parametrize("name", ["analytics:report", "analytics:report_markdown"])
def test_another_candidate_gets_404(client, candidate, name):
    session = finished_interview(owner=candidate)
    client.force_login(UserFactory())

    assert client.get(reverse(name, args=[session.pk])).status_code == 404


def test_the_instructor_of_the_owners_cohort_can_read_the_report(client, cohort, instructor, candidate):
    session = finished_interview(owner=candidate)
    client.force_login(instructor)

    assert client.get(reverse("analytics:report", args=[session.pk])).status_code == 200


def test_another_instructor_gets_404(client, cohort, candidate):
    session = finished_interview(owner=candidate)
    other = make_instructor()
    CohortFactory(instructor=other)  # teaches a cohort, but not the candidate's
    client.force_login(other)

    assert client.get(reverse("analytics:report", args=[session.pk])).status_code == 404


def test_a_cohort_member_cannot_read_a_fellow_members_report(client, cohort, candidate):
    session = finished_interview(owner=candidate)
    fellow = UserFactory()
    CohortMembershipFactory(cohort=cohort, user=fellow)
    client.force_login(fellow)

    assert client.get(reverse("analytics:report", args=[session.pk])).status_code == 404


def test_staff_can_read_any_report(client, candidate):
    session = finished_interview(owner=candidate)
    client.force_login(make_staff_reviewer())

    assert client.get(reverse("analytics:report", args=[session.pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, candidate):
    session = finished_interview(owner=candidate)

    response = client.get(reverse("analytics:report", args=[session.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_real_build_report_fills_a_missing_report_on_first_view(client, candidate):
    session = finished_interview(owner=candidate, with_report=False)
    client.force_login(candidate)

    html = client.get(reverse("analytics:report", args=[session.pk])).content.decode()

    report = Report.objects.get(session=session)
    assert (report.questions_asked, report.correct_count, report.revealed_count) == (3, 2, 1)
    assert 'data-testid="accuracy">67%' in html
    assert "The full report is not ready yet" not in html


def test_report_shows_inline_code_from_the_bank_as_code_and_escapes_answers(client, candidate):
    session = InterviewSessionFactory(owner=candidate, status=InterviewSession.Status.FINISHED)
    TurnFactory(
        session=session,
        question__text="When do `==` and `is` differ?",
        transcript="<b>is</b> compares identity",
    )
    client.force_login(candidate)

    html = client.get(reverse("analytics:report", args=[session.pk])).content.decode()

    assert "When do <code>==</code> and <code>is</code> differ?" in html
    assert "&lt;b&gt;is&lt;/b&gt; compares identity" in html


def test_report_shows_each_questions_expressions_and_where_they_are_missing(client, candidate):
    from interviews.models import ExpressionGap
    from tests.factories import ExpressionSampleFactory

    session = finished_interview(owner=candidate, accuracy=2 / 3)
    session.expressions.all().delete()
    ExpressionSampleFactory.create_batch(
        2, session=session, question_number=1, phase="listening", label="fear"
    )
    for label in ("neutral", "neutral", "happy", "happy"):
        ExpressionSampleFactory(session=session, question_number=1, phase="answering", label=label)
    ExpressionGap.objects.create(
        session=session,
        reason=ExpressionGap.Reason.SEVERAL_FACES,
        question_number=2,
        from_seconds=10,
        to_seconds=19,
    )
    client.force_login(candidate)

    html = client.get(reverse("analytics:report", args=[session.pk])).content.decode()
    first = html[html.index('data-testid="question-expressions-1"') :]
    first = first[: first.index("</div>")]
    assert 'listening <span class="expression">fear</span>' in first
    assert "changed fear → neutral → happy" in first
    second = html[html.index('data-testid="question-expressions-2"') :]
    assert "none seen" in second[: second.index("</div>")]
    assert "several faces in view for 10 s" in second[: second.index("</div>")]

    markdown = client.get(reverse("analytics:report_markdown", args=[session.pk])).content.decode()
    assert "Expressions: none seen (missing: several faces in view for 10 s)" in markdown
