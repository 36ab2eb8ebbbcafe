"""The fixed vocabularies of an interview: topics, positions, difficulties (plain Python, no Django)."""

from __future__ import annotations

# Slugs are stored in the database and used by the question bank; labels are shown to people.
TOPICS: list[tuple[str, str]] = [
    ("machine-learning", "Machine Learning"),
    ("data-science", "Data Science"),
    ("python", "Python"),
    ("sql", "SQL"),
    ("statistics", "Statistics"),
    ("dsa", "Data Structures and Algorithms"),
    ("system-design", "System Design"),
    ("web-development", "Web Development"),
    ("java", "Java"),
    ("cloud-devops", "Cloud and DevOps"),
    ("product-analysis", "Product and Business Analysis"),
    ("behavioural", "Behavioural"),
]

POSITIONS: list[tuple[str, str]] = [
    ("sde", "Software Development Engineer"),
    ("data-scientist", "Data Scientist"),
    ("ml-engineer", "Machine Learning Engineer"),
    ("analyst", "Data / Business Analyst"),
    ("devops", "DevOps / Cloud Engineer"),
    ("web-developer", "Web Developer"),
    ("product-manager", "Product Manager"),
]

DIFFICULTIES: list[tuple[str, str]] = [("easy", "Easy"), ("medium", "Medium"), ("hard", "Hard")]

TOPIC_LABELS = dict(TOPICS)
POSITION_LABELS = dict(POSITIONS)
DIFFICULTY_LABELS = dict(DIFFICULTIES)


def topic_label(slug: str) -> str:
    """A topic's display name; free-text topics (LLM-generated interviews) are shown as typed."""
    return TOPIC_LABELS.get(slug, slug)
