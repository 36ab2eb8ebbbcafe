"""Admin for reviewing interviews (read-only history) and curating the question bank (editable)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from interviews.catalog import POSITION_LABELS, topic_label
from interviews.models import ExpressionGap, ExpressionSample, InterviewSession, Question, Report, Turn
from interviews.services.reporting import emotion_pattern, expressions_by_question, question_results


class ReviewOnly:
    """What happened in an interview is a record: nobody adds or edits it from the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


class TurnInline(ReviewOnly, admin.StackedInline):
    model = Turn
    extra = 0
    can_delete = False
    show_change_link = False
    fields = [
        ("question_number", "attempt", "input_mode", "verdict", "score"),
        "question_text",
        ("question_source", "graded_by"),
        "transcript",
        "feedback",
        ("hint_shown", "answer_revealed", "missed_points"),
        ("latencies", "speaking"),
        ("backends", "notices"),
        "audio_player",
    ]
    readonly_fields = [
        "question_number", "attempt", "input_mode", "verdict", "score", "question_text", "question_source",
        "graded_by", "transcript",
        "feedback", "hint_shown", "answer_revealed", "missed_points", "latencies", "speaking", "backends",
        "notices", "audio_player",
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")

    @admin.display(description="question")
    def question_text(self, turn: Turn) -> str:
        return turn.question.text

    @admin.display(description="question from")
    def question_source(self, turn: Turn) -> str:
        return turn.question.get_source_display()

    @admin.display(description="graded by")
    def graded_by(self, turn: Turn) -> str:
        grader = turn.backends.get("grader", "")
        if not grader:
            return "–"
        return "the LLM" if grader == "LLMGrader" else f"the embedded grader ({grader})"

    @admin.display(description="latency (ms)")
    def latencies(self, turn: Turn) -> str:
        stages = [("STT", turn.stt_ms), ("grading", turn.eval_ms), ("TTS", turn.tts_ms)]
        return ", ".join(f"{name} {ms}" for name, ms in stages if ms is not None) or "–"

    @admin.display(description="speaking")
    def speaking(self, turn: Turn) -> str:
        if turn.input_mode != Turn.InputMode.SPOKEN:
            return "typed answer"
        wpm = f"{turn.words_per_minute:.0f} wpm" if turn.words_per_minute is not None else "? wpm"
        return f"{wpm}, {turn.filler_count} fillers, {turn.pause_count} pauses"

    @admin.display(description="audio")
    def audio_player(self, turn: Turn) -> str:
        if not turn.audio:
            return "not stored"
        return format_html(
            '<audio controls preload="none" src="{}"></audio>',
            reverse("interviews:turn_audio", args=[turn.pk]),
        )


class ExpressionSampleInline(ReviewOnly, admin.TabularInline):
    model = ExpressionSample
    extra = 0
    can_delete = False
    classes = ["collapse"]  # two samples a second: hidden until asked for
    fields = ["offset_seconds", "question_number", "attempt", "phase", "label", "confidence"]
    readonly_fields = fields


class TopicFilter(admin.SimpleListFilter):
    """Topics by name; interviews on a free-text topic (LLM-generated) are listed as typed."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        used = InterviewSession.objects.values_list("topic", flat=True).distinct().order_by("topic")
        return sorted(((slug, topic_label(slug)) for slug in used), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(topic=self.value()) if self.value() else queryset


class CohortListFilter(admin.RelatedOnlyFieldListFilter):
    """Only the cohorts that have interviews, not every cohort ever made."""


@admin.register(InterviewSession)
class InterviewSessionAdmin(ReviewOnly, admin.ModelAdmin):
    list_display = [
        "id", "candidate_name", "owner", "topic_name", "position_name", "difficulty", "status", "accuracy",
        "turn_count", "fallback_count", "started_at",
    ]  # fmt: skip
    list_display_links = ["id", "candidate_name"]
    list_filter = ["status", TopicFilter, "difficulty", "started_at", ("cohort", CohortListFilter)]
    search_fields = ["owner__username", "owner__email", "candidate_name"]
    date_hierarchy = "started_at"
    list_select_related = ["owner", "report"]
    list_per_page = 50
    view_on_site = False  # the site's interview pages are the candidate's own, not a reviewer's
    inlines = [TurnInline, ExpressionSampleInline]
    fieldsets = [
        (None, {"fields": [("owner", "candidate_name", "cohort"), ("topic", "position", "difficulty")]}),
        ("Progress", {"fields": [("status", "stage"), ("started_at", "ended_at"), "report_summary"]}),
        ("Consent", {"fields": [("consent_audio", "consent_video")]}),
        ("Services", {"fields": ["providers", "fallback_count", "start_notices", "expression_summary"]}),
        ("Expressions per question", {"fields": ["expression_timeline"]}),
        ("Engine state", {"classes": ["collapse"], "fields": ["engine_state"]}),
    ]
    readonly_fields = ["report_summary", "expression_summary", "expression_timeline"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_turn_count=Count("turns"))

    def has_delete_permission(self, request, obj=None) -> bool:
        # Removing a candidate's data on request is the one write allowed, and only for superusers.
        return request.user.is_superuser

    def get_deleted_objects(self, objs, request):
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        # Turns, samples and the report go with their session; their own admins refuse deleting them alone.
        return deleted, counts, set(), protected

    @admin.display(description="topic", ordering="topic")
    def topic_name(self, session: InterviewSession) -> str:
        return topic_label(session.topic)

    @admin.display(description="position", ordering="position")
    def position_name(self, session: InterviewSession) -> str:
        return POSITION_LABELS.get(session.position, session.position)

    @admin.display(description="turns", ordering="_turn_count")
    def turn_count(self, session: InterviewSession) -> int:
        return session._turn_count

    @admin.display(description="accuracy", ordering="report__accuracy")
    def accuracy(self, session: InterviewSession) -> str:
        report = getattr(session, "report", None)
        return _percent(report.accuracy if report else None)

    @admin.display(description="report")
    def report_summary(self, session: InterviewSession) -> str:
        report = getattr(session, "report", None)
        if report is None:
            return "No report yet."
        return format_html(
            '<a href="{}">{} correct of {} asked ({})</a>',
            reverse("admin:interviews_report_change", args=[report.pk]),
            report.correct_count,
            report.questions_asked,
            _percent(report.accuracy),
        )

    @admin.display(description="timeline")
    def expression_timeline(self, session: InterviewSession) -> str:
        """The report's per-question expressions (interviews.services.reporting), for the reviewer."""
        samples = list(session.expressions.all())
        gaps = list(ExpressionGap.objects.filter(session=session))
        if not samples and not gaps:
            return "No webcam analysis."
        results = question_results(session.turns.select_related("question"))
        per_question = format_html_join(
            "",
            "<div><strong>Question {}</strong>{}</div>",
            (
                (seen.number, render_to_string("interviews/_question_expressions.html", {"seen": seen}))
                for seen in expressions_by_question(results, samples, gaps)
            ),
        )
        return format_html("<p>{}</p>{}", emotion_pattern(samples), per_question)

    @admin.display(description="expressions")
    def expression_summary(self, session: InterviewSession) -> str:
        counts = session.expressions.values_list("label").annotate(n=Count("id")).order_by("-n")
        if not counts:
            return "No webcam analysis."
        return format_html_join(", ", "{} × {}", ((label, n) for label, n in counts))


@admin.register(Report)
class ReportAdmin(ReviewOnly, admin.ModelAdmin):
    list_display = [
        "session", "owner", "accuracy_percent", "questions_asked", "correct_count", "revealed_count",
        "dominant_expression", "created_at",
    ]  # fmt: skip
    list_filter = ["created_at", "session__topic", "session__difficulty", "dominant_expression"]
    search_fields = ["session__owner__username", "session__owner__email", "session__candidate_name"]
    list_select_related = ["session__owner"]
    date_hierarchy = "created_at"

    @admin.display(description="candidate", ordering="session__owner__username")
    def owner(self, report: Report):
        return report.session.owner

    @admin.display(description="accuracy", ordering="accuracy")
    def accuracy_percent(self, report: Report) -> str:
        return _percent(report.accuracy)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["short_text", "kind", "topic", "difficulty", "source", "is_active", "times_asked"]
    list_filter = ["kind", "topic", "difficulty", "source", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["text", "bank_key", "reference_answer"]
    readonly_fields = ["bank_key", "created_at"]
    fields = [
        ("bank_key", "created_at"),
        "text",
        ("kind", "topic", "difficulty", "source", "is_active"),
        "positions",
        "reference_answer",
        "key_points",
        "hint",
    ]
    actions = ["deactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_times_asked=Count("turns__session", distinct=True))

    @admin.display(description="question", ordering="text")
    def short_text(self, question: Question) -> str:
        return question.text if len(question.text) <= 90 else question.text[:89] + "…"

    @admin.display(description="asked", ordering="_times_asked")
    def times_asked(self, question: Question) -> int:
        return question._times_asked

    @admin.action(description="Deactivate (keep for history, stop asking)")
    def deactivate(self, request, queryset):
        updated = queryset.update(is_active=False)
        self.message_user(request, f"{updated} question(s) will no longer be asked.")
