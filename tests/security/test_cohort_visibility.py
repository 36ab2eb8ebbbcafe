"""Issue 8 §5: a cohort member shares with the instructor only the interviews started after joining."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import CohortMembership
from tests.factories import (
    CohortFactory,
    CohortMembershipFactory,
    UserFactory,
    finished_interview,
    make_instructor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def timeline(settings, tmp_path):
    """A candidate who practised 10 days ago, joined the cohort 5 days ago and practised again yesterday."""
    settings.MEDIA_ROOT = tmp_path
    instructor = make_instructor(username="coach")
    candidate = UserFactory(username="late_joiner")
    cohort = CohortFactory(name="Autumn", instructor=instructor)
    before = finished_interview(owner=candidate, topic="sql", days_ago=10, consent_audio=True)
    after = finished_interview(owner=candidate, topic="python", days_ago=1, consent_audio=True)
    membership = CohortMembershipFactory(cohort=cohort, user=candidate)
    CohortMembership.objects.filter(pk=membership.pk).update(joined_at=timezone.now() - timedelta(days=5))
    for session in (before, after):
        turn = session.turns.first()
        turn.audio.save("answer.webm", ContentFile(b"\x1aE\xdf\xa3 answer"))
    return instructor, cohort, before, after


def _csv_session_ids(response) -> set[str]:
    body = b"".join(response.streaming_content).decode()
    return {row["session_id"] for row in csv.DictReader(io.StringIO(body))}


def test_instructor_cannot_open_the_report_of_an_interview_taken_before_joining(client, timeline):
    instructor, _, before, after = timeline
    client.force_login(instructor)

    assert client.get(reverse("analytics:report", args=[before.pk])).status_code == 404
    assert client.get(reverse("analytics:report_markdown", args=[before.pk])).status_code == 404
    assert client.get(reverse("analytics:report", args=[after.pk])).status_code == 200


def test_instructor_cannot_play_a_recording_made_before_the_member_joined(client, timeline):
    instructor, _, before, after = timeline
    client.force_login(instructor)

    assert client.get(reverse("interviews:turn_audio", args=[before.turns.first().pk])).status_code == 404
    assert client.get(reverse("interviews:turn_audio", args=[after.turns.first().pk])).status_code == 200


def test_cohort_dashboard_leaves_out_interviews_taken_before_joining(client, timeline):
    instructor, cohort, before, after = timeline
    client.force_login(instructor)

    dashboard = client.get(reverse("analytics:cohort_detail", args=[cohort.pk])).context["dashboard"]

    assert dashboard.session_count == 1
    assert [s.pk for s in dashboard.recent_sessions] == [after.pk]
    assert [stat.key for stat in dashboard.by_topic] == ["python"]
    assert dashboard.members[0].sessions == 1


@pytest.mark.parametrize("export", ["analytics:export_sessions", "analytics:export_answers"])
def test_csv_exports_leave_out_interviews_taken_before_joining(client, timeline, export):
    instructor, cohort, before, after = timeline
    client.force_login(instructor)

    assert _csv_session_ids(client.get(reverse(export, args=[cohort.pk]))) == {str(after.pk)}


def test_the_candidate_still_sees_every_interview_of_their_own(client, timeline):
    _, _, before, _ = timeline
    client.force_login(before.owner)

    assert client.get(reverse("analytics:report", args=[before.pk])).status_code == 200


def test_the_join_page_says_earlier_interviews_stay_private(client, timeline):
    _, cohort, _, _ = timeline
    client.force_login(UserFactory())

    page = client.get(reverse("analytics:cohort_join_link", args=[cohort.join_code])).content.decode()

    assert "before joining stay private" in page
