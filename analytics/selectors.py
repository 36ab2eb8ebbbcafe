"""Read-side of analytics: who may see what, one interview's report, and the dashboards' aggregates.

Every selector here runs a fixed number of queries whatever the number of sessions: aggregation is
done by the database (GROUP BY) or over one bounded query, never per row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Cohort, CohortMembership
from accounts.selectors import recommended_settings_for
from interviews.catalog import DIFFICULTY_LABELS, POSITION_LABELS, topic_label
from interviews.models import (
    ConfigurationProblem,
    ExpressionGap,
    ExpressionSample,
    InterviewSession,
    Report,
    Turn,
)
from interviews.selectors import sessions_owned_by, shared_through
from interviews.services.reporting import (
    QuestionExpressions,
    QuestionResult,
    SkillCoverage,
    difficulty_path,
    dominant_expression,
    expressions_by_question,
    question_results,
    skill_coverage,
    speaking_summary,
    tally,
)

INACTIVE_AFTER = timedelta(days=14)
RECENT_SESSIONS_SHOWN = 50
# A topic practised at this accuracy or better is "mastered": suggest the next difficulty instead.
MASTERY_ACCURACY = 0.8
# Report.speaking keys (interviews.services.reporting.speaking_summary); filler_rate is per 100 words.
SPEAKING_LABELS = {
    "spoken_answers": "Spoken answers",
    "words_per_minute": "Words per minute",
    "filler_rate": "Filler words per 100 words",
    "pauses_per_answer": "Pauses per answer",
}
DIFFICULTY_ORDER = ["easy", "medium", "hard"]


# --- a cohort's interviews -------------------------------------------------------------------------


def member_sessions(cohort: Cohort) -> QuerySet[InterviewSession]:
    """Sessions the cohort's current members started after joining it, whatever `InterviewSession.cohort` says.

    A subquery rather than a join keeps one row per session for the aggregates below.
    """
    return InterviewSession.objects.filter(shared_through(CohortMembership.objects.filter(cohort=cohort)))


# --- one interview's report -------------------------------------------------------------------


@dataclass
class InterviewReport:
    """Everything the report page and its Markdown download show."""

    session: InterviewSession
    report: Report | None
    questions: list[QuestionResult]
    questions_asked: int
    correct: int
    partial: int
    incorrect: int
    revealed: int
    accuracy: float | None
    dominant_expression: str
    emotion_pattern: str
    expression_timeline: list[tuple[float, str, float]]
    expression_mix: list[tuple[str, int]]
    strengths: list[str]
    weaknesses: list[str]
    improvements: list[str]
    speaking: list[tuple[str, float]]  # (label, value) averages over spoken answers
    skill_coverage: list[SkillCoverage] = field(default_factory=list)  # a job interview's skills
    difficulty_path: list[tuple[int, str, str]] = field(default_factory=list)  # (number, level, verdict)
    # Per question, what the webcam saw (empty when the candidate never switched it on).
    question_expressions: list[QuestionExpressions] = field(default_factory=list)

    @property
    def missed_count(self) -> int:
        return sum(q.verdict != Turn.Verdict.CORRECT for q in self.questions)

    @property
    def question_rows(self) -> list[tuple[QuestionResult, QuestionExpressions | None]]:
        """Each question with what the webcam saw during it (None without webcam analysis)."""
        seen = {q.number: q for q in self.question_expressions}
        return [(question, seen.get(question.number)) for question in self.questions]

    @property
    def has_spoken_answers(self) -> bool:
        return any(t.input_mode == Turn.InputMode.SPOKEN for q in self.questions for t in q.attempts)

    @property
    def accuracy_percent(self) -> int | None:
        return None if self.accuracy is None else round(self.accuracy * 100)


def interview_report(*, session: InterviewSession) -> InterviewReport:
    """One interview's report, read only: the stored Report's figures when there is one, else the same
    computation build_report stores (interviews.services.reporting), so both show the same figures."""
    try:
        report = session.report
    except Report.DoesNotExist:
        report = None
    turns = list(session.turns.select_related("question").order_by("question_number", "attempt"))
    results = question_results(turns)

    samples = list(
        ExpressionSample.objects.filter(session=session)
        .order_by("offset_seconds")
        .only("offset_seconds", "label", "confidence", "question_number", "attempt", "phase")
    )
    gaps = list(ExpressionGap.objects.filter(session=session))
    watched = session.consent_video or bool(samples) or bool(gaps)
    mix = Counter(sample.label for sample in samples).most_common()

    if report is not None:
        counts = dict(
            questions_asked=report.questions_asked,
            correct=report.correct_count,
            partial=report.partial_count,
            incorrect=report.incorrect_count,
            revealed=report.revealed_count,
            accuracy=report.accuracy,
        )
    else:
        counted = tally(results)
        counts = dict(
            questions_asked=counted.asked,
            correct=counted.correct,
            partial=counted.partial,
            incorrect=counted.incorrect,
            revealed=counted.revealed,
            accuracy=counted.accuracy if counted.asked else None,
        )
    speaking = (report.speaking if report else None) or speaking_summary(turns)

    return InterviewReport(
        session=session,
        report=report,
        questions=results,
        **counts,
        dominant_expression=(report.dominant_expression if report else "") or dominant_expression(samples),
        emotion_pattern=report.emotion_pattern if report else "",
        expression_timeline=[(s.offset_seconds, s.label, s.confidence) for s in samples],
        expression_mix=mix,
        strengths=list(report.strengths) if report else [],
        weaknesses=list(report.weaknesses) if report else [],
        improvements=list(report.improvements) if report else [],
        speaking=[
            (SPEAKING_LABELS.get(key, key.replace("_", " ").capitalize()), value)
            for key, value in speaking.items()
            if isinstance(value, int | float)
        ],
        skill_coverage=skill_coverage(session.job_skills, results),
        difficulty_path=difficulty_path(results),
        question_expressions=expressions_by_question(results, samples, gaps) if watched else [],
    )


# --- candidate dashboard ----------------------------------------------------------------------


@dataclass
class GroupStat:
    key: str
    label: str
    sessions: int
    accuracy: float | None

    @property
    def accuracy_percent(self) -> int | None:
        return None if self.accuracy is None else round(self.accuracy * 100)


@dataclass
class Suggestion:
    topic: str
    difficulty: str
    reason: str

    @property
    def topic_label(self) -> str:
        return topic_label(self.topic)


@dataclass
class CandidateDashboard:
    session_count: int
    finished_count: int
    average_accuracy: float | None
    recent: list[dict[str, Any]]  # oldest first: started_at, topic, difficulty, accuracy, speaking...
    by_topic: list[GroupStat]
    by_difficulty: list[GroupStat]
    expression_mix: list[tuple[str, int]]
    best_topic: GroupStat | None
    weakest_topic: GroupStat | None
    suggestion: Suggestion | None
    recommendation: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.session_count == 0


def _group_stats(sessions: QuerySet[InterviewSession], key: str) -> list[GroupStat]:
    rows = sessions.values(key).annotate(n=Count("id"), accuracy=Avg("report__accuracy")).order_by(key)
    labels = topic_label if key == "topic" else lambda slug: DIFFICULTY_LABELS.get(slug, slug)
    stats = [GroupStat(r[key], labels(r[key]), r["n"], r["accuracy"]) for r in rows]
    if key == "difficulty":
        stats.sort(key=lambda s: DIFFICULTY_ORDER.index(s.key) if s.key in DIFFICULTY_ORDER else 99)
    return stats


def _suggest(
    by_topic: list[GroupStat], by_difficulty_of_topic: dict[str, str], recommendation: dict[str, str]
) -> Suggestion | None:
    practised = {s.key for s in by_topic}
    rec_topic = recommendation.get("topic")
    if rec_topic and rec_topic not in practised:
        return Suggestion(
            rec_topic,
            recommendation.get("difficulty", "easy"),
            "Your instructor recommends this topic and you have not practised it yet.",
        )
    graded = [s for s in by_topic if s.accuracy is not None]
    if not graded:
        if rec_topic:
            return Suggestion(
                rec_topic, recommendation.get("difficulty", "easy"), "Your instructor recommends this topic."
            )
        return None
    weakest = min(graded, key=lambda s: s.accuracy)
    last_difficulty = by_difficulty_of_topic.get(weakest.key, "easy")
    if weakest.accuracy >= MASTERY_ACCURACY:
        level = DIFFICULTY_ORDER.index(last_difficulty) if last_difficulty in DIFFICULTY_ORDER else 0
        harder = DIFFICULTY_ORDER[min(level + 1, len(DIFFICULTY_ORDER) - 1)]
        return Suggestion(
            weakest.key,
            harder,
            f"Every topic you practised is at {round(MASTERY_ACCURACY * 100)}% or better: "
            "try a harder level.",
        )
    return Suggestion(
        weakest.key, last_difficulty, f"Your weakest topic so far ({weakest.accuracy_percent}% accuracy)."
    )


def candidate_dashboard(*, user) -> CandidateDashboard:
    """Progress over time for one candidate, in a fixed number of queries."""
    sessions = sessions_owned_by(user)
    totals = sessions.aggregate(
        n=Count("id"),
        finished=Count("id", filter=Q(status=InterviewSession.Status.FINISHED)),
        accuracy=Avg("report__accuracy"),
    )
    recent = list(
        sessions.order_by("-started_at").values(
            "id",
            "started_at",
            "topic",
            "difficulty",
            "status",
            "report__accuracy",
            "report__speaking",
            "report__dominant_expression",
        )[:RECENT_SESSIONS_SHOWN]
    )
    recent.reverse()
    by_topic = _group_stats(sessions, "topic")
    by_difficulty = _group_stats(sessions, "difficulty")
    mix = list(
        ExpressionSample.objects.filter(session__owner=user)
        .values_list("label")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    recommendation = recommended_settings_for(user)
    last_difficulty_of_topic: dict[str, str] = {}
    for row in recent:  # oldest first, so the latest session of each topic wins
        last_difficulty_of_topic[row["topic"]] = row["difficulty"]
    graded = [s for s in by_topic if s.accuracy is not None]
    return CandidateDashboard(
        session_count=totals["n"],
        finished_count=totals["finished"],
        average_accuracy=totals["accuracy"],
        recent=recent,
        by_topic=by_topic,
        by_difficulty=by_difficulty,
        expression_mix=[(label, n) for label, n in mix],
        best_topic=max(graded, key=lambda s: s.accuracy) if graded else None,
        weakest_topic=min(graded, key=lambda s: s.accuracy) if len(graded) > 1 else None,
        suggestion=_suggest(by_topic, last_difficulty_of_topic, recommendation),
        recommendation=recommendation,
    )


# --- cohort dashboard -------------------------------------------------------------------------


@dataclass
class MemberStat:
    user_id: int
    name: str
    email: str
    joined_at: Any
    sessions: int
    accuracy: float | None
    last_session_at: Any
    inactive: bool

    @property
    def accuracy_percent(self) -> int | None:
        return None if self.accuracy is None else round(self.accuracy * 100)


@dataclass
class CohortDashboard:
    cohort: Cohort
    members: list[MemberStat]
    recent_sessions: list[InterviewSession]
    by_topic: list[GroupStat]
    by_difficulty: list[GroupStat]
    session_count: int
    average_accuracy: float | None

    @property
    def inactive_members(self) -> list[MemberStat]:
        return [m for m in self.members if m.inactive]

    @property
    def recommendation_labels(self) -> dict[str, str]:
        c = self.cohort
        return {
            "topic": topic_label(c.recommended_topic) if c.recommended_topic else "",
            "position": POSITION_LABELS.get(c.recommended_position, c.recommended_position),
            "difficulty": DIFFICULTY_LABELS.get(c.recommended_difficulty, c.recommended_difficulty),
        }


def cohort_dashboard(*, cohort: Cohort, now=None) -> CohortDashboard:
    """A cohort's members, their sessions and averages, in a fixed number of queries."""
    now = now or timezone.now()
    sessions = member_sessions(cohort)
    per_owner = {
        row["owner_id"]: row
        for row in sessions.values("owner_id")
        .annotate(n=Count("id"), accuracy=Avg("report__accuracy"), last=Max("started_at"))
        .order_by()
    }
    members = []
    memberships = cohort.memberships.order_by("user__username").values_list(
        "user_id",
        "user__username",
        "user__display_name",
        "user__first_name",
        "user__last_name",
        "user__email",
        "joined_at",
    )
    for user_id, username, display_name, first_name, last_name, email, joined_at in memberships:
        stats = per_owner.get(user_id, {})
        last = stats.get("last")
        members.append(
            MemberStat(
                user_id=user_id,
                name=display_name or f"{first_name} {last_name}".strip() or username,
                email=email,
                joined_at=joined_at,
                sessions=stats.get("n", 0),
                accuracy=stats.get("accuracy"),
                last_session_at=last,
                inactive=last is None or now - last > INACTIVE_AFTER,
            )
        )
    totals = sessions.aggregate(n=Count("id"), accuracy=Avg("report__accuracy"))
    # Only what the table shows: engine_state and the report's texts can be large.
    recent = list(
        sessions.select_related("owner", "report")
        .only(
            "id",
            "topic",
            "difficulty",
            "status",
            "started_at",
            "owner__username",
            "owner__display_name",
            "owner__first_name",
            "owner__last_name",
            "report__accuracy",
        )
        .order_by("-started_at")[:RECENT_SESSIONS_SHOWN]
    )
    return CohortDashboard(
        cohort=cohort,
        members=members,
        recent_sessions=recent,
        by_topic=_group_stats(sessions, "topic"),
        by_difficulty=_group_stats(sessions, "difficulty"),
        session_count=totals["n"],
        average_accuracy=totals["accuracy"],
    )


# --- admin overview ---------------------------------------------------------------------------


@dataclass
class AdminOverview:
    days: list[tuple[Any, int]]  # (date, sessions started), oldest first, zero-filled
    by_topic: list[GroupStat]
    fallback_total: int
    sessions_with_fallback: int
    providers: list[tuple[str, str, int]]  # (service, backend, sessions)
    session_count: int
    # Remote providers that refused their configuration (bad key, unknown model, prompt over the context)
    # in the window: an administrator must act, retrying will not help.
    configuration_problems: list[ConfigurationProblem] = field(default_factory=list)


def admin_overview(*, days: int = 30, now=None) -> AdminOverview:
    """Site-wide usage for staff: sessions per day, accuracy by topic, provider fallbacks."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_day = today - timedelta(days=days - 1)
    # A range on started_at (not `__date`) so the database can use its started_at indexes.
    window_start = timezone.make_aware(datetime.combine(first_day, time.min))
    window = InterviewSession.objects.filter(started_at__gte=window_start)
    per_day = dict(
        window.annotate(day=TruncDate("started_at")).values_list("day").annotate(n=Count("id")).order_by()
    )
    totals = window.aggregate(
        n=Count("id"),
        fallbacks=Sum("fallback_count"),
        with_fallback=Count("id", filter=Q(fallback_count__gt=0)),
    )
    providers: Counter[tuple[str, str]] = Counter()
    # Few distinct provider combinations exist, so grouping by the whole JSON value stays small.
    for combination, n in window.values_list("providers").annotate(n=Count("id")).order_by():
        for service, backend in (combination or {}).items():
            providers[(service, str(backend))] += n
    return AdminOverview(
        days=[
            (first_day + timedelta(days=i), per_day.get(first_day + timedelta(days=i), 0))
            for i in range(days)
        ],
        by_topic=_group_stats(InterviewSession.objects.all(), "topic"),
        fallback_total=totals["fallbacks"] or 0,
        sessions_with_fallback=totals["with_fallback"],
        providers=sorted(((s, b, n) for (s, b), n in providers.items()), key=lambda r: (r[0], -r[2], r[1])),
        session_count=totals["n"],
        configuration_problems=list(
            ConfigurationProblem.objects.filter(last_seen__gte=window_start).order_by("-last_seen")[:20]
        ),
    )
