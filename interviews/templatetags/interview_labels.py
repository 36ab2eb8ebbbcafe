"""Template filters that turn catalog slugs (topic, position, difficulty) into their display names."""

from django import template

from interviews.catalog import DIFFICULTY_LABELS, POSITION_LABELS, topic_label
from interviews.text import rich_text

register = template.Library()


@register.filter(name="topic_label")
def topic_label_filter(slug: str) -> str:
    return topic_label(slug)


@register.filter
def position_label(slug: str) -> str:
    return POSITION_LABELS.get(slug, slug)


@register.filter
def difficulty_label(slug: str) -> str:
    return DIFFICULTY_LABELS.get(slug, slug)


@register.filter
def inline_code(text: str) -> str:
    """Bank text with `backtick` spans shown as <code> (escaped otherwise)."""
    return rich_text(text)
