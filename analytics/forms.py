"""Forms of the analytics pages: the CSV export filters (the cohort forms are in accounts.forms)."""

from __future__ import annotations

from django import forms


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
