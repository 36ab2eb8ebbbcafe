"""Template filters of the analytics pages: catalogue labels and 0-1 ratios as percentages."""
from urllib.parse import urlencode

from django import template

from analytics.exports import format_metric
from interviews.catalog import DIFFICULTY_LABELS, POSITION_LABELS, topic_label

register = template.Library()


@register.filter
def position_label(slug: str) -> str:
    return POSITION_LABELS.get(slug, slug)


@register.filter(name="topic_label")
def topic_label_filter(slug: str) -> str:
    return topic_label(slug)


@register.filter
def difficulty_label(slug: str) -> str:
    return DIFFICULTY_LABELS.get(slug, slug)


@register.filter
def percent(ratio) -> str:
    """0.734 -> "73%"; no value -> "–" (a session without a report has no accuracy yet)."""
    if ratio is None or ratio == "":
        return "–"
    return f"{round(float(ratio) * 100)}%"


@register.filter
def urlencode_dict(values: dict) -> str:
    """{"topic": "sql"} -> "topic=sql", to pre-fill the start form from a recommendation."""
    return urlencode(values)


@register.filter
def metric(value) -> str:
    """Speaking metrics: a rate like 0.05 fillers per word needs decimals, 131 words/min does not."""
    return format_metric(value)
