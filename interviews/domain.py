"""Plain value types shared by the engine, the graders and the services (no Django imports)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Verdict = Literal["correct", "partial", "incorrect"]
QuestionKind = Literal["general", "topic"]


@dataclass(frozen=True)
class QuestionRef:
    """A question as the engine and graders see it; `id` is the database id of interviews.Question."""

    id: int
    text: str
    kind: QuestionKind
    reference_answer: str
    key_points: tuple[str, ...] = ()
    hint: str = ""
    topic: str = ""
    difficulty: str = "medium"
    intent: str = ""  # general questions: what is really asked (see interviews.services.behavioural)
    story: bool = False  # general questions: a STAR story is expected
    example_answer: str = ""  # general questions: a strong first-person answer, revealed after two misses

    def to_dict(self) -> dict:
        data = asdict(self)
        data["key_points"] = list(self.key_points)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> QuestionRef:
        return cls(**{**data, "key_points": tuple(data.get("key_points", ()))})


@dataclass(frozen=True)
class Grade:
    """A grader's judgement of one answer to one question."""

    verdict: Verdict
    score: float  # 0-1
    missing_points: tuple[str, ...] = ()
    covered_points: tuple[str, ...] = ()
    hint: str = ""  # a nudge towards the missing points, never the answer itself
    praise: str = ""
    grader: str = ""  # which grader decided, e.g. "EmbeddingGrader" or "LLMGrader"
    notices: tuple[str, ...] = field(default=())  # e.g. "The LLM was unreachable; graded offline."
