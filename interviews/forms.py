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


JOB_DESCRIPTION_MAX_LENGTH = 20_000


def _skill_choices() -> list[tuple[str, str]]:
    from interviews.skills.extraction import vocabulary

    return [(skill.slug, skill.label) for skill in vocabulary()]


class JobInterviewForm(forms.Form):
    """Practise for one job: a pasted job description and an optional CV, read for skills (first step),
    then the skills the candidate keeps or adds (second step, `skills` and `added_skills`)."""

    candidate_name = StartInterviewForm.base_fields["candidate_name"]
    position = CatalogChoiceField(
        label="Closest position",
        choices=_choices_with_prompt(POSITIONS, "Choose a position…"),
        help_text="Shapes the general questions.",
        error_messages=StartInterviewForm.base_fields["position"].error_messages,
    )
    job_description = forms.CharField(
        label="Job description",
        max_length=JOB_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Paste the advert: title, responsibilities and requirements.",
        error_messages={
            "required": "Please paste the job description.",
            "max_length": f"Please paste at most {JOB_DESCRIPTION_MAX_LENGTH:,} characters of the description.",
        },
    )
    cv = forms.FileField(
        label="Your CV (optional)",
        required=False,
        help_text="PDF, DOCX or text, up to 5 MB. Only the skills it names are used.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.txt,.md"}),
    )
    # The CV's text from the first step, so the second step needs no second upload.
    cv_text = forms.CharField(required=False, widget=forms.HiddenInput, max_length=JOB_DESCRIPTION_MAX_LENGTH)
    keep_documents = forms.BooleanField(
        label="Keep my job description and CV with this interview (only I can see them)",
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
    )
    skills = forms.MultipleChoiceField(
        label="Skills to practise",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose skills from the list; add others in the box below."},
    )
    added_skills = forms.CharField(
        label="Add skills",
        required=False,
        max_length=500,
        help_text="Comma-separated, e.g. “Kubernetes, window functions”.",
    )
    # Set from the job's seniority once it is read; the first step does not show it.
    difficulty = forms.ChoiceField(
        label="Start difficulty",
        choices=DIFFICULTIES,
        required=False,
        widget=forms.RadioSelect,
        help_text="Set from the job's seniority; it then adapts to your answers.",
        error_messages={"invalid_choice": "Choose easy, medium or hard."},
    )
    consent_audio = StartInterviewForm.base_fields["consent_audio"]
    consent_video = StartInterviewForm.base_fields["consent_video"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "job_%s")  # the topic form beside it uses the plain ids
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = _skill_choices()

    clean_candidate_name = StartInterviewForm.clean_candidate_name

    @property
    def shown_skills(self) -> list:
        """The skill checkboxes to show: those extracted or chosen, not all of the vocabulary."""
        order = list(self.initial.get("skills", []))
        if hasattr(self.data, "getlist"):
            order += [slug for slug in self.data.getlist("skills") if slug not in order]
        boxes = [box for box in self["skills"] if box.data["value"] in order]
        return sorted(boxes, key=lambda box: order.index(box.data["value"]))
