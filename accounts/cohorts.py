"""Cohort use-cases: an instructor creates a cohort and sets what to practise; candidates join and leave."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from accounts.models import Cohort, CohortMembership


class CohortError(Exception):
    """A join or leave that cannot happen; the message is safe to show to the candidate."""


def create_cohort(
    *,
    instructor,
    name: str,
    recommended_topic: str = "",
    recommended_position: str = "",
    recommended_difficulty: str = "",
) -> Cohort:
    if not instructor.is_instructor:
        raise PermissionDenied("Only instructors can create cohorts.")
    return Cohort.objects.create(
        name=name.strip(),
        instructor=instructor,
        recommended_topic=recommended_topic,
        recommended_position=recommended_position,
        recommended_difficulty=recommended_difficulty,
    )


def set_recommendation(*, cohort: Cohort, topic: str, position: str, difficulty: str) -> Cohort:
    """What the start form pre-fills for members (see accounts.selectors.recommended_settings_for)."""
    cohort.recommended_topic = topic
    cohort.recommended_position = position
    cohort.recommended_difficulty = difficulty
    cohort.save(update_fields=["recommended_topic", "recommended_position", "recommended_difficulty"])
    return cohort


def normalise_code(code: str) -> str:
    # Codes are read out in class: accept lower case and stray spaces or dashes.
    return "".join(ch for ch in code.upper() if ch.isalnum())


def join_cohort(*, user, code: str) -> Cohort:
    cohort = Cohort.objects.filter(join_code=normalise_code(code)).first()
    if cohort is None:
        raise CohortError("No cohort has this join code. Check it with your instructor.")
    if cohort.instructor_id == user.pk:
        raise CohortError("You teach this cohort, so you cannot join it as a candidate.")
    try:
        with transaction.atomic():
            _, created = CohortMembership.objects.get_or_create(cohort=cohort, user=user)
    except IntegrityError:  # a double submit raced us: the membership exists, which is what we want
        created = False
    if not created:
        raise CohortError(f"You are already a member of {cohort.name}.")
    return cohort


def leave_cohort(*, user, cohort: Cohort) -> None:
    deleted, _ = CohortMembership.objects.filter(cohort=cohort, user=user).delete()
    if not deleted:
        raise CohortError(f"You are not a member of {cohort.name}.")
