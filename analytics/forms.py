"""Forms of the cohort pages and of the CSV export filters."""

from __future__ import annotations

from django import forms

from accounts.models import Cohort


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


class ExportFilterForm(forms.Form):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD&topic=slug; `from` is a Python keyword, hence the `from_` field."""

    from_ = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    topic = forms.CharField(required=False, max_length=80)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"from_": data.get("from", ""), "to": data.get("to", ""), "topic": data.get("topic", "")}
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from_"), cleaned.get("to")
        if start and end and start > end:
            raise forms.ValidationError("`from` must not be after `to`.")
        return cleaned
