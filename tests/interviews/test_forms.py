"""The start form: every bad input gets its own clear message, and what was typed is kept."""

from __future__ import annotations

import pytest

from interviews.forms import StartInterviewForm

VALID = {"candidate_name": "Ada Lovelace", "topic": "python", "position": "sde", "difficulty": "easy"}


def test_a_complete_form_is_valid_and_consents_default_to_off():
    form = StartInterviewForm(VALID)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {**VALID, "consent_audio": False, "consent_video": False}


def test_consents_are_read_from_the_switches():
    form = StartInterviewForm({**VALID, "consent_audio": "on", "consent_video": "on"})
    assert form.is_valid()
    assert form.cleaned_data["consent_audio"] is True and form.cleaned_data["consent_video"] is True


def test_empty_fields_each_get_their_own_message():
    form = StartInterviewForm({"candidate_name": "", "topic": "", "position": "", "difficulty": ""})
    assert not form.is_valid()
    assert form.errors == {
        "candidate_name": ["Please enter the name the interviewer should use."],
        "topic": ["Please choose a topic."],
        "position": ["Please choose the position you are preparing for."],
        "difficulty": ["Please choose a difficulty."],
    }


def test_a_name_of_only_spaces_is_no_name():
    form = StartInterviewForm({**VALID, "candidate_name": "   \t "})
    assert form.errors["candidate_name"] == ["Please enter the name the interviewer should use."]


def test_runs_of_spaces_inside_a_name_are_collapsed():
    form = StartInterviewForm({**VALID, "candidate_name": "  Ada    Lovelace "})
    assert form.is_valid()
    assert form.cleaned_data["candidate_name"] == "Ada Lovelace"


@pytest.mark.parametrize("length, valid", [(80, True), (81, False)])
def test_names_longer_than_80_characters_are_refused(length, valid):
    form = StartInterviewForm({**VALID, "candidate_name": "a" * length})
    assert form.is_valid() is valid
    if not valid:
        assert form.errors["candidate_name"] == ["Keep the name to 80 characters or fewer."]


def test_unknown_values_name_the_field_they_are_wrong_for():
    form = StartInterviewForm({**VALID, "topic": "cooking", "position": "astronaut", "difficulty": "extreme"})
    assert not form.is_valid()
    assert form.errors["topic"] == ["“cooking” is not one of our topics: choose one from the list."]
    assert form.errors["position"] == ["“astronaut” is not one of our positions: choose one from the list."]
    assert form.errors["difficulty"] == ["Choose easy, medium or hard."]


def test_an_oversized_unknown_topic_is_refused_without_echoing_it_in_full():
    form = StartInterviewForm({**VALID, "topic": "x" * 5000})
    assert not form.is_valid()
    message = form.errors["topic"][0]
    assert "not one of our topics" in message
    assert len(message) < 100


@pytest.mark.django_db
def test_the_form_prefills_profile_then_cohort_recommendation_then_an_explicit_link():
    from django.http import QueryDict

    from tests.factories import CohortMembershipFactory, UserFactory

    user = UserFactory(default_topic="sql", target_role="analyst", default_difficulty="easy")
    assert StartInterviewForm.initial_for(user)["topic"] == "sql"

    CohortMembershipFactory(
        user=user, cohort__recommended_topic="statistics", cohort__recommended_difficulty="hard"
    )
    initial = StartInterviewForm.initial_for(user)
    assert (initial["topic"], initial["position"], initial["difficulty"]) == ("statistics", "analyst", "hard")

    linked = StartInterviewForm.initial_for(user, QueryDict("topic=python&difficulty=nonsense"))
    assert (linked["topic"], linked["difficulty"]) == ("python", "hard")
