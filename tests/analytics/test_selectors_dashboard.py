import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.selectors import recommended_settings_for
from analytics.selectors import candidate_dashboard
from tests.factories import CohortFactory, CohortMembershipFactory, UserFactory, finished_interview

pytestmark = pytest.mark.django_db

DASHBOARD_MAX_QUERIES = 10


def test_a_new_user_is_invited_to_start_a_first_interview(client, candidate):
    client.force_login(candidate)

    html = client.get(reverse("analytics:dashboard")).content.decode()

    assert "Start your first interview" in html
    assert reverse("interviews:start") in html
    assert "chart.umd.min.js" not in html


def test_dashboard_charts_accuracy_by_session_topic_and_difficulty(client, candidate):
    finished_interview(owner=candidate, topic="python", difficulty="easy", accuracy=0.9, days_ago=3)
    finished_interview(owner=candidate, topic="sql", difficulty="medium", accuracy=0.3, days_ago=2)
    finished_interview(owner=candidate, topic="sql", difficulty="medium", accuracy=0.5, days_ago=1)
    finished_interview(topic="sql", accuracy=0.0)  # someone else's: must not count
    client.force_login(candidate)

    response = client.get(reverse("analytics:dashboard"))

    charts = response.context["charts"]
    assert charts["accuracy-by-session"]["data"]["datasets"][0]["data"] == [90.0, 30.0, 50.0]
    by_topic = dict(
        zip(
            charts["accuracy-by-topic"]["data"]["labels"],
            charts["accuracy-by-topic"]["data"]["datasets"][0]["data"],
            strict=True,
        )
    )
    assert by_topic == {"Python": 90.0, "SQL": 40.0}
    assert charts["accuracy-by-difficulty"]["data"]["labels"] == ["Easy", "Medium"]
    assert charts["speaking-trend"]["data"]["datasets"][0]["data"] == [120.0, 120.0, 120.0]
    assert charts["expression-mix"]["data"]["labels"] == ["neutral", "happy"]
    html = response.content.decode()
    # The chart data travels as JSON in json_script elements, read by the vendored Chart.js.
    script = html.split('id="accuracy-by-topic" type="application/json">')[1].split("</script>")[0]
    assert json.loads(script)["type"] == "bar"
    assert "/static/vendor/chartjs/chart.umd.min.js" in html
    assert "Practise next" in html and "SQL" in html


def test_the_weakest_topic_is_suggested_next():
    user = UserFactory()
    finished_interview(owner=user, topic="python", accuracy=0.9)
    finished_interview(owner=user, topic="sql", difficulty="medium", accuracy=0.4)

    dashboard = candidate_dashboard(user=user)

    assert dashboard.best_topic.key == "python"
    assert dashboard.weakest_topic.key == "sql"
    assert (dashboard.suggestion.topic, dashboard.suggestion.difficulty) == ("sql", "medium")


def test_a_mastered_topic_suggests_the_next_difficulty():
    user = UserFactory()
    finished_interview(owner=user, topic="python", difficulty="easy", accuracy=1.0)

    suggestion = candidate_dashboard(user=user).suggestion

    assert (suggestion.topic, suggestion.difficulty) == ("python", "medium")


def test_an_unpractised_cohort_recommendation_is_suggested_first():
    user = UserFactory()
    cohort = CohortFactory(recommended_topic="statistics", recommended_difficulty="hard")
    CohortMembershipFactory(cohort=cohort, user=user)
    finished_interview(owner=user, topic="python", accuracy=0.2)

    suggestion = candidate_dashboard(user=user).suggestion

    assert (suggestion.topic, suggestion.difficulty) == ("statistics", "hard")


def test_recommended_settings_come_from_the_latest_cohort_that_recommends_something():
    user = UserFactory()
    assert recommended_settings_for(user) == {}
    CohortMembershipFactory(
        user=user, cohort=CohortFactory(recommended_topic="sql", recommended_position="analyst")
    )
    CohortMembershipFactory(user=user, cohort=CohortFactory())  # joined later, recommends nothing

    assert recommended_settings_for(user) == {"topic": "sql", "position": "analyst"}


def _dashboard_queries(client, user, sessions: int, django_assert_max_num_queries) -> int:
    for i in range(sessions):
        finished_interview(owner=user, topic=["python", "sql", "dsa"][i % 3], accuracy=i / sessions)
    client.force_login(user)
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES), CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("analytics:dashboard")).status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow_with_sessions(client, django_assert_max_num_queries):
    few = _dashboard_queries(client, UserFactory(), 3, django_assert_max_num_queries)
    many = _dashboard_queries(client, UserFactory(), 30, django_assert_max_num_queries)

    assert few == many
