"""Which job skills a bank question trains, and which questions best cover a set of skills (plain Python)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from interviews.skills.extraction import Skill, lexical_matches, vocabulary


def skills_of_question(
    *, topic: str, text: str, key_points: Sequence[str] = (), reference_answer: str = ""
) -> set[str]:
    """Slugs of the skills a question trains: those its words name, within its topic or not, plus the
    skill that is its whole topic ("sql" for every SQL question)."""
    words = " ".join([text, *key_points, reference_answer])
    found = {skill.slug for skill in lexical_matches(words)}
    found |= {skill.slug for skill in vocabulary() if skill.slug == topic}
    return found


def topics_of(skills: Iterable[Skill]) -> list[str]:
    """The bank topics that train these skills, in the order the skills come."""
    return list(dict.fromkeys(skill.topic for skill in skills))


def coverage_gain(question_skills: set[str], wanted: Sequence[str], covered: set[str]) -> float:
    """How much asking this question adds: the wanted skills it trains that no asked question did yet,
    the more important ones (earlier in `wanted`) counting more."""
    gain = 0.0
    for rank, slug in enumerate(wanted):
        if slug in question_skills and slug not in covered:
            gain += 1.0 / (1 + 0.1 * rank)
    return gain
