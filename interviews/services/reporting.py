"""The end-of-interview report, built from the session's actual turns, expression samples and speech.

Counting (the same rule as interviews.engine): a question counts once, by its last attempt.
- questions_asked: questions answered at least once (the question on screen at "finish interview" is not counted);
- correct / partial / incorrect: the verdict of the question's last attempt (correct on the retry is correct);
- revealed: questions whose model answer was revealed (a subset of partial + incorrect);
- accuracy = correct / questions_asked (0 when nothing was answered).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import transaction

from interviews.catalog import topic_label
from interviews.models import ExpressionSample, InterviewSession, Report, Turn
from interviews.services.speaking import count_words
from interviews.skills.coverage import skills_of_question
from interviews.skills.extraction import skill_by_slug

logger = logging.getLogger(__name__)

MOODS = {
    "fear": "tense",
    "sad": "tense",
    "angry": "tense",
    "disgust": "tense",
    "neutral": "relaxed",
    "happy": "relaxed",
    "surprise": "surprised",
}
_LATER = {"tense": "more tense", "relaxed": "more relaxed", "surprised": "more surprised"}

# Pace bands for interview answers (conversational English is ~120-160 wpm).
SLOW_WPM = 100
FAST_WPM = 175
MANY_FILLERS_PER_100_WORDS = 5.0
FEW_FILLERS_PER_100_WORDS = 2.0
MANY_PAUSES_PER_ANSWER = 3.0
QUICK_ANSWER_SECONDS = 30.0


@dataclass(frozen=True)
class QuestionResult:
    """How one question went, from its turns (ordered by attempt): what the report, its page and its
    Markdown download all show."""

    number: int
    text: str
    kind: str
    topic: str
    hint: str
    reference_answer: str
    key_points: tuple[str, ...]
    attempts: tuple[Turn, ...]
    example_answer: str = ""
    difficulty: str = ""

    @property
    def model_answer(self) -> str:
        """What the report shows as the answer to learn from: a general question's reference answer only
        describes a good answer, so its example answer is shown instead (as the interviewer revealed it)."""
        if self.kind == "general" and self.example_answer.strip():
            return self.example_answer.strip()
        return self.reference_answer

    @property
    def model_answer_label(self) -> str:
        return "Example answer" if self.model_answer != self.reference_answer else "Model answer"

    @property
    def verdict(self) -> str:
        return self.attempts[-1].verdict

    @property
    def attempt_count(self) -> int:
        return len(self.attempts)

    @property
    def answer_revealed(self) -> bool:
        return any(t.answer_revealed for t in self.attempts)

    @property
    def hint_shown(self) -> bool:
        return any(t.hint_shown for t in self.attempts)

    @property
    def missed_points(self) -> tuple[str, ...]:
        return tuple(self.attempts[-1].missed_points or ())

    @property
    def answer_seconds(self) -> float | None:
        """Of the first attempt, when spoken."""
        return self.attempts[0].audio_seconds

    @property
    def correct_first_time(self) -> bool:
        return self.verdict == Turn.Verdict.CORRECT and self.attempt_count == 1


@dataclass(frozen=True)
class Tally:
    asked: int
    correct: int
    partial: int
    incorrect: int
    revealed: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.asked if self.asked else 0.0


def question_results(turns: Iterable[Turn]) -> list[QuestionResult]:
    by_number: dict[int, list[Turn]] = defaultdict(list)
    for turn in turns:
        by_number[turn.question_number].append(turn)
    results = []
    for number in sorted(by_number):
        attempts = tuple(sorted(by_number[number], key=lambda t: t.attempt))
        question = attempts[0].question
        results.append(
            QuestionResult(
                number=number,
                text=question.text,
                kind=question.kind,
                topic=question.topic,
                hint=question.hint,
                reference_answer=question.reference_answer,
                key_points=tuple(question.key_points or ()),
                attempts=attempts,
                example_answer=question.example_answer,
                difficulty=question.difficulty,
            )
        )
    return results


def tally(results: Sequence[QuestionResult]) -> Tally:
    return Tally(
        asked=len(results),
        correct=sum(r.verdict == Turn.Verdict.CORRECT for r in results),
        partial=sum(r.verdict == Turn.Verdict.PARTIAL for r in results),
        incorrect=sum(r.verdict == Turn.Verdict.INCORRECT for r in results),
        revealed=sum(r.answer_revealed for r in results),
    )


@dataclass(frozen=True)
class SkillCoverage:
    """How one of the job's skills fared: the questions that trained it and what to practise next."""

    slug: str
    label: str
    asked: int
    correct: int
    practise_next: str

    @property
    def status(self) -> str:
        if not self.asked:
            return "not asked"
        return "strong" if self.correct == self.asked else "to practise"


def skill_coverage(job_skills: Sequence[str], results: Sequence[QuestionResult]) -> list[SkillCoverage]:
    """Each job skill, in the job's order: asked or not, how the answers went, and what to practise next."""
    trained = [
        (result, skills_of_question(topic=result.topic, text=result.text, key_points=result.key_points))
        for result in results
    ]
    coverage = []
    for slug in job_skills:
        skill = skill_by_slug(slug)
        if skill is None:
            continue
        asked = [result for result, skills in trained if slug in skills]
        missed = [r for r in asked if r.verdict != Turn.Verdict.CORRECT]
        if not asked:
            advice = f"Not asked yet: practise {topic_label(skill.topic)} questions for this job."
        elif missed:
            points = _unique(p for r in missed for p in r.missed_points)[:2]
            advice = "Review " + ("; ".join(points) if points else _quoted(missed[0].text, 60)) + "."
        else:
            advice = "Answered well: try harder questions on it."
        coverage.append(
            SkillCoverage(
                slug=slug,
                label=skill.label,
                asked=len(asked),
                correct=len(asked) - len(missed),
                practise_next=advice,
            )
        )
    return coverage


def difficulty_path(results: Sequence[QuestionResult]) -> list[tuple[int, str, str]]:
    """(question number, difficulty, final verdict) of each topic question: the adaptive level's path."""
    return [(r.number, r.difficulty, r.verdict) for r in results if r.kind == "topic" and r.difficulty]


# --- Expressions ------------------------------------------------------------------------------------


class Labelled(Protocol):
    """An expression sample or a vision reading: a label seen with some confidence."""

    label: str
    confidence: float


def dominant_expression(samples: Iterable[Labelled]) -> str:
    """The label with the largest summed confidence ("" without samples): the one rule for the report,
    its page and the vision readings of one clip."""
    weights = _weights(samples)
    return max(weights, key=weights.__getitem__) if weights else ""


def emotion_pattern(samples: Sequence[ExpressionSample]) -> str:
    """One sentence on how the candidate's expression changed over the interview (thirds of the timeline),
    e.g. "Tense (fear/sad) during the first questions, more relaxed (neutral/happy) later."."""
    samples = sorted(samples, key=lambda s: s.offset_seconds)
    if not samples:
        return ""
    start, end = samples[0].offset_seconds, samples[-1].offset_seconds
    if len(samples) < 3 or end <= start:
        thirds = [samples]
    else:
        thirds = [[], [], []]
        for sample in samples:
            index = min(int(3 * (sample.offset_seconds - start) / (end - start)), 2)
            thirds[index].append(sample)
    # Consecutive thirds with the same mood form one phase of the interview.
    phases: list[tuple[str, list[ExpressionSample], int]] = []
    for part in thirds:
        if not part:
            continue
        mood = _mood(part)
        if phases and phases[-1][0] == mood:
            phases[-1] = (mood, phases[-1][1] + part, phases[-1][2] + 1)
        else:
            phases.append((mood, part, 1))

    def described(mood: str, part: list[ExpressionSample], *, later: bool = False) -> str:
        name = _LATER[mood] if later else mood
        return f"{name} ({_labels_of(mood, part)})"

    if len(phases) == 1:
        mood, part, _ = phases[0]
        return f"{described(mood, part).capitalize()} throughout the interview."
    if len(phases) == 2:
        (mood1, part1, span1), (mood2, part2, _) = phases
        if span1 >= 2:
            return (
                f"{described(mood1, part1).capitalize()} during most of the interview, "
                f"{described(mood2, part2, later=True)} towards the end."
            )
        return (
            f"{described(mood1, part1).capitalize()} during the first questions, "
            f"{described(mood2, part2, later=True)} later."
        )
    (mood1, part1, _), (mood2, part2, _), (mood3, part3, _) = phases
    return (
        f"{described(mood1, part1).capitalize()} at the start, {described(mood2, part2)} in the middle, "
        f"{described(mood3, part3)} towards the end."
    )


def _weights(samples: Iterable[Labelled]) -> dict[str, float]:
    weights: dict[str, float] = defaultdict(float)
    for sample in samples:
        weights[sample.label] += sample.confidence
    return dict(weights)


def _mood(samples: Iterable[ExpressionSample]) -> str:
    moods: dict[str, float] = defaultdict(float)
    for label, weight in _weights(samples).items():
        moods[MOODS.get(label, "relaxed")] += weight
    return max(moods, key=moods.__getitem__)


def _labels_of(mood: str, samples: Iterable[ExpressionSample]) -> str:
    weights = {label: w for label, w in _weights(samples).items() if MOODS.get(label, "relaxed") == mood}
    return "/".join(sorted(weights, key=weights.__getitem__, reverse=True)[:2])


@dataclass(frozen=True)
class AttemptExpressions:
    """What the webcam saw during one attempt at a question (attempt 2 follows the hint)."""

    attempt: int
    listening: str  # dominant expression before the candidate started answering ("" when none was seen)
    answering: str  # dominant expression while answering
    changes: tuple[str, ...]  # the expressions in the order they held, e.g. ("neutral", "happy")
    missing: tuple[str, ...]  # where expressions are missing and why, e.g. "no face in view for 35 s"
    samples: int

    @property
    def seen(self) -> bool:
        return self.samples > 0


@dataclass(frozen=True)
class QuestionExpressions:
    number: int
    attempts: tuple[AttemptExpressions, ...]


class Gap(Protocol):
    reason: str
    question_number: int
    attempt: int
    from_seconds: float
    to_seconds: float

    def get_reason_display(self) -> str: ...


class Sample(Labelled, Protocol):
    offset_seconds: float
    question_number: int
    attempt: int
    phase: str


# A gap is at least one frame long; frames come every 1/VISION_FPS s (one second by default).
_FRAME_SECONDS = 1.0


def expression_changes(samples: Sequence[Labelled]) -> tuple[str, ...]:
    """The expressions in the order they held: a label counts once seen on two frames in a row, so a one-frame
    misreading is not a change (with fewer than two frames, the one label seen)."""
    labels = [s.label for s in samples]
    if len(labels) < 2:
        return tuple(labels)
    held: list[str] = []
    for previous, label in zip(labels, labels[1:], strict=False):
        if label == previous and (not held or held[-1] != label):
            held.append(label)
    return tuple(held) or (dominant_expression(samples),)


def _missing(gaps: Sequence[Gap], *, seen: bool) -> tuple[str, ...]:
    seconds: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    for gap in gaps:
        seconds[gap.reason] += max(0.0, gap.to_seconds - gap.from_seconds) + _FRAME_SECONDS
        names[gap.reason] = gap.get_reason_display()
    notes = []
    for reason, total in sorted(seconds.items(), key=lambda item: -item[1]):
        if reason in ("camera_lost", "camera_denied"):
            notes.append(names[reason])
        else:
            notes.append(f"{names[reason]} for {total:.0f} s")
    if not seen and not notes:
        notes.append("no camera picture")
    return tuple(notes)


def expressions_by_question(
    results: Sequence[QuestionResult], samples: Iterable[Sample], gaps: Iterable[Gap]
) -> list[QuestionExpressions]:
    """Per answered question and attempt: the dominant expression while listening and while answering, how it
    changed, and where it is missing (the webcam was on but no face, several faces, a frozen or stopped camera)."""
    by_attempt: dict[tuple[int, int], list[Sample]] = defaultdict(list)
    for sample in sorted(samples, key=lambda s: s.offset_seconds):
        by_attempt[(sample.question_number, sample.attempt)].append(sample)
    gaps_by_attempt: dict[tuple[int, int], list[Gap]] = defaultdict(list)
    for gap in gaps:
        gaps_by_attempt[(gap.question_number, gap.attempt)].append(gap)
    timeline = []
    for result in results:
        attempts = []
        for turn in result.attempts:
            seen = by_attempt.get((result.number, turn.attempt), [])
            attempts.append(
                AttemptExpressions(
                    attempt=turn.attempt,
                    listening=dominant_expression(s for s in seen if s.phase == "listening"),
                    answering=dominant_expression(s for s in seen if s.phase != "listening"),
                    changes=expression_changes(seen),
                    missing=_missing(gaps_by_attempt.get((result.number, turn.attempt), []), seen=bool(seen)),
                    samples=len(seen),
                )
            )
        timeline.append(QuestionExpressions(number=result.number, attempts=tuple(attempts)))
    return timeline


# --- Speaking ---------------------------------------------------------------------------------------


def speaking_summary(turns: Iterable[Turn]) -> dict[str, float]:
    """Averages over spoken answers: words per minute, fillers per 100 words, pauses per answer."""
    spoken = [t for t in turns if t.input_mode == Turn.InputMode.SPOKEN and t.words_per_minute]
    if not spoken:
        return {}
    words = sum(count_words(t.transcript) for t in spoken)
    fillers = sum(t.filler_count for t in spoken)
    return {
        "spoken_answers": len(spoken),
        "words_per_minute": round(sum(t.words_per_minute for t in spoken) / len(spoken), 1),
        "filler_rate": round(100.0 * fillers / words, 1) if words else 0.0,
        "pauses_per_answer": round(sum(t.pause_count for t in spoken) / len(spoken), 1),
    }


# --- Strengths, weaknesses, improvements --------------------------------------------------------------


def _quoted(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def strengths(results: Sequence[QuestionResult], speaking: dict[str, float]) -> list[str]:
    found: list[str] = []
    first_time = [r for r in results if r.correct_first_time]
    if first_time:
        found.append(
            f"Correct at the first attempt on {len(first_time)} of {len(results)} questions: "
            + "; ".join(_quoted(r.text) for r in first_time[:3])
            + "."
        )
    covered = _unique(p for r in first_time for p in r.key_points if p not in r.missed_points)
    if covered:
        found.append("Key points explained well: " + "; ".join(covered[:5]) + ".")
    recovered = [r for r in results if r.verdict == Turn.Verdict.CORRECT and r.attempt_count > 1]
    if recovered:
        found.append(
            "Used the hint to get to the right answer on "
            + "; ".join(_quoted(r.text) for r in recovered[:3])
            + "."
        )
    quick = [
        r for r in first_time if r.answer_seconds is not None and r.answer_seconds <= QUICK_ANSWER_SECONDS
    ]
    if quick:
        found.append(
            f"Quick, correct spoken answers (under {QUICK_ANSWER_SECONDS:.0f} s) to {len(quick)} "
            f"question{'s' if len(quick) > 1 else ''}."
        )
    if speaking:
        wpm = speaking["words_per_minute"]
        if SLOW_WPM <= wpm <= FAST_WPM:
            found.append(f"A steady speaking pace of about {wpm:.0f} words per minute.")
        if speaking["filler_rate"] < FEW_FILLERS_PER_100_WORDS:
            found.append("Few filler words.")
    return found


def weaknesses(results: Sequence[QuestionResult], speaking: dict[str, float]) -> list[str]:
    found: list[str] = []
    revealed = [r for r in results if r.answer_revealed]
    if revealed:
        found.append(
            "The model answer had to be revealed for "
            + "; ".join(_quoted(r.text) for r in revealed[:3])
            + "."
        )
    partial = [r for r in results if r.verdict == Turn.Verdict.PARTIAL and not r.answer_revealed]
    if partial:
        found.append("Only partly answered: " + "; ".join(_quoted(r.text) for r in partial[:3]) + ".")
    missed = _unique(p for r in results if r.verdict != Turn.Verdict.CORRECT for p in r.missed_points)
    if missed:
        found.append("Missed key points: " + "; ".join(missed[:6]) + ".")
    if speaking:
        wpm = speaking["words_per_minute"]
        if wpm > FAST_WPM:
            found.append(f"Speaking fast: about {wpm:.0f} words per minute.")
        elif wpm < SLOW_WPM:
            found.append(f"A slow speaking pace: about {wpm:.0f} words per minute.")
        if speaking["filler_rate"] >= MANY_FILLERS_PER_100_WORDS:
            found.append(f"Frequent filler words: {speaking['filler_rate']:.1f} per 100 words.")
        if speaking["pauses_per_answer"] >= MANY_PAUSES_PER_ANSWER:
            found.append(f"Many long pauses: {speaking['pauses_per_answer']:.1f} per answer.")
    return found


def improvements(
    results: Sequence[QuestionResult], speaking: dict[str, float], *, difficulty: str, dominant: str
) -> list[str]:
    advice: list[str] = []
    seen: set[str] = set()
    for result in results:
        if result.verdict == Turn.Verdict.CORRECT:
            continue
        for point in result.missed_points:
            if point in seen:
                continue
            seen.add(point)
            where = (
                topic_label(result.topic)
                if result.topic and result.topic != "general"
                else "general questions"
            )
            advice.append(f"Review {point} ({where}, asked in {_quoted(result.text, 50)}).")
    advice = advice[:6]
    if any(r.answer_revealed for r in results):
        advice.append(
            "Read the revealed model answers again and practise explaining them aloud in your own words."
        )
    if speaking:
        if speaking["filler_rate"] >= MANY_FILLERS_PER_100_WORDS:
            advice.append("Replace filler words with a short silent pause while you think.")
        if speaking["words_per_minute"] > FAST_WPM:
            advice.append("Slow down a little: pause briefly after each key point.")
        elif speaking["words_per_minute"] < SLOW_WPM:
            advice.append(
                "Outline the answer first (main idea, then an example) so you can speak more fluently."
            )
        if speaking["pauses_per_answer"] >= MANY_PAUSES_PER_ANSWER:
            advice.append("Structure answers before speaking: state the main idea first, then the details.")
    if MOODS.get(dominant) == "tense":
        advice.append("Practise a few answers aloud before the interview to settle your nerves.")
    if results and all(r.verdict == Turn.Verdict.CORRECT for r in results) and difficulty != "hard":
        advice.append("All answers were correct: try the next difficulty level.")
    return advice


# --- The report -------------------------------------------------------------------------------------


def ensure_report(*, session: InterviewSession) -> Report | None:
    """The session's Report, built on first view for a finished session that has none yet.

    On failure the report page still shows what it can compute from the turns, so this logs and returns None.
    """
    try:
        return session.report
    except Report.DoesNotExist:
        pass
    if session.status != InterviewSession.Status.FINISHED:
        return None
    try:
        return build_report(session=session)
    except Exception:
        logger.exception("Building the report of session %s failed", session.pk)
        return None


def build_report(*, session: InterviewSession) -> Report:
    """Create or refresh the session's report from its turns and expression samples (idempotent)."""
    turns = list(session.turns.select_related("question").order_by("question_number", "attempt"))
    samples = list(ExpressionSample.objects.filter(session=session).order_by("offset_seconds"))
    results = question_results(turns)
    counts = tally(results)
    speaking = speaking_summary(turns)
    dominant = dominant_expression(samples)
    with transaction.atomic():
        report, _ = Report.objects.update_or_create(
            session=session,
            defaults={
                "accuracy": round(counts.accuracy, 4),
                "questions_asked": counts.asked,
                "correct_count": counts.correct,
                "partial_count": counts.partial,
                "incorrect_count": counts.incorrect,
                "revealed_count": counts.revealed,
                "dominant_expression": dominant,
                "emotion_pattern": emotion_pattern(samples),
                "strengths": strengths(results, speaking),
                "weaknesses": weaknesses(results, speaking),
                "improvements": improvements(
                    results, speaking, difficulty=session.difficulty, dominant=dominant
                ),
                "speaking": speaking,
            },
        )
    return report
