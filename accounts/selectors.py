"""Reads about cohorts: which ones a user teaches or joined, what they recommend, where a new interview goes."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from accounts.models import Cohort


def cohorts_taught_by(user) -> QuerySet[Cohort]:
    """Cohorts an instructor manages (staff manage all of them)."""
    cohorts = Cohort.objects.all() if user.is_staff else Cohort.objects.filter(instructor=user)
    return cohorts.select_related("instructor").annotate(member_count=Count("memberships"))


def cohorts_joined_by(user) -> QuerySet[Cohort]:
    return Cohort.objects.filter(memberships__user=user).select_related("instructor").order_by("name")


def recommended_settings_for(user) -> dict[str, str]:
    """What the candidate's instructor recommends practising, ready to use as a start form's `initial`.

    The most recently joined cohort that recommends something wins; keys without a recommendation
    are left out, so `{}` means "no recommendation".
    """
    if not user.is_authenticated:
        return {}
    cohort = (
        Cohort.objects.filter(memberships__user=user)
        .exclude(recommended_topic="", recommended_position="", recommended_difficulty="")
        .order_by("-memberships__joined_at")
        .values("recommended_topic", "recommended_position", "recommended_difficulty")
        .first()
    )
    if not cohort:
        return {}
    settings = {
        "topic": cohort["recommended_topic"],
        "position": cohort["recommended_position"],
        "difficulty": cohort["recommended_difficulty"],
    }
    return {key: value for key, value in settings.items() if value}


def cohort_for_practice(*, user, topic: str) -> Cohort | None:
    """The candidate's cohort: the one recommending this topic, else the one joined last."""
    memberships = user.memberships.select_related("cohort").order_by("-joined_at")
    chosen = None
    for membership in memberships:
        if membership.cohort.recommended_topic == topic:
            return membership.cohort
        chosen = chosen or membership.cohort
    return chosen
