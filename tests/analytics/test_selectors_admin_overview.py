import pytest
from django.urls import reverse

from analytics.selectors import admin_overview
from interviews.models import InterviewSession
from tests.factories import UserFactory, finished_interview, make_instructor

pytestmark = pytest.mark.django_db


def test_staff_see_sessions_per_day_accuracy_by_topic_and_fallbacks(client):
    finished_interview(
        topic="sql",
        accuracy=0.5,
        fallback_count=2,
        providers={"stt": "FasterWhisperSTT", "llm": "HuggingFaceLLM"},
    )
    finished_interview(topic="sql", accuracy=1.0, providers={"stt": "FasterWhisperSTT", "llm": "EmbeddedLLM"})
    finished_interview(topic="python", accuracy=0.0, days_ago=40)  # outside the 30-day window
    client.force_login(UserFactory(is_staff=True))

    response = client.get(reverse("analytics:admin_overview"))

    assert response.status_code == 200
    overview = response.context["overview"]
    assert len(overview.days) == 30 and overview.days[-1][1] == 2 and overview.session_count == 2
    assert {s.key: s.accuracy for s in overview.by_topic} == {"python": 0.0, "sql": 0.75}
    assert (overview.fallback_total, overview.sessions_with_fallback) == (2, 1)
    assert overview.providers == [
        ("llm", "EmbeddedLLM", 1),
        ("llm", "HuggingFaceLLM", 1),
        ("stt", "FasterWhisperSTT", 2),
    ]
    html = response.content.decode()
    assert "Analytics overview" in html and "FasterWhisperSTT" in html and 'id="admin-days"' in html


@pytest.mark.parametrize("make_user", [UserFactory, make_instructor])
def test_non_staff_are_refused(client, make_user):
    client.force_login(make_user())

    response = client.get(reverse("analytics:admin_overview"))

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_admin_index_links_to_the_overview(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    assert reverse("analytics:admin_overview") in html


def test_overview_on_an_empty_site_is_zero_filled():
    overview = admin_overview(days=7)

    assert [n for _, n in overview.days] == [0] * 7
    assert overview.fallback_total == 0 and overview.providers == []
    assert not InterviewSession.objects.exists()


def test_a_provider_that_refuses_its_configuration_is_listed_for_the_administrator(admin_client):
    from interviews.ai.llm import GuardedChat, LLMError, OpenAICompatibleChat
    from tests.interviews.ai.conftest import FakeProvider

    server = FakeProvider()
    server.thread.start()
    server.answer_json({"error": {"message": "Incorrect API key provided: sk-wrong"}}, status=401)
    llm = GuardedChat(OpenAICompatibleChat(base_url=server.url + "/v1", model="gpt-4o-mini", timeout=5.0))
    try:
        for _ in range(3):
            with pytest.raises(LLMError):
                llm.chat([{"role": "user", "content": "Ask me a question."}])
    finally:
        server.server.shutdown()
        server.server.server_close()

    response = admin_client.get(reverse("analytics:admin_overview"))

    problems = response.context["overview"].configuration_problems
    assert [(p.service, p.backend, p.status, p.count) for p in problems] == [
        ("llm", "OpenAICompatibleChat", 401, 1)
    ]
    html = response.content.decode()
    assert 'id="configuration-errors"' in html and "Incorrect API key provided" in html
