"""The start-an-interview form: who is interviewed, on what, how hard, and what they consent to."""

from __future__ import annotations

from django import forms
from django.utils.text import Truncator

from accounts.selectors import recommended_settings_for
from interviews.catalog import DIFFICULTIES, POSITIONS, TOPICS

NAME_MAX_LENGTH = 80  # InterviewSession.candidate_name


def _choices_with_prompt(choices: list[tuple[str, str]], prompt: str) -> list[tuple[str, str]]:
    return [("", prompt), *choices]


class CatalogChoiceField(forms.ChoiceField):
    """A choice from the catalog whose error quotes at most the start of an unknown value."""

    def validate(self, value):
        if value and not self.valid_value(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": Truncator(value).chars(30)},
            )
        super().validate(value)


class StartInterviewForm(forms.Form):
    candidate_name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        help_text="The interviewer greets you with it.",
        error_messages={
            "required": "Please enter the name the interviewer should use.",
            "max_length": f"Keep the name to {NAME_MAX_LENGTH} characters or fewer.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    topic = CatalogChoiceField(
        label="Topic",
        choices=_choices_with_prompt(TOPICS, "Choose a topic…"),
        error_messages={
            "required": "Please choose a topic.",
            "invalid_choice": "“%(value)s” is not one of our topics: choose one from the list.",
        },
    )
    position = CatalogChoiceField(
        label="Position",
        choices=_choices_with_prompt(POSITIONS, "Choose a position…"),
        error_messages={
            "required": "Please choose the position you are preparing for.",
            "invalid_choice": "“%(value)s” is not one of our positions: choose one from the list.",
        },
    )
    difficulty = forms.ChoiceField(
        label="Difficulty",
        choices=DIFFICULTIES,
        initial="medium",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose a difficulty.",
            "invalid_choice": "Choose easy, medium or hard.",
        },
    )
    consent_audio = forms.BooleanField(
        label="Store my spoken answers so I (and my instructor) can replay them",
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
    )
    consent_video = forms.BooleanField(
        label="Analyse my facial expressions from the webcam during the interview",
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
    )

    def clean_candidate_name(self) -> str:
        # Collapse runs of spaces; a name of only spaces is no name.
        name = " ".join(self.cleaned_data["candidate_name"].split())
        if not name:
            raise forms.ValidationError(self.fields["candidate_name"].error_messages["required"])
        return name

    @classmethod
    def initial_for(cls, user, query=None) -> dict[str, str]:
        """Pre-fill so a regular only has to press Start: the candidate's profile, overridden by their
        cohort's recommendation, overridden by an explicit link (?topic=&position=&difficulty=)."""
        initial = {
            "candidate_name": user.display_name or user.get_full_name() or user.username,
            "topic": user.default_topic,
            "position": user.target_role,
            "difficulty": user.default_difficulty or "medium",
        }
        initial.update(recommended_settings_for(user))
        allowed = {"topic": dict(TOPICS), "position": dict(POSITIONS), "difficulty": dict(DIFFICULTIES)}
        for key, choices in allowed.items():
            if query and query.get(key) in choices:
                initial[key] = query[key]
        return initial
