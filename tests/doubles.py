"""Test doubles that wrap a real piece to stage a race, never to replace what is under test."""

from __future__ import annotations

from collections.abc import Callable


def grader_overtaken_by_another_tab(*, session_pk: int, other_answer: str) -> Callable[[], object]:
    """A `get_grader` stand-in whose grader records another tab's answer to the same question before its first
    grade, then grades for real: the answer being graded has, by the time it is saved, answered a stale question."""
    from interviews.models import InterviewSession
    from interviews.services import grading, sessions

    real_grader = grading.get_grader()
    overtaken = False

    class OvertakenGrader:
        def grade(self, question, answer):
            nonlocal overtaken
            if not overtaken:
                overtaken = True
                sessions.submit_answer(
                    session=InterviewSession.objects.get(pk=session_pk),
                    text=other_answer,
                    submission_id="other-tab",
                )
            return real_grader.grade(question, answer)

    return OvertakenGrader
