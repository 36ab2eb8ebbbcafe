"""Forms of the account pages: the interview preferences a candidate keeps in their profile, and cohorts."""

from django import forms

from accounts.models import Cohort, User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "display_name",
            "target_role",
            "default_topic",
            "default_difficulty",
            "review_missed_questions",
        ]
        labels = {
            "display_name": "Name the interviewer uses",
            "target_role": "Position you are preparing for",
            "default_topic": "Usual topic",
            "default_difficulty": "Usual difficulty",
            "review_missed_questions": "Bring back questions I missed, a few days later",
        }
        help_texts = {
            "display_name": "Pre-fills the start form; leave empty to use your username.",
            "review_missed_questions": "Spaced repetition: up to two missed questions return in a later interview.",
        }
        error_messages = {
            "display_name": {"max_length": "Keep the name to 80 characters or fewer."},
            "target_role": {"invalid_choice": "Choose a position from the list."},
            "default_topic": {"invalid_choice": "Choose a topic from the list."},
            "default_difficulty": {"invalid_choice": "Choose easy, medium or hard."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ["target_role", "default_topic", "default_difficulty"]:
            self.fields[name].choices = [("", "No preference"), *self.fields[name].choices[1:]]

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "recommended_topic", "recommended_position", "recommended_difficulty"]
        labels = {
            "recommended_topic": "Recommended topic",
            "recommended_position": "Recommended position",
            "recommended_difficulty": "Recommended difficulty",
        }


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["recommended_topic", "recommended_position", "recommended_difficulty"]
        labels = CohortForm.Meta.labels


class JoinForm(forms.Form):
    code = forms.CharField(label="Join code", max_length=20)


class DeleteMyDataForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that my interviews, recordings, transcripts, expression samples, job descriptions "
        "and CVs are deleted for good",
        error_messages={"required": "Tick the box to confirm: deleted data cannot be brought back."},
    )
    delete_account = forms.BooleanField(label="Also delete my account", required=False)
