"""Reads about interviews, including who may open one: the one home of that rule for views, consumers,
Gradio callbacks, analytics pages and exports.

Two questions, two answers:
- taking an interview (live page, Gradio app, websocket, history): its candidate only (`session_get_owned`);
- reviewing one (report, recordings, cohort exports): its candidate; with the `interviews.view_interviewsession`
  permission, every interview for staff and, for instructors, those shared with a cohort they teach
  (`sessions_reviewable_by`, `can_review`). The admin asks for the same permission.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import CohortMembership
from interviews.models import InterviewSession

REVIEW_PERMISSION = "interviews.view_interviewsession"


def sessions_owned_by(user) -> QuerySet[InterviewSession]:
    """The candidate's own interviews (history, dashboard); none for an anonymous user."""
    if user is None or not user.is_authenticated:
        return InterviewSession.objects.none()
    return InterviewSession.objects.filter(owner=user)


def session_get_owned(user, pk: Any) -> InterviewSession | None:
    """Interview `pk` if `user` is its candidate, else None: missing, someone else's, anonymous and a
    malformed pk all look the same to the caller, so nothing is revealed."""
    try:
        pk = int(pk)  # a URL kwarg, a query string or a Gradio payload
    except (TypeError, ValueError):
        return None
    return sessions_owned_by(user).filter(pk=pk).first()


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


def sessions_reviewable_by(user) -> QuerySet[InterviewSession]:
    """Interviews `user` may review: their own; with the view permission, all of them for staff and the
    ones shared with a cohort they teach for instructors."""
    if user is None or not user.is_authenticated:
        return InterviewSession.objects.none()
    if not user.has_perm(REVIEW_PERMISSION):
        return InterviewSession.objects.filter(owner=user)
    if user.is_staff:
        return InterviewSession.objects.all()
    return InterviewSession.objects.filter(Q(owner=user) | shared_with_instructor(user))


def can_review(*, user, session: InterviewSession) -> bool:
    """Whether `user` may review `session` (one query at most; the owner needs none)."""
    if user is not None and user.is_authenticated and session.owner_id == user.pk:
        return True
    return sessions_reviewable_by(user).filter(pk=session.pk).exists()
