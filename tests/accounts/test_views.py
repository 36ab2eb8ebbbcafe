"""The profile page: interview preferences that pre-fill the start form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CohortMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_update_saves_the_preferences(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "  Ada   Lovelace ",
            "target_role": "data-scientist",
            "default_topic": "statistics",
            "default_difficulty": "hard",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.target_role, user.default_topic, user.default_difficulty) == (
        "Ada Lovelace", "data-scientist", "statistics", "hard",
    )  # fmt: skip
    assert "Profile saved" in client.get(reverse("accounts:profile")).content.decode()


def test_profile_rejects_unknown_choices_and_keeps_what_was_typed(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Ada",
            "target_role": "astronaut",
            "default_topic": "cooking",
            "default_difficulty": "extreme",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "target_role": ["Choose a position from the list."],
        "default_topic": ["Choose a topic from the list."],
        "default_difficulty": ["Choose easy, medium or hard."],
    }
    assert 'value="Ada"' in response.content.decode()
    user.refresh_from_db()
    assert user.target_role == ""


def test_profile_lists_the_cohorts_the_user_belongs_to(client):
    membership = CohortMembershipFactory(cohort__name="Spring bootcamp")
    client.force_login(membership.user)
    assert "Spring bootcamp" in client.get(reverse("accounts:profile")).content.decode()


def test_profile_prefills_the_start_form(client):
    user = UserFactory(
        display_name="Ada",
        target_role="ml-engineer",
        default_topic="machine-learning",
        default_difficulty="hard",
    )
    client.force_login(user)
    form = client.get(reverse("interviews:start")).context["form"]
    assert form.initial == {
        "candidate_name": "Ada", "topic": "machine-learning", "position": "ml-engineer", "difficulty": "hard",
    }  # fmt: skip
