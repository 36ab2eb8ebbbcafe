"""Who may see an interview besides its candidate: staff reviewers and the candidate's instructors."""
from __future__ import annotations

from interviews.models import InterviewSession


def can_review(*, user, session: InterviewSession) -> bool:
    """The owner always; staff with the view permission; an instructor of a cohort the owner is in."""
    if not user.is_authenticated:
        return False
    if session.owner_id == user.pk:
        return True
    if not user.has_perm("interviews.view_interviewsession"):
        return False
    if user.is_staff:
        return True
    return user.cohorts_taught.filter(memberships__user_id=session.owner_id).exists()
