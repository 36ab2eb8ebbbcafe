"""Downloads: a report as Markdown, and a cohort's sessions or answers as streamed CSV.

CSV columns (also listed in analytics/README.md):

sessions.csv, one row per interview session the cohort's current members started after joining:
    session_id, user, email, candidate_name, topic, position, difficulty, status, started_at,
    ended_at, questions_asked, correct, partial, incorrect, accuracy, dominant_expression,
    avg_wpm, filler_rate, fallback_count
    (report columns are empty while a session has no report; accuracy is 0-1;
    filler_rate is filler words per 100 words.)

answers.csv, one row per answer attempt (Turn):
    session_id, user, question_number, attempt, question, kind, topic, difficulty, input_mode,
    verdict, score, hint_shown, answer_revealed, words_per_minute, filler_count, pause_count,
    stt_ms, eval_ms, tts_ms, transcript, created_at
    (topic and difficulty are the session's; times are ISO 8601 in UTC.)

Both accept ?from=YYYY-MM-DD&to=YYYY-MM-DD (inclusive, on the session start date) and ?topic=slug.
Rows come from `.iterator(chunk_size=...)` over `values_list`, so memory stays flat however large
the cohort is; text cells that a spreadsheet would run as a formula are prefixed with a quote.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from django.utils import timezone

from analytics.selectors import InterviewReport, member_sessions
from interviews.catalog import DIFFICULTY_LABELS, POSITION_LABELS
from interviews.models import InterviewSession, Turn

CHUNK_SIZE = 1000  # rows fetched from the database at a time
ROWS_PER_CHUNK = 200  # CSV lines per chunk sent to the client (about 60 KB of answers)
# Cells starting with these are formulas to Excel/LibreOffice/Sheets (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

SESSION_COLUMNS = [
    "session_id",
    "user",
    "email",
    "candidate_name",
    "topic",
    "position",
    "difficulty",
    "status",
    "started_at",
    "ended_at",
    "questions_asked",
    "correct",
    "partial",
    "incorrect",
    "accuracy",
    "dominant_expression",
    "avg_wpm",
    "filler_rate",
    "fallback_count",
]
ANSWER_COLUMNS = [
    "session_id",
    "user",
    "question_number",
    "attempt",
    "question",
    "kind",
    "topic",
    "difficulty",
    "input_mode",
    "verdict",
    "score",
    "hint_shown",
    "answer_revealed",
    "words_per_minute",
    "filler_count",
    "pause_count",
    "stt_ms",
    "eval_ms",
    "tts_ms",
    "transcript",
    "created_at",
]


# --- CSV --------------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: formulas are neutralised, times are ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: list[str], rows: Iterable[Iterable[Any]], *, rows_per_chunk: int = ROWS_PER_CHUNK
) -> Iterator[str]:
    """CSV text in chunks of `rows_per_chunk` lines: one write per chunk rather than per row."""
    writer = csv.writer(_Echo())
    chunk = [writer.writerow(header)]
    for row in rows:
        chunk.append(writer.writerow([safe_cell(cell) for cell in row]))
        if len(chunk) >= rows_per_chunk:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


async def as_async(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Serve a synchronous chunk generator under ASGI without Django buffering it all in memory.

    Django consumes a sync iterator with `list()` under ASGI; pulling each chunk in the thread that
    owns the database connection keeps the cursor, and the memory use, of the sync path.
    """

    def next_chunk() -> str:
        return next(chunks, "")

    while chunk := await sync_to_async(next_chunk, thread_sensitive=True)():
        yield chunk


def start_of_day(day: date) -> datetime:
    """Midnight of `day` in the site's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_sessions(
    cohort, *, start: date | None = None, end: date | None = None, topic: str = ""
) -> QuerySet[InterviewSession]:
    sessions = member_sessions(cohort)
    # Compare with local midnights rather than `started_at__date`: that lookup is a per-row
    # function call on SQLite and keeps PostgreSQL from using the started_at indexes.
    if start:
        sessions = sessions.filter(started_at__gte=start_of_day(start))
    if end:
        sessions = sessions.filter(started_at__lt=start_of_day(end + timedelta(days=1)))
    if topic:
        sessions = sessions.filter(topic=topic)
    return sessions


def session_rows(sessions: QuerySet[InterviewSession]) -> Iterator[list[Any]]:
    rows = sessions.order_by("started_at", "id").values_list(
        "id",
        "owner__username",
        "owner__email",
        "candidate_name",
        "topic",
        "position",
        "difficulty",
        "status",
        "started_at",
        "ended_at",
        "report__questions_asked",
        "report__correct_count",
        "report__partial_count",
        "report__incorrect_count",
        "report__accuracy",
        "report__dominant_expression",
        "report__speaking",
        "fallback_count",
    )
    for *head, speaking, fallback_count in rows.iterator(chunk_size=CHUNK_SIZE):
        speaking = speaking or {}
        yield [*head, speaking.get("words_per_minute"), speaking.get("filler_rate"), fallback_count]


def answer_rows(sessions: QuerySet[InterviewSession]) -> Iterator[tuple[Any, ...]]:
    turns = (
        Turn.objects.filter(session__in=sessions.values("id"))
        .order_by("session_id", "question_number", "attempt")
        .values_list(
            "session_id",
            "session__owner__username",
            "question_number",
            "attempt",
            "question__text",
            "question__kind",
            "session__topic",
            "session__difficulty",
            "input_mode",
            "verdict",
            "score",
            "hint_shown",
            "answer_revealed",
            "words_per_minute",
            "filler_count",
            "pause_count",
            "stt_ms",
            "eval_ms",
            "tts_ms",
            "transcript",
            "created_at",
        )
    )
    return turns.iterator(chunk_size=CHUNK_SIZE)


# --- Markdown ---------------------------------------------------------------------------------


def format_metric(value) -> str:
    """Speaking metrics: counts as integers, small rates with one decimal, 131 words/min without."""
    if value is None or value == "":
        return "–"
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.1f}" if abs(value) < 10 else f"{value:.0f}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _md_text(text: str) -> str:
    """Keep a transcript on its own quoted block, whatever newlines it carries."""
    return "\n".join(f"> {line}" if line else ">" for line in (text or "(no answer)").splitlines())


def _md_expressions(part) -> str:
    """One attempt's line of the per-question expressions (the report page's wording)."""
    title = "Expressions after the hint" if part.attempt > 1 else "Expressions"
    if part.seen:
        said = f"listening {part.listening or '—'}, answering {part.answering or '—'}"
        if len(part.changes) > 1:
            said += " · changed " + " → ".join(part.changes)
    else:
        said = "none seen"
    if part.missing:
        said += f" (missing: {'; '.join(part.missing)})"
    return f"{title}: {said}"


def report_markdown(view: InterviewReport) -> str:
    session = view.session
    lines = [
        f"# Interview report: {session.candidate_name}",
        "",
        f"- Topic: {session.topic_label}",
        f"- Position: {POSITION_LABELS.get(session.position, session.position)}",
        f"- Difficulty: {DIFFICULTY_LABELS.get(session.difficulty, session.difficulty)}",
        f"- Started: {timezone.localtime(session.started_at):%Y-%m-%d %H:%M %Z}",
        f"- Status: {session.get_status_display()}",
        "",
        "## Results",
        "",
        # A report of no answers stores accuracy 0: that is no figure at all, not a 0 % score.
        f"- Accuracy: {view.accuracy_percent}%"
        if view.accuracy is not None and view.questions_asked
        else "- Accuracy: n/a (no questions answered)",
        f"- Questions asked: {view.questions_asked}",
        f"- Correct: {view.correct} · Partially correct: {view.partial} · Incorrect: {view.incorrect}"
        f" · Answers revealed: {view.revealed}",
    ]
    if view.dominant_expression:
        lines.append(f"- Dominant expression: {view.dominant_expression}")
    if view.emotion_pattern:
        lines.append(f"- Expression pattern: {view.emotion_pattern}")
    for title, items in (
        ("Strengths", view.strengths),
        ("Weaknesses", view.weaknesses),
        ("Suggested improvements", view.improvements),
    ):
        if items:
            lines += ["", f"## {title}", "", *[f"- {item}" for item in items]]
    if view.speaking:
        lines += [
            "",
            "## Speaking",
            "",
            *[f"- {label}: {format_metric(value)}" for label, value in view.speaking],
        ]
    lines += ["", "## Questions"]
    for question, seen in view.question_rows:
        lines += ["", f"### {question.number}. {question.text}", ""]
        for part in seen.attempts if seen else ():
            lines += [_md_expressions(part), ""]
        for turn in question.attempts:
            lines.append(
                f"**Attempt {turn.attempt}** ({turn.get_input_mode_display().lower()}): "
                f"{turn.get_verdict_display()}"
            )
            lines += ["", _md_text(turn.transcript), ""]
            metrics = []
            if turn.words_per_minute is not None:
                metrics.append(f"{turn.words_per_minute:.0f} words/min")
            if turn.input_mode == Turn.InputMode.SPOKEN:
                metrics += [_count(turn.filler_count, "filler word"), _count(turn.pause_count, "pause")]
            if metrics:
                lines += [", ".join(metrics), ""]
            if turn.feedback:
                lines += [f"Interviewer: {turn.feedback}", ""]
        if question.hint_shown and question.hint:
            lines += [f"Hint: {question.hint}", ""]
        lines += [f"{question.model_answer_label}: {question.model_answer}"]
    return "\n".join(lines).rstrip() + "\n"
