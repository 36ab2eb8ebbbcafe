"""Answer grading: the offline embedding grader, the LLM rubric grader that falls back to it, and get_grader()."""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError, field_validator

from interviews.ai import embeddings
from interviews.ai.llm import TurnBudgetSpent
from interviews.ai.registry import ServiceError
from interviews.domain import Grade, QuestionRef
from interviews.engine import Grader
from interviews.services import behavioural
from interviews.services.contradictions import find_contradictions
from interviews.text import STOPWORDS, content_stems, stem, words

if TYPE_CHECKING:
    from interviews.ai.llm import ChatModel

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------------------
# Fitted constants (topic questions). Nobody tuned these by hand: `python -m benchmarks.bench_grading --fit`
# prints them, fitted on all 1,203 answers of the ASAG short-answer set (../shared/eval/asag, Mohler et al.
# 2011, the odd assignments 1-11; "correct" = human grade >= 4).
# - The fitting procedure was chosen among 24 (raw or standardised features; L2 0.01, 1 or 10; correct at
#   p >= 0.5 or at the best macro-F1 cut; relevance floor fixed or fitted) by leave-one-assignment-out over
#   the six assignments: standardised features, L2 10, correct at p >= 0.5, fixed floor.
# - Weights/bias: logistic regression of "correct" on the features, so the score is the probability a human
#   would call the answer correct (out-of-fold ECE 0.04) and CORRECT_THRESHOLD is 0.5.
# - PARTIAL_THRESHOLD maximises macro-F1 of "grade >= 2.5" among the answers below CORRECT_THRESHOLD.
# - KEY_POINT_*: grid search maximising agreement of "key point covered" with "answer correct" on questions
#   whose reference is a single clause (the only case where ASAG labels a key point). Ties go to the highest
#   KEY_POINT_MIN_SEMANTIC (the strictest semantic support that costs nothing), then to the lowest
#   KEY_POINT_MARGIN_ALONE, the path that credits a paraphrase sharing no word.
# - RELEVANCE_FLOOR is chosen on the bank, not fitted on ASAG: the lowest floor at which >= 58/60 of other
#   topics' model answers are graded incorrect on the bank's topic questions that the off-topic check does not
#   report on (bench_grading.choose_relevance_floor: 4 impostors each); fitted on ASAG it lands near 0.17.
# The honest estimate of this whole procedure, including the choice among the 24, is nested
# leave-one-assignment-out (bench_grading; benchmarks/README.md): macro-F1 0.786, accuracy 0.825, r 0.633.
FEATURE_NAMES = (
    "reference_similarity",  # cosine(answer, reference answer)
    "key_point_margin",  # mean over key points of (best cosine with a sentence/window) - cosine with the question
    "key_point_overlap",  # mean over key points of the share of their content stems in the answer
    "key_point_coverage",  # share of key points covered by the rule below
    "answer_precision",  # share of the answer's own content stems (not the question's) found in the reference
    "question_similarity",  # cosine(answer, question): restating the question is not answering it
    "answer_length",  # log(1 + words)
)
FEATURE_WEIGHTS = (1.517, 1.204, 1.105, 2.007, 1.706, -1.463, 0.254)
FEATURE_BIAS = -1.422
CORRECT_THRESHOLD = 0.500
PARTIAL_THRESHOLD = 0.203
KEY_POINT_MARGIN_WEIGHT = 0.80  # the rest is lexical overlap of content stems
KEY_POINT_THRESHOLD = 0.09
KEY_POINT_MARGIN_ALONE = 0.12  # a paraphrase sharing no word with the key point
KEY_POINT_MIN_SEMANTIC = 0.22  # a key point needs a sentence/window of the answer at least this close
RELEVANCE_FLOOR = 0.230  # cosine(answer, reference) below this is off-topic: incorrect, whatever the score
KEY_POINT_RULE = {
    "weight": KEY_POINT_MARGIN_WEIGHT,
    "threshold": KEY_POINT_THRESHOLD,
    "margin_alone": KEY_POINT_MARGIN_ALONE,
    "min_semantic": KEY_POINT_MIN_SEMANTIC,
}

# A bank answer may miss at most len(key_points) // 3 authored key points and still be correct (see
# _topic_verdict): a product rule, since ASAG's key points are derived and its "correct" tolerates omissions.

# General (behavioural) questions have no labelled data: these are set by reasoning, not fitted, and pinned
# by tests/interviews/grading (on-topic answers with substance pass, "I don't know" and off-topic fail).
GENERAL_RELEVANCE_FLOOR = 0.15  # cosine below this is off-topic for MiniLM
GENERAL_RELEVANCE_FULL = 0.45
GENERAL_SUBSTANTIVE_WORDS = 40
GENERAL_MINIMUM_WORDS = 8
GENERAL_CORRECT_SCORE = 0.6
GENERAL_PARTIAL_SCORE = 0.3

WINDOW_WORDS = 10
WINDOW_STRIDE = 5

# ---------------------------------------------------------------------------------------------------------
# Text helpers

_NON_ANSWERS = re.compile(
    r"^(i\s+(really\s+)?(do\s*n[o']?t|dont)\s+know|no\s+idea|not\s+sure|i\s*(am|'m)\s+not\s+sure|pass|skip|"
    r"i\s+have\s+no\s+idea|no\s+clue|i\s+(can't|cannot)\s+(remember|recall|answer)|idk|nothing|none|n/?a)\b"
)
# A full stop ends a sentence only after a word ("do ... while" is one clause).
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]][.!?;])\s+|\n+", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(
    r"(?<=[a-z0-9)\]])[.;:!?]\s+|,\s*(?:(?:and|or|but|while|whereas|so)\b)?\s*|\s+(?:and|whereas)\s+",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if len(words(s)) > 0]


def derive_key_points(reference_answer: str) -> tuple[str, ...]:
    """Key points from a reference answer that has none: its clauses, merging fragments under 3 words."""
    clauses = [c.strip(" .,;:") for c in _CLAUSE_SPLIT.split(reference_answer.strip()) if c.strip(" .,;:")]
    points: list[str] = []
    for clause in clauses:
        if points and (len(content_stems(clause)) < 2 or len(content_stems(points[-1])) < 2):
            points[-1] = f"{points[-1]}, {clause}"
        else:
            points.append(clause)
    if len(points) > 1 and len(content_stems(points[-1])) < 2:
        points[-2] = f"{points[-2]}, {points.pop()}"
    return tuple(points) or ((reference_answer.strip(),) if reference_answer.strip() else ())


def is_non_answer(answer: str) -> bool:
    text = " ".join(words(answer))
    return not text or (len(text.split()) <= 8 and bool(_NON_ANSWERS.match(text)))


def _answer_units(answer: str) -> list[str]:
    """Sentences and overlapping word windows: a key point is usually stated in a part of the answer."""
    units = [answer.strip()]
    units += [s for s in sentences(answer) if s != units[0]]
    tokens = answer.split()
    if len(tokens) > WINDOW_WORDS:
        for start in range(0, len(tokens) - WINDOW_WORDS + WINDOW_STRIDE, WINDOW_STRIDE):
            units.append(" ".join(tokens[start : start + WINDOW_WORDS]))
    return list(dict.fromkeys(units))


def _clip01(x: float) -> float:
    return max(0.0, min(1.0, x))


# ---------------------------------------------------------------------------------------------------------
# The embedding grader


@dataclass(frozen=True)
class KeyPointCoverage:
    text: str
    semantic: float  # best cosine between the key point and a sentence/window of the answer
    margin: (
        float  # semantic minus cosine(key point, question): what the answer adds beyond the question's topic
    )
    lexical: (
        float  # share of the point's own content stems (not the question's or other points') in the answer
    )

    def covered_by(
        self, *, weight: float, threshold: float, margin_alone: float, min_semantic: float
    ) -> bool:
        # Without semantic support, one shared word ("table") or a margin over an unrelated question proves
        # nothing: some part of the answer must say something close to the point itself.
        if self.semantic < min_semantic:
            return False
        return weight * self.margin + (1 - weight) * self.lexical >= threshold or self.margin >= margin_alone

    @property
    def covered(self) -> bool:
        return self.covered_by(**KEY_POINT_RULE)


@dataclass(frozen=True)
class Analysis:
    """Everything the embedding grader measured about one answer (the benchmark refits on these)."""

    key_points: tuple[KeyPointCoverage, ...]
    derived_key_points: bool
    reference_similarity: float
    question_similarity: float
    precision: float  # share of the answer's own content stems (not the question's) found in the reference
    answer_words: int
    non_answer: bool

    def features(self, rule: dict[str, float] | None = None) -> tuple[float, ...]:
        """The FEATURE_NAMES vector; the key-point rule (covered_by's arguments) defaults to KEY_POINT_RULE."""
        if self.non_answer:
            return (0.0,) * len(FEATURE_NAMES)
        rule = rule or KEY_POINT_RULE
        points = self.key_points
        return (
            self.reference_similarity,
            float(np.mean([c.margin for c in points])) if points else 0.0,
            float(np.mean([c.lexical for c in points])) if points else 0.0,
            float(np.mean([c.covered_by(**rule) for c in points])) if points else 0.0,
            self.precision,
            self.question_similarity,
            math.log1p(self.answer_words),
        )


class EmbeddingGrader:
    """Offline grader: MiniLM similarity to the reference answer and coverage of its key points."""

    name = "EmbeddingGrader"

    def analyse(self, question: QuestionRef, answer: str) -> Analysis:
        key_points = tuple(question.key_points) or derive_key_points(question.reference_answer)
        derived = not question.key_points
        answer = answer.strip()
        answer_words = len(words(answer))
        if is_non_answer(answer):
            coverage = tuple(KeyPointCoverage(kp, 0.0, 0.0, 0.0) for kp in key_points)
            return Analysis(coverage, derived, 0.0, 0.0, 0.0, answer_words, True)

        units = _answer_units(answer)
        texts = [answer, question.reference_answer or question.text, question.text, *key_points, *units[1:]]
        vectors = embeddings.embed(texts)
        answer_vec, reference_vec, question_vec = vectors[0], vectors[1], vectors[2]
        kp_vecs = vectors[3 : 3 + len(key_points)]
        unit_vecs = np.vstack([answer_vec[None], vectors[3 + len(key_points) :]])

        answer_stems = content_stems(answer)
        question_stems = content_stems(question.text)
        point_stems = [content_stems(kp) for kp in key_points]
        coverage = []
        for i, (kp, kp_vec) in enumerate(zip(key_points, kp_vecs, strict=True)):
            semantic = float((unit_vecs @ kp_vec).max())
            margin = semantic - float(kp_vec @ question_vec)
            # Words of the question or of another key point ("delivery" in both TCP and UDP points) prove
            # nothing about this point: only its own words count.
            shared = question_stems.union(*(stems for j, stems in enumerate(point_stems) if j != i))
            lexical = self._overlap(point_stems[i], answer_stems, shared)
            coverage.append(KeyPointCoverage(kp, semantic, margin, lexical))

        reference_stems = content_stems(question.reference_answer) or content_stems(" ".join(key_points))
        own_stems = answer_stems - question_stems
        return Analysis(
            key_points=tuple(coverage),
            derived_key_points=derived,
            reference_similarity=float(answer_vec @ reference_vec),
            question_similarity=float(answer_vec @ question_vec),
            precision=len(own_stems & reference_stems) / len(own_stems) if own_stems else 0.0,
            answer_words=answer_words,
            non_answer=False,
        )

    @staticmethod
    def _overlap(point: set[str], answer: set[str], shared: set[str]) -> float:
        # Question demoting (Mohler et al. 2011), widened to the other key points; a point made only of
        # shared words keeps them all rather than becoming unmeasurable.
        demoted = point - shared or point
        return len(demoted & answer) / len(demoted) if demoted else 0.0

    @staticmethod
    def topic_score(features: tuple[float, ...]) -> float:
        z = FEATURE_BIAS + sum(w * f for w, f in zip(FEATURE_WEIGHTS, features, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def grade(self, question: QuestionRef, answer: str) -> Grade:
        if (
            question.kind == "general"
            and question.intent in behavioural.INTENTS
            and not is_non_answer(answer)
        ):
            return self._behavioural_grade(
                question, answer
            )  # judged on intent and STAR: no embeddings needed
        analysis = self.analyse(question, answer)
        covered = tuple(c.text for c in analysis.key_points if c.covered)
        missing = tuple(c.text for c in analysis.key_points if not c.covered)
        if analysis.non_answer:
            score, verdict = 0.0, "incorrect"
        elif question.kind == "general":
            score, verdict = self._general_score(question, answer, analysis)
        else:
            score, verdict = self._topic_verdict(analysis, missing, covered)
            if (
                verdict != "incorrect"
                and find_contradictions(
                    answer, reference=question.reference_answer, question=question.text
                ).found
            ):
                # Same words, opposite meaning: embeddings cannot tell, so the cue decides.
                score, verdict = min(score, PARTIAL_THRESHOLD - 0.001), "incorrect"
        if verdict == "correct":
            # The whole-answer score is the better judge; the per-point detector misses some paraphrases,
            # and a right answer must not come back with "missing" points the candidate did state.
            missing = ()
        return Grade(
            verdict=verdict,
            score=round(score, 3),
            missing_points=missing,
            covered_points=covered,
            hint=""
            if verdict == "correct"
            else build_hint(question, missing, derived=analysis.derived_key_points),
            praise=build_praise(verdict, covered, derived=analysis.derived_key_points),
            grader=self.name,
        )

    def _behavioural_grade(self, question: QuestionRef, answer: str) -> Grade:
        """A general question with an intent: judged on what was asked and, for a story, its STAR parts."""
        judgement = behavioural.judge(answer, intent=question.intent, story=question.story)
        told = tuple(f"the {part}" for part in judgement.star.present()) if judgement.star else ()
        missing = tuple(f"the {part}" for part in judgement.star.missing()) if judgement.star else ()
        correct = judgement.verdict == "correct"
        praise = {
            "correct": "Well done: a clear, concrete answer to what was asked.",
            "partial": "You are on the right track.",
        }
        return Grade(
            verdict=judgement.verdict,
            score=judgement.score,
            missing_points=() if correct else missing,
            covered_points=told,
            hint="" if correct else " ".join(p for p in (judgement.feedback, question.hint.strip()) if p),
            praise=praise.get(judgement.verdict, ""),
            grader=self.name,
        )

    def _topic_verdict(
        self, analysis: Analysis, missing: tuple[str, ...], covered: tuple[str, ...]
    ) -> tuple[float, str]:
        score = self.topic_score(analysis.features())
        if analysis.reference_similarity < RELEVANCE_FLOOR:
            # Long, fluent answers to another question score well on length and shared vocabulary; meaning
            # this far from the reference is off-topic, whatever the score.
            return min(score, PARTIAL_THRESHOLD - 0.001), "incorrect"
        if score >= CORRECT_THRESHOLD:
            # Product rule, not fitted (ASAG has no authored key points and its "correct" tolerates omissions):
            # a bank question's answer that leaves out more than a third of its key points is incomplete.
            if analysis.derived_key_points or len(missing) <= len(analysis.key_points) // 3:
                return score, "correct"
            return min(score, CORRECT_THRESHOLD - 0.001), "partial"
        # "Partial" means some key point was hit; a low score that hits none is wrong, not half right.
        if score >= PARTIAL_THRESHOLD and covered:
            return score, "partial"
        return min(score, PARTIAL_THRESHOLD - 0.001), "incorrect"

    @staticmethod
    def _general_score(question: QuestionRef, answer: str, analysis: Analysis) -> tuple[float, str]:
        # Generic key points ("the outcome") match almost anything, so relevance is judged on the question
        # and the description of a good answer only.
        relevance = max(analysis.reference_similarity, analysis.question_similarity)
        relevance_part = _clip01(
            (relevance - GENERAL_RELEVANCE_FLOOR) / (GENERAL_RELEVANCE_FULL - GENERAL_RELEVANCE_FLOOR)
        )
        substance_part = _clip01(analysis.answer_words / GENERAL_SUBSTANTIVE_WORDS)
        points = analysis.key_points
        coverage_part = sum(c.covered for c in points) / len(points) if points else 0.0
        score = 0.5 * relevance_part + 0.3 * substance_part + 0.2 * coverage_part
        if relevance < GENERAL_RELEVANCE_FLOOR or analysis.answer_words < GENERAL_MINIMUM_WORDS:
            return min(score, GENERAL_PARTIAL_SCORE - 0.01), "incorrect"
        if score >= GENERAL_CORRECT_SCORE:
            return score, "correct"
        return score, "partial" if score >= GENERAL_PARTIAL_SCORE else "incorrect"


def _normalised(text: str) -> str:
    return " ".join(words(text))


def build_hint(question: QuestionRef, missing: tuple[str, ...], *, derived: bool) -> str:
    """question.hint plus a nudge towards the first missing key point; never the reference answer itself."""
    parts = [question.hint.strip()] if question.hint.strip() else []
    if missing:
        point = missing[0]
        if derived:
            # A derived key point is a slice of the reference answer: name one idea, not the clause.
            question_stems = content_stems(question.text)
            terms = [w for w in words(point) if w not in STOPWORDS and stem(w) not in question_stems]
            if terms:
                parts.append(f"Think about how “{terms[0]}” comes into it.")
        else:
            parts.append(f"Also think about this point: {point[0].lower() + point[1:]}.")
    if not parts:
        parts.append("Re-read the question and name the main idea it asks about, as specifically as you can.")
    hint = " ".join(parts)
    reference = _normalised(question.reference_answer)
    if reference and reference in _normalised(hint):
        hint = question.hint.strip() if reference not in _normalised(question.hint) else ""
        hint = (
            hint or "Re-read the question and name the main idea it asks about, as specifically as you can."
        )
    return hint


def build_praise(verdict: str, covered: tuple[str, ...], *, derived: bool) -> str:
    if verdict == "incorrect":
        return ""
    if covered and not derived:
        named = ", ".join(covered[:-1]) + (" and " if len(covered) > 1 else "") + covered[-1]
        lead = "Well done: you covered" if verdict == "correct" else "Good start: you covered"
        return f"{lead} {named}."
    return "Well done, that is right." if verdict == "correct" else "You are on the right track."


# ---------------------------------------------------------------------------------------------------------
# The LLM grader

UNREADABLE_NOTICE = "The AI grader gave an unreadable answer; graded offline."
UNAVAILABLE_NOTICE = "The AI grader is unavailable right now; graded offline."
SLOW_NOTICE = "The AI grader took too long; graded offline."

_SYSTEM_PROMPT = (
    "You grade one candidate answer in a job interview. Judge meaning, not wording: an answer in other words "
    "that states the same facts is correct. Reply with one JSON object and nothing else."
)
_RUBRIC = """Question ({kind}): {question}
Reference answer: {reference}
Key points: {key_points}
{intent}
Candidate answer: {answer}

Rubric:
- "correct": states every key point without contradicting the reference (for a general/behavioural question:
  answers what the question really asks, concretely; a story has its situation, the candidate's own actions and
  the result).
- "partial": on topic and states some key points but misses others (a story missing a STAR part is partial).
- "incorrect": wrong, states the opposite of the reference, off-topic, answers a different question than the
  one asked (for example lists experience when asked why), evasive clichés, empty or "I don't know".
Reply with JSON: {{"verdict": "correct" | "partial" | "incorrect", "score": number 0-1,
"missing_points": [key points the answer misses, copied from the list], "hint": "one sentence nudging towards
the first missing point WITHOUT giving the reference answer", "praise": "one sentence naming what was right"}}"""
_REPAIR = (
    "That reply could not be used: {error}\n"
    "Reply again with only the JSON object, with the fields and values asked for."
)


def _intent_line(question: QuestionRef) -> str:
    """What a general question really asks, for the LLM's rubric (empty for topic questions)."""
    if question.intent not in behavioural.INTENT_LABELS:
        return ""
    story = " It asks for a STAR story (situation, task, action, result)." if question.story else ""
    return f"The question asks about {behavioural.INTENT_LABELS[question.intent]}.{story}\n"


class LLMVerdict(BaseModel):
    """The JSON the LLM must return."""

    verdict: Literal["correct", "partial", "incorrect"]
    # Servers that turn the schema into a grammar (llama.cpp) ignore a number's bounds but keep an enum: the
    # schema sent lists the scores a model may give, so decoding itself stays within 0-1.
    score: float = Field(ge=0.0, le=1.0, json_schema_extra={"enum": [0, 0.25, 0.5, 0.75, 1]})
    # Lengths in the schema sent only (not checked here): a grammar then closes every string in time, so a
    # small model cannot ramble past max_tokens and cut its own JSON short.
    missing_points: list[str] = Field(
        default_factory=list, json_schema_extra={"maxItems": 6, "items": {"type": "string", "maxLength": 120}}
    )
    hint: str = Field(default="", json_schema_extra={"maxLength": 300})
    praise: str = Field(default="", json_schema_extra={"maxLength": 300})

    @field_validator("verdict", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


def parse_llm_verdict(reply: str) -> LLMVerdict:
    """The verdict in an LLM reply (code fences and chatter around the object tolerated); ValueError if none."""
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the reply")
    try:
        return LLMVerdict.model_validate(json.loads(reply[start : end + 1]))
    except (json.JSONDecodeError, ValidationError) as error:
        raise ValueError(str(error)) from error


def _short(error: str, limit: int = 300) -> str:
    return error if len(error) <= limit else error[: limit - 1] + "…"


class LLMGrader:
    """Grades with a rubric prompt to a chat model; unreadable replies and LLM failures fall back offline."""

    name = "LLMGrader"

    def __init__(self, llm: ChatModel, fallback: Grader):
        self.llm = llm
        self.fallback = fallback

    def grade(self, question: QuestionRef, answer: str) -> Grade:
        if is_non_answer(answer):
            return self.fallback.grade(question, answer)  # nothing for a model to judge
        key_points = question.key_points or derive_key_points(question.reference_answer)
        messages = [
            {"role": "system", "content": _SYSTEM_PROMPT},
            {
                "role": "user",
                "content": _RUBRIC.format(
                    kind=question.kind,
                    question=question.text,
                    reference=question.reference_answer,
                    key_points="; ".join(key_points) or "(none)",
                    intent=_intent_line(question),
                    answer=answer.strip(),
                ),
            },
        ]
        try:
            for attempt in range(2):
                # The server is asked to constrain decoding to the verdict's JSON schema; the parse below
                # still guards against servers that ignore it.
                reply = self.llm.chat(messages, max_tokens=400, temperature=0.0, schema=LLMVerdict)
                try:
                    verdict = parse_llm_verdict(reply)
                except ValueError as error:
                    logger.warning("LLM grader reply unreadable (attempt %d): %s", attempt + 1, error)
                    # Never the same prompt twice: at temperature 0 it gives the same reply. The model sees
                    # its reply and what was wrong with it.
                    messages = [
                        *messages,
                        {"role": "assistant", "content": reply},
                        {"role": "user", "content": _REPAIR.format(error=_short(str(error)))},
                    ]
                    continue
                return self._to_grade(question, tuple(key_points), verdict)
        except TurnBudgetSpent as error:
            logger.warning("LLM grader too slow, grading offline: %s", error)
            return self._fall_back(question, answer, SLOW_NOTICE)
        except ServiceError as error:
            logger.warning("LLM grader failed, grading offline: %s", error)
            return self._fall_back(question, answer, UNAVAILABLE_NOTICE)
        return self._fall_back(question, answer, UNREADABLE_NOTICE)

    def _fall_back(self, question: QuestionRef, answer: str, notice: str) -> Grade:
        grade = self.fallback.grade(question, answer)
        return replace(grade, notices=(*grade.notices, notice))

    def _to_grade(self, question: QuestionRef, key_points: tuple[str, ...], verdict: LLMVerdict) -> Grade:
        missing = tuple(p.strip() for p in verdict.missing_points if p.strip())
        if verdict.verdict == "correct":
            missing = ()  # as with the offline grader: a right answer comes back with nothing missing
        missing_norm = {_normalised(p) for p in missing}
        covered = tuple(p for p in key_points if _normalised(p) not in missing_norm)
        hint = verdict.hint.strip()
        reference = _normalised(question.reference_answer)
        if verdict.verdict != "correct" and (not hint or (reference and reference in _normalised(hint))):
            hint = build_hint(question, missing, derived=not question.key_points)
        return Grade(
            verdict=verdict.verdict,
            score=round(verdict.score, 3),
            missing_points=missing,
            covered_points=covered if verdict.verdict != "incorrect" else (),
            hint="" if verdict.verdict == "correct" else hint,
            praise=verdict.praise.strip(),
            grader=self.name,
        )


# ---------------------------------------------------------------------------------------------------------

_grader: Grader | None = None
_grader_lock = threading.Lock()


def get_grader() -> Grader:
    """The LLM grader when an LLM is configured (falling back to the embedding grader), else the latter."""
    global _grader
    with _grader_lock:
        if _grader is None:
            from interviews.ai.llm import get_llm  # lazy: the LLM service may pull in HTTP clients

            llm = get_llm()
            _grader = LLMGrader(llm, EmbeddingGrader()) if llm is not None else EmbeddingGrader()
        return _grader


def reset_grader() -> None:
    """Forget the cached grader (tests that change settings.AI_SERVICES call this)."""
    global _grader
    with _grader_lock:
        _grader = None
