"""Interview pages: start, history and detail, and who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from interviews.models import InterviewSession, Question
from tests.factories import (
    CohortMembershipFactory,
    InterviewSessionFactory,
    QuestionFactory,
    ReportFactory,
    TurnFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
START = {"candidate_name": "Ada", "topic": "python", "position": "sde", "difficulty": "easy"}


@pytest.fixture
def candidate(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize("name", ["interviews:history", "interviews:start"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={reverse(name)}"


def test_anonymous_visitors_cannot_open_an_interview(client):
    session = InterviewSessionFactory()
    response = client.get(reverse("interviews:detail", args=[session.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_start_creates_an_interview_and_opens_it(client, candidate):
    QuestionFactory.create_batch(3, kind=Question.Kind.GENERAL, topic="")
    QuestionFactory.create_batch(6)
    response = client.post(reverse("interviews:start"), {**START, "consent_audio": "on"})
    session = InterviewSession.objects.get(owner=candidate)
    assert response.status_code == 302
    assert response["Location"] == reverse("interviews:detail", args=[session.pk])
    assert (session.candidate_name, session.topic, session.position, session.difficulty) == (
        "Ada",
        "python",
        "sde",
        "easy",
    )
    assert session.consent_audio is True and session.consent_video is False
    assert session.status == InterviewSession.Status.IN_PROGRESS


def test_start_shows_every_error_and_keeps_what_was_typed(client, candidate):
    response = client.post(
        reverse("interviews:start"),
        {"candidate_name": "x" * 81, "topic": "cooking", "position": "sde", "difficulty": "hard"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Keep the name to 80 characters or fewer." in page
    assert "is not one of our topics" in page
    assert f'value="{"x" * 81}"' in page
    assert '<option value="sde" selected>' in page
    assert 'value="hard"' in page and "checked" in page
    assert not InterviewSession.objects.exists()


def test_start_explains_when_the_topic_has_no_questions_and_saves_nothing(client, candidate):
    # A curated bank where every Python question was deactivated in the admin.
    QuestionFactory(topic="python", is_active=False)
    QuestionFactory(topic="sql")
    response = client.post(reverse("interviews:start"), START)
    assert response.status_code == 200
    assert "no questions for this topic" in response.content.decode()
    assert not InterviewSession.objects.exists()


def test_history_lists_only_my_interviews_with_their_accuracy(client, candidate):
    mine = ReportFactory(session__owner=candidate, accuracy=0.75, session__topic="sql").session
    open_one = InterviewSessionFactory(owner=candidate, topic="statistics")
    InterviewSessionFactory(topic="java")  # someone else's
    response = client.get(reverse("interviews:history"))
    page = response.content.decode()
    assert [s.pk for s in response.context["page"].object_list] == [open_one.pk, mine.pk]
    assert "SQL" in page and "75%" in page and "Statistics" in page
    assert "Java" not in page
    assert "Software Development Engineer" in page


def test_history_is_paginated_ten_at_a_time(client, candidate, django_assert_max_num_queries):
    InterviewSessionFactory.create_batch(23, owner=candidate)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("interviews:history"))
    assert len(first.context["page"].object_list) == 10
    last = client.get(reverse("interviews:history"), {"page": 3})
    assert len(last.context["page"].object_list) == 3
    assert "Page 3 of 3" in last.content.decode()
    assert client.get(reverse("interviews:history"), {"page": "nonsense"}).status_code == 200


def test_history_invites_a_first_interview_when_empty(client, candidate):
    assert "Start your first interview" in client.get(reverse("interviews:history")).content.decode()


def test_someone_elses_interview_is_not_found(client, candidate):
    other = InterviewSessionFactory()
    assert client.get(reverse("interviews:detail", args=[other.pk])).status_code == 404


def test_an_open_interview_goes_to_the_live_page(client, candidate):
    session = InterviewSessionFactory(owner=candidate)
    response = client.get(reverse("interviews:detail", args=[session.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("interviews:live", args=[session.pk])


def test_a_finished_interview_goes_to_its_report(client, candidate):
    session = InterviewSessionFactory(owner=candidate, status=InterviewSession.Status.FINISHED)
    response = client.get(reverse("interviews:detail", args=[session.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:report", args=[session.pk])


def test_nav_links_to_progress_and_cohorts(client, candidate):
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("analytics:dashboard")}"' in page
    assert f'href="{reverse("analytics:cohorts")}"' in page
    assert candidate.name_to_show in page


def test_home_page_explains_the_product_to_visitors(client):
    page = client.get(reverse("home")).content.decode()
    assert "Candidates" in page and "Instructors" in page and "Administrators" in page
    assert reverse("account_signup") in page


@pytest.fixture
def stored_answer(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    turn = TurnFactory(session__consent_audio=True)
    turn.audio.save("answer.webm", ContentFile(b"\x1aE\xdf\xa3 fake webm bytes"))
    return turn


def test_a_stored_answer_plays_for_its_candidate(client, stored_answer):
    client.force_login(stored_answer.session.owner)
    response = client.get(reverse("interviews:turn_audio", args=[stored_answer.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/webm"
    assert b"".join(response.streaming_content).startswith(b"\x1aE\xdf\xa3")


def test_a_stored_answer_is_not_found_for_other_candidates(client, candidate, stored_answer):
    assert client.get(reverse("interviews:turn_audio", args=[stored_answer.pk])).status_code == 404


def test_a_stored_answer_plays_for_the_candidates_instructor_only(client, stored_answer):
    from django.contrib.auth.models import Group

    from accounts.models import INSTRUCTOR_GROUP

    membership = CohortMembershipFactory(
        user=stored_answer.session.owner, joined_at=stored_answer.session.started_at - timedelta(minutes=1)
    )
    stranger_instructor = UserFactory()
    for instructor in (membership.cohort.instructor, stranger_instructor):
        instructor.groups.add(Group.objects.get(name=INSTRUCTOR_GROUP))
    url = reverse("interviews:turn_audio", args=[stored_answer.pk])
    client.force_login(membership.cohort.instructor)
    assert client.get(url).status_code == 200
    client.force_login(stranger_instructor)
    assert client.get(url).status_code == 404


def test_a_turn_without_audio_has_nothing_to_play(client, candidate):
    turn = TurnFactory(session__owner=candidate)
    assert client.get(reverse("interviews:turn_audio", args=[turn.pk])).status_code == 404
