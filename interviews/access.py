"""Who may see an interview besides its candidate: staff reviewers and the candidate's instructors."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import CohortMembership
from interviews.models import InterviewSession


def shared_through(memberships: QuerySet[CohortMembership]) -> Exists:
    """The condition, on InterviewSession, "shared with a cohort through one of `memberships`".

    A member shares only the interviews they started after joining: what they practised before
    belongs to them alone. Every instructor-facing read (report, recordings, cohort dashboard,
    exports) filters with this one condition.
    """
    return Exists(memberships.filter(user_id=OuterRef("owner_id"), joined_at__lte=OuterRef("started_at")))


def shared_with_instructor(user) -> Exists:
    """Sessions shared with a cohort `user` teaches."""
    return shared_through(CohortMembership.objects.filter(cohort__instructor=user))


def can_review(*, user, session: InterviewSession) -> bool:
    """The owner always; staff with the view permission; an instructor of a cohort the owner shares it with."""
    if not user.is_authenticated:
        return False
    if session.owner_id == user.pk:
        return True
    if not user.has_perm("interviews.view_interviewsession"):
        return False
    if user.is_staff:
        return True
    return InterviewSession.objects.filter(shared_with_instructor(user), pk=session.pk).exists()
