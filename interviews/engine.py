"""The interview state machine: which question comes next, praise, hint, retry, reveal, finish (plain Python).

Rules
- `general_questions` general questions first, then topic questions, `max_questions` in all.
- Correct -> praise -> next question. Partial or incorrect on attempt 1 -> hint -> the same question
  again (attempt 2). Not correct on attempt 2 (partial included) -> reveal the model answer -> next.
- "finish interview" (an exact command, see interviews.finish.is_finish_command) ends the interview at
  any point, also in the middle of a retry.
- What only sounds like the command ("Finish in to mute", "Finished interview": interviews.finish) does not
  end it: the interviewer asks "Do you want to finish the interview?" (`confirming_finish`) and the next
  answer decides. Yes-like ("yes", "yes please", "finish", or the command again) finishes; no-like ("no",
  "continue", "not yet") returns to the same question and attempt; silence asks again. Anything else is
  taken as the candidate carrying on: the question is dropped and the words are graded as their answer to
  the question on screen (what they most likely meant, and nobody has to say "no" before answering).
  The confirmation exchange never uses an attempt and writes no AttemptRecord.
- An empty or silent answer asks the candidate to repeat and uses no attempt.
- When the question source runs out, the interview finishes gracefully.
- Adaptive difficulty (`EngineConfig.adaptive`): the first topic question is asked at `start_level`; a topic
  question finally answered correctly moves the next one a level up from its own, any other final verdict
  a level down (easy and hard are the ends). General questions do not move the level.
- Follow-ups (`EngineConfig.follow_ups`): a partial first answer to a topic question that covered some key
  points but missed others gets one short follow-up question about a missed point instead of a hint. The
  follow-up is attempt 2 of the same question, graded on the missed point: correct makes the question
  correct, anything else reveals the model answer. So it counts once, like a retry.

Accuracy = correct questions / questions asked. A question counts once, however many attempts it took;
correct on the retry counts as correct; a partial final verdict and a revealed answer count as not
correct. "Asked" means the candidate answered it at least once: the question on screen when they say
"finish interview" without answering it is not held against them.

The state is plain data (`InterviewState.to_dict()` is JSON-safe) so the caller can persist it at every
transition and a restarted server resumes exactly where the candidate was.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from interviews.domain import Grade, QuestionKind, QuestionRef, Verdict
from interviews.finish import CONFIRM_QUESTION, confirmation_reply, finish_intent
from interviews.finish import is_finish_command as is_finish_command  # the exact command, re-exported

Stage = Literal["general", "topic", "finished"]
# "confirm_finish": asked "Do you want to finish the interview?"; "resumed": the candidate said no.
Event = Literal[
    "asked", "praised", "hinted", "followed_up", "revealed", "repeat", "finished", "confirm_finish", "resumed"
]

MAX_ATTEMPTS = 2
LEVELS = ("easy", "medium", "hard")


class InterviewOver(Exception):
    """An answer arrived for an interview that has already finished."""


@dataclass(frozen=True)
class EngineConfig:
    general_questions: int = 2
    max_questions: int = 8  # includes the general questions
    start_level: str = ""  # the first topic question's difficulty; "" leaves it to the source
    adaptive: bool = False
    follow_ups: bool = False


class QuestionSource(Protocol):
    def next_question(
        self, *, kind: str, exclude_ids: Collection[int], difficulty: str = ""
    ) -> QuestionRef | None: ...


class FollowUpWriter(Protocol):
    """Writes the follow-up question after a partial answer; "" when it has none (the offline one is used)."""

    def follow_up(self, question: QuestionRef, answer: str, grade: Grade) -> str: ...


class Grader(Protocol):
    def grade(self, question: QuestionRef, answer: str) -> Grade: ...


@dataclass
class InterviewState:
    stage: Stage = "general"
    question_number: int = 0  # 1-based number of the current question; 0 before the first
    attempt: int = 1
    current: QuestionRef | None = None
    asked_ids: list[int] = field(default_factory=list)
    answered: int = 0  # questions answered at least once (the accuracy denominator)
    correct: int = 0  # questions whose final verdict was correct
    revealed: int = 0
    last_message: str = ""  # what the interviewer said last, shown again after a reload
    confirming_finish: bool = False  # asked "Do you want to finish the interview?", awaiting the reply
    # The caller's id of the last answer handled: the same answer delivered twice (a double submit) must not
    # count as the reply to the question it raised itself.
    last_answer_id: str = ""
    level: str = ""  # adaptive difficulty: the level of the next topic question ("" = the start level)
    # The follow-up question on screen (attempt 2 after a partial answer) and the key point it asks about.
    follow_up: str = ""
    follow_up_point: str = ""

    @property
    def question_text(self) -> str:
        """What the candidate is asked now: the follow-up, or the question."""
        if self.follow_up:
            return self.follow_up
        return self.current.text if self.current else ""

    @property
    def finished(self) -> bool:
        return self.stage == "finished"

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    def to_dict(self) -> dict:
        return {
            "stage": self.stage,
            "question_number": self.question_number,
            "attempt": self.attempt,
            "current": self.current.to_dict() if self.current else None,
            "asked_ids": list(self.asked_ids),
            "answered": self.answered,
            "correct": self.correct,
            "revealed": self.revealed,
            "last_message": self.last_message,
            "confirming_finish": self.confirming_finish,
            "last_answer_id": self.last_answer_id,
            "level": self.level,
            "follow_up": self.follow_up,
            "follow_up_point": self.follow_up_point,
        }

    @classmethod
    def from_dict(cls, data: dict) -> InterviewState:
        current = data.get("current")
        return cls(
            stage=data.get("stage", "general"),
            question_number=data.get("question_number", 0),
            attempt=data.get("attempt", 1),
            current=QuestionRef.from_dict(current) if current else None,
            asked_ids=list(data.get("asked_ids", [])),
            answered=data.get("answered", 0),
            correct=data.get("correct", 0),
            revealed=data.get("revealed", 0),
            last_message=data.get("last_message", ""),
            confirming_finish=bool(data.get("confirming_finish", False)),
            last_answer_id=str(data.get("last_answer_id", "")),
            level=str(data.get("level", "")),
            follow_up=str(data.get("follow_up", "")),
            follow_up_point=str(data.get("follow_up_point", "")),
        )


@dataclass(frozen=True)
class AttemptRecord:
    """One graded attempt, as the caller persists it (an interviews.Turn)."""

    question: QuestionRef
    question_number: int
    attempt: int
    transcript: str
    verdict: Verdict
    score: float
    feedback: str  # praise, hint or revealed answer, as said to the candidate
    missed_points: tuple[str, ...] = ()
    hint_shown: bool = False
    answer_revealed: bool = False
    follow_up: str = ""  # the follow-up question this attempt answered ("" for the question itself)


@dataclass(frozen=True)
class Outcome:
    event: Event
    interviewer_message: str  # everything the interviewer says now, the next question included
    grade: Grade | None = None
    record: AttemptRecord | None = None
    next_question: QuestionRef | None = None  # a newly asked question, None for a retry or the end


# --- Transitions -----------------------------------------------------------------------------------


def start(config: EngineConfig, source: QuestionSource) -> tuple[InterviewState, Outcome]:
    """Ask the first question."""
    state, question = _advance(InterviewState(), config, source)
    if question is None:
        message = "I'm sorry, I have no questions ready for this interview. Please try another topic."
        return replace(state, last_message=message), Outcome("finished", message)
    message = f"Let's begin. Question 1: {question.text}"
    return replace(state, last_message=message), Outcome("asked", message, next_question=question)


def answer(
    state: InterviewState,
    transcript: str,
    *,
    config: EngineConfig,
    source: QuestionSource,
    grader: Grader,
    answer_id: str = "",
    follow_up_writer: FollowUpWriter | None = None,
) -> tuple[InterviewState, Outcome]:
    """Handle one answer to the current question: praise, hint, follow-up, reveal, repeat, finish, or ask
    whether to finish. `answer_id` (optional) is recorded as `last_answer_id` so the caller can spot a
    resubmission; `follow_up_writer` (optional) words follow-ups, the offline wording otherwise."""
    if state.finished or state.current is None:
        raise InterviewOver("The interview has already finished.")
    state = replace(state, last_answer_id=answer_id)
    intent = finish_intent(transcript)
    if state.confirming_finish:
        reply = confirmation_reply(transcript)
        if reply == "yes" or (reply is None and intent is not None):
            return finish(state)
        if not _has_words(transcript):
            message = f"Sorry, I didn't catch that. {CONFIRM_QUESTION} Please say yes or no."
            return replace(state, last_message=message), Outcome("confirm_finish", message)
        state = replace(state, confirming_finish=False)
        if reply == "no":
            message = f"Alright, let's continue. {_question_line(state)}"
            return replace(state, last_message=message), Outcome("resumed", message)
        intent = None  # anything else is their answer to the question on screen: graded below
    if intent == "finish":
        return finish(state)
    if intent == "confirm":
        return replace(state, confirming_finish=True, last_message=CONFIRM_QUESTION), Outcome(
            "confirm_finish", CONFIRM_QUESTION
        )
    if not _has_words(transcript):
        message = f"Sorry, I didn't catch that. Could you please repeat your answer? {state.question_text}"
        return replace(state, last_message=message), Outcome("repeat", message)

    question = state.current
    # A follow-up is graded on the key point it asks about, with the model answer as the reference.
    graded_as = (
        follow_up_question(question, state.follow_up, state.follow_up_point) if state.follow_up else question
    )
    grade = grader.grade(graded_as, transcript)
    first_answer = state.attempt == 1
    answered = state.answered + (1 if first_answer else 0)

    if grade.verdict == "correct":
        feedback = grade.praise or "Correct, well done."
        state = replace(state, answered=answered, correct=state.correct + 1)
        record = _record(state, transcript, grade, feedback)
        return _move_on(state, config, source, feedback, event="praised", grade=grade, record=record)

    if first_answer and _wants_follow_up(config, question, grade):
        point = grade.missing_points[0]
        written = follow_up_writer.follow_up(question, transcript, grade) if follow_up_writer else ""
        asked = written.strip() or offline_follow_up(grade)
        feedback = f"{_verdict_opener(grade)} {asked}"
        record = _record(state, transcript, grade, feedback)
        state = replace(
            state, answered=answered, attempt=2, follow_up=asked, follow_up_point=point, last_message=feedback
        )
        return state, Outcome("followed_up", feedback, grade=grade, record=record)

    if state.attempt < MAX_ATTEMPTS:
        hint = _hint_for(question, grade)
        feedback = f"{_verdict_opener(grade)} Hint: {hint}"
        record = _record(state, transcript, grade, feedback, hint_shown=True)
        message = f"{feedback} Please try again."
        state = replace(state, answered=answered, attempt=state.attempt + 1, last_message=message)
        return state, Outcome("hinted", message, grade=grade, record=record)

    feedback = f"{_verdict_opener(grade)} {reveal_answer(question)}"
    state = replace(state, answered=answered, revealed=state.revealed + 1)
    record = _record(state, transcript, grade, feedback, answer_revealed=True)
    return _move_on(state, config, source, feedback, event="revealed", grade=grade, record=record)


def reveal_answer(question: QuestionRef) -> str:
    """What the interviewer says after the second miss: a general question's reference answer only
    describes a good answer ("A strong answer is..."), so its example answer is shown when it has one."""
    if question.kind == "general" and question.example_answer.strip():
        return f"Here is an example of a strong answer: {question.example_answer.strip()}"
    return f"Here is a model answer: {question.reference_answer}"


def offline_follow_up(grade: Grade) -> str:
    """One short follow-up question about the first key point the answer missed, built from the key points."""
    missing = _as_phrase(grade.missing_points[0])
    if grade.covered_points:
        return f"You explained {_as_phrase(grade.covered_points[0])}. How does {missing} fit in?"
    return f"Can you say more about {missing}?"


def follow_up_question(question: QuestionRef, text: str, point: str) -> QuestionRef:
    """The question a follow-up answer is graded against: the follow-up's wording, the missed point."""
    return replace(question, text=text, key_points=(point,) if point else question.key_points, hint="")


def next_level(level: str, *, correct: bool) -> str:
    """One level up after a correct answer, one down after a miss, staying within easy..hard."""
    index = LEVELS.index(level) if level in LEVELS else 1
    return LEVELS[min(index + 1, len(LEVELS) - 1) if correct else max(index - 1, 0)]


def finish(state: InterviewState) -> tuple[InterviewState, Outcome]:
    """End the interview now (also in the middle of a retry)."""
    message = "Thank you, the interview is finished. Your report is ready."
    state = replace(
        state,
        stage="finished",
        current=None,
        attempt=1,
        confirming_finish=False,
        follow_up="",
        follow_up_point="",
        last_message=message,
    )
    return state, Outcome("finished", message)


def _move_on(
    state: InterviewState,
    config: EngineConfig,
    source: QuestionSource,
    feedback: str,
    *,
    event: Event,
    grade: Grade,
    record: AttemptRecord,
) -> tuple[InterviewState, Outcome]:
    finished_question = state.current
    if config.adaptive and finished_question is not None and finished_question.kind == "topic":
        level = next_level(finished_question.difficulty, correct=grade.verdict == "correct")
        state = replace(state, level=level)
    state, question = _advance(state, config, source)
    if question is None:
        state, ending = finish(state)
        message = f"{feedback} That was the last question. {ending.interviewer_message}"
        return replace(state, last_message=message), Outcome(event, message, grade=grade, record=record)
    message = f"{feedback} Question {state.question_number}: {question.text}"
    state = replace(state, last_message=message)
    return state, Outcome(event, message, grade=grade, record=record, next_question=question)


def _advance(
    state: InterviewState, config: EngineConfig, source: QuestionSource
) -> tuple[InterviewState, QuestionRef | None]:
    """The state with the next question put, or (finished state, None) when there is none."""
    state = replace(state, follow_up="", follow_up_point="")
    if state.question_number >= config.max_questions:
        return replace(state, stage="finished", current=None, attempt=1), None
    kinds: list[QuestionKind] = ["topic"]
    if state.question_number < config.general_questions:
        kinds = ["general", "topic"]
    level = state.level or config.start_level
    for kind in kinds:
        # Running out of general questions is no reason to stop: move on to the topic.
        question = source.next_question(kind=kind, exclude_ids=tuple(state.asked_ids), difficulty=level)
        if question is not None:
            return (
                replace(
                    state,
                    # A planned interview (practising missed questions) may serve either kind in any slot.
                    stage=question.kind,
                    question_number=state.question_number + 1,
                    attempt=1,
                    current=question,
                    asked_ids=[*state.asked_ids, question.id],
                ),
                question,
            )
    return replace(state, stage="finished", current=None, attempt=1), None


def _record(
    state: InterviewState,
    transcript: str,
    grade: Grade,
    feedback: str,
    *,
    hint_shown: bool = False,
    answer_revealed: bool = False,
) -> AttemptRecord:
    assert state.current is not None
    return AttemptRecord(
        question=state.current,
        question_number=state.question_number,
        attempt=state.attempt,
        transcript=transcript.strip(),
        verdict=grade.verdict,
        score=grade.score,
        feedback=feedback,
        missed_points=tuple(grade.missing_points),
        hint_shown=hint_shown,
        answer_revealed=answer_revealed,
        follow_up=state.follow_up,
    )


def _verdict_opener(grade: Grade) -> str:
    # The page shows the verdict as a badge next to these words: they must say the same thing.
    return "Partly right." if grade.verdict == "partial" else "Not quite."


def _wants_follow_up(config: EngineConfig, question: QuestionRef, grade: Grade) -> bool:
    """A follow-up needs a partial answer to a topic question that got some points and missed others."""
    return (
        config.follow_ups
        and question.kind == "topic"
        and grade.verdict == "partial"
        and bool(grade.missing_points)
        and bool(grade.covered_points)
    )


def _as_phrase(point: str) -> str:
    """A key point inside a sentence: no final full stop, lower-case start unless it is an acronym."""
    point = " ".join(point.split()).rstrip(".;:")
    if len(point) > 1 and point[0].isupper() and not point[1].isupper():
        point = point[0].lower() + point[1:]
    return point


def _hint_for(question: QuestionRef, grade: Grade) -> str:
    if grade.hint:
        return grade.hint
    if question.hint:
        return question.hint
    if grade.missing_points:
        return f"think about {grade.missing_points[0]}."
    return "think about the core idea the question asks for, and give a concrete example."


def _question_line(state: InterviewState) -> str:
    """The question on screen as the interviewer puts it again, with the attempt when it is a retry."""
    assert state.current is not None
    if state.follow_up:
        return f"Question {state.question_number}, follow-up: {state.follow_up}"
    again = " (your second attempt)" if state.attempt > 1 else ""
    return f"Question {state.question_number}{again}: {state.current.text}"


def _has_words(text: str) -> bool:
    return bool(text) and any(ch.isalnum() for ch in text)
