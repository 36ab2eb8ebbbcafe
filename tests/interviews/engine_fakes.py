"""Small in-test implementations of the engine's QuestionSource and Grader protocols."""

from __future__ import annotations

from collections.abc import Collection

from interviews.domain import Grade, QuestionRef


def make_question(
    qid: int, kind: str = "topic", *, points: tuple[str, ...] = ("hash", "constant")
) -> QuestionRef:
    return QuestionRef(
        id=qid,
        text=f"Question {qid} about {' and '.join(points)}?",
        kind=kind,
        reference_answer=f"Model answer {qid}: {' and '.join(points)}.",
        key_points=points,
        hint=f"Think about {points[0]}." if qid % 2 else "",
        topic="python",
    )


class ListSource:
    """Serves questions from two lists in order, skipping excluded ids."""

    def __init__(self, general: list[QuestionRef], topic: list[QuestionRef]):
        self.questions = {"general": list(general), "topic": list(topic)}
        self.requests: list[str] = []
        self.levels: list[str] = []  # the difficulty asked for with each request

    def next_question(
        self, *, kind: str, exclude_ids: Collection[int], difficulty: str = ""
    ) -> QuestionRef | None:
        self.requests.append(kind)
        self.levels.append(difficulty)
        return next((q for q in self.questions[kind] if q.id not in exclude_ids), None)


class KeywordGrader:
    """Correct when every key point word appears in the answer, partial when some do."""

    def __init__(self):
        self.calls = 0

    def grade(self, question: QuestionRef, answer: str) -> Grade:
        self.calls += 1
        words = answer.lower()
        covered = tuple(p for p in question.key_points if p in words)
        missing = tuple(p for p in question.key_points if p not in covered)
        if not missing:
            return Grade("correct", 1.0, covered_points=covered, praise="Great answer!", grader="keyword")
        verdict = "partial" if covered else "incorrect"
        return Grade(
            verdict,
            len(covered) / len(question.key_points),
            missing_points=missing,
            covered_points=covered,
            grader="keyword",
        )
