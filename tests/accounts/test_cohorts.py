from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Cohort, CohortMembership
from tests.factories import (
    CohortFactory,
    CohortMembershipFactory,
    UserFactory,
    finished_interview,
    make_instructor,
)

pytestmark = pytest.mark.django_db


def test_an_instructor_creates_a_cohort_and_sees_its_join_code(client, instructor):
    client.force_login(instructor)

    response = client.post(
        reverse("analytics:cohort_create"), {"name": "Data bootcamp", "recommended_topic": "sql"}, follow=True
    )

    cohort = Cohort.objects.get(name="Data bootcamp")
    assert cohort.instructor == instructor and cohort.recommended_topic == "sql"
    html = response.content.decode()
    assert cohort.join_code in html
    assert reverse("analytics:cohort_join_link", args=[cohort.join_code]) in html


def test_a_candidate_cannot_create_a_cohort(client, candidate):
    client.force_login(candidate)

    assert client.get(reverse("analytics:cohort_create")).status_code == 403
    assert client.post(reverse("analytics:cohort_create"), {"name": "Mine"}).status_code == 403
    assert not Cohort.objects.exists()


def test_a_candidate_joins_with_the_code_in_any_case_and_leaves(client, candidate, instructor):
    cohort = CohortFactory(instructor=instructor, name="Evening class")
    client.force_login(candidate)

    response = client.post(reverse("analytics:cohort_join"), {"code": cohort.join_code.lower()}, follow=True)

    assert CohortMembership.objects.filter(cohort=cohort, user=candidate).exists()
    assert "You joined Evening class." in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("analytics:cohort_detail", args=[cohort.pk])

    client.post(reverse("analytics:cohort_leave", args=[cohort.pk]))

    assert not CohortMembership.objects.filter(cohort=cohort, user=candidate).exists()


def test_a_wrong_code_joins_nothing_and_says_so(client, candidate):
    client.force_login(candidate)

    response = client.post(reverse("analytics:cohort_join"), {"code": "NOPE2345"}, follow=True)

    assert "No cohort has this join code" in response.content.decode()
    assert not CohortMembership.objects.exists()


def test_the_join_link_asks_for_confirmation_then_joins(client, candidate, instructor):
    cohort = CohortFactory(instructor=instructor, name="Link class")
    url = reverse("analytics:cohort_join_link", args=[cohort.join_code])
    client.force_login(candidate)

    page = client.get(url)
    assert page.status_code == 200 and "Join Link class" in page.content.decode()
    assert not CohortMembership.objects.exists()

    client.post(url)
    assert CohortMembership.objects.filter(cohort=cohort, user=candidate).exists()


def test_the_join_link_needs_a_login(client, instructor):
    cohort = CohortFactory(instructor=instructor)

    response = client.get(reverse("analytics:cohort_join_link", args=[cohort.join_code]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_joining_twice_keeps_one_membership(client, cohort, candidate):
    client.force_login(candidate)

    response = client.post(reverse("analytics:cohort_join"), {"code": cohort.join_code}, follow=True)

    assert "already a member" in response.content.decode()
    assert CohortMembership.objects.filter(cohort=cohort, user=candidate).count() == 1


def test_a_member_sees_the_cohort_but_not_its_dashboard(client, cohort, candidate):
    client.force_login(candidate)

    response = client.get(reverse("analytics:cohort_detail", args=[cohort.pk]))

    assert response.status_code == 200
    assert "Leave this cohort" in response.content.decode()
    assert "Export sessions" not in response.content.decode()


def test_instructor_a_cannot_see_cohort_b(client, cohort):
    other = make_instructor()
    client.force_login(other)

    assert client.get(reverse("analytics:cohort_detail", args=[cohort.pk])).status_code == 404
    assert cohort.name not in client.get(reverse("analytics:cohorts")).content.decode()


def test_cohort_dashboard_shows_members_averages_and_inactive_members(client, cohort, instructor, candidate):
    finished_interview(owner=candidate, topic="sql", difficulty="hard", accuracy=0.6, days_ago=1)
    finished_interview(owner=candidate, topic="python", accuracy=0.2, days_ago=3)
    idle = UserFactory(username="bob")
    CohortMembershipFactory(cohort=cohort, user=idle, joined_at=timezone.now() - timedelta(days=30))
    finished_interview(owner=idle, topic="sql", accuracy=1.0, days_ago=20)
    finished_interview(topic="sql", accuracy=0.0)  # not a member: not counted
    client.force_login(instructor)

    response = client.get(reverse("analytics:cohort_detail", args=[cohort.pk]))

    dashboard = response.context["dashboard"]
    assert dashboard.session_count == 3
    assert {m.name: (m.sessions, m.inactive) for m in dashboard.members} == {
        "alice": (2, False),
        "bob": (1, True),
    }
    assert {s.key: round(s.accuracy, 2) for s in dashboard.by_topic} == {"python": 0.2, "sql": 0.8}
    assert [s.key for s in dashboard.by_difficulty] == ["easy", "hard"]
    html = response.content.decode()
    assert "(inactive)" in html and cohort.join_code in html


def test_the_instructor_sets_the_recommendation_members_start_with(client, cohort, instructor, candidate):
    from accounts.selectors import recommended_settings_for

    client.force_login(instructor)

    client.post(
        reverse("analytics:cohort_detail", args=[cohort.pk]),
        {
            "recommended_topic": "dsa",
            "recommended_position": "sde",
            "recommended_difficulty": "hard",
        },
    )

    assert recommended_settings_for(candidate) == {"topic": "dsa", "position": "sde", "difficulty": "hard"}


def test_a_member_cannot_change_the_recommendation(client, cohort, candidate):
    client.force_login(candidate)

    client.post(reverse("analytics:cohort_detail", args=[cohort.pk]), {"recommended_topic": "dsa"})

    cohort.refresh_from_db()
    assert cohort.recommended_topic == ""


def _cohort_queries(client, members: int, sessions_each: int, django_assert_max_num_queries) -> int:
    instructor = make_instructor()
    cohort = CohortFactory(instructor=instructor)
    for _ in range(members):
        member = UserFactory()
        CohortMembershipFactory(cohort=cohort, user=member)
        for _ in range(sessions_each):
            finished_interview(owner=member)
    client.force_login(instructor)
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("analytics:cohort_detail", args=[cohort.pk])).status_code == 200
    return len(ctx.captured_queries)


def test_cohort_dashboard_query_count_does_not_grow_with_sessions(client, django_assert_max_num_queries):
    few = _cohort_queries(client, 1, 3, django_assert_max_num_queries)
    many = _cohort_queries(client, 6, 5, django_assert_max_num_queries)

    assert few == many


def test_member_names_are_escaped_in_the_members_table(client, cohort, instructor):
    CohortMembershipFactory(cohort=cohort, user=UserFactory(display_name="<script>alert(1)</script>"))
    client.force_login(instructor)

    html = client.get(reverse("analytics:cohort_detail", args=[cohort.pk])).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_staff_manage_every_cohort(client, cohort):
    client.force_login(UserFactory(is_staff=True))

    assert (
        client.get(reverse("analytics:cohort_detail", args=[cohort.pk])).context["dashboard"].cohort == cohort
    )
    assert client.get(reverse("analytics:export_sessions", args=[cohort.pk])).status_code == 200
