"""Interview persistence: sessions, questions, answer turns, expression samples and reports."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from interviews.catalog import DIFFICULTIES, topic_label

# Containers a browser records answers in; any other extension (.html, .svg...) is dropped, since the
# access-checked view derives the Content-Type it serves from the stored name.
RECORDING_SUFFIXES = frozenset(
    {".webm", ".ogg", ".oga", ".opus", ".mp4", ".m4a", ".mp3", ".wav", ".flac", ".aac"}
)


def answer_audio_path(turn: Turn, filename: str) -> str:
    """A random name under answers/YYYY/MM/: the upload's own name would make a stored answer's path guessable."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in RECORDING_SUFFIXES:
        suffix = ""
    return timezone.now().strftime("answers/%Y/%m/") + uuid.uuid4().hex + suffix


class InterviewSession(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        FINISHED = "finished", "Finished"
        ABANDONED = "abandoned", "Abandoned"

    class Stage(models.TextChoices):
        GENERAL = "general", "General questions"
        TOPIC = "topic", "Topic questions"
        FINISHED = "finished", "Finished"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_sessions"
    )
    # The cohort the candidate practised for, when they belong to one: lets instructors filter.
    cohort = models.ForeignKey(
        "accounts.Cohort", on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    candidate_name = models.CharField(max_length=80)
    topic = models.CharField(max_length=80)
    position = models.CharField(max_length=40)
    difficulty = models.CharField(max_length=10, choices=DIFFICULTIES, default="medium")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.GENERAL)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The engine's full state (interviews.engine.InterviewState.to_dict()), saved at every
    # transition so a server restart resumes exactly where the candidate was.
    engine_state = models.JSONField(default=dict, blank=True)
    # Which backend served each service, e.g. {"stt": "FasterWhisperSTT", "llm": "EmbeddedLLM"}.
    providers = models.JSONField(default=dict, blank=True)
    fallback_count = models.PositiveIntegerField(default=0)
    # Fallback notices from choosing the first question (e.g. the LLM was down): shown until the first answer.
    start_notices = models.JSONField(default=list, blank=True)
    consent_audio = models.BooleanField("store my answer audio", default=False)
    consent_video = models.BooleanField("analyse my webcam", default=False)
    # Practice for one job (interviews.skills): the skills read from its description, which instructors
    # may see (the description and CV themselves are in JobDocument, for the candidate alone).
    job_skills = models.JSONField(default=list, blank=True)
    job_seniority = models.CharField(max_length=10, blank=True)
    # Question ids to ask, in order, instead of choosing (practising the questions missed in a report).
    question_plan = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["owner", "-started_at"], name="session_owner_recent"),
            models.Index(fields=["status", "-started_at"], name="session_status_recent"),
            models.Index(fields=["topic", "difficulty"], name="session_topic_difficulty"),
            models.Index(fields=["cohort", "-started_at"], name="session_cohort_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_name}: {self.topic_label} ({self.difficulty}) #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("interviews:detail", args=[self.pk])

    def get_report_url(self) -> str:
        return reverse("analytics:report", args=[self.pk])

    @property
    def topic_label(self) -> str:
        return topic_label(self.topic)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    @property
    def is_tailored(self) -> bool:
        return bool(self.job_skills)


class JobDocument(models.Model):
    """The job description and CV text an interview was built from, kept only with the candidate's consent
    and shown to nobody else (instructors and reports see InterviewSession.job_skills)."""

    session = models.OneToOneField(InterviewSession, on_delete=models.CASCADE, related_name="job_document")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_documents"
    )
    job_description = models.TextField()
    cv_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Job document of interview #{self.session_id}"


class Question(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", "General"
        TOPIC = "topic", "Topic"

    class Source(models.TextChoices):
        BANK = "bank", "Question bank"
        GENERATED = "generated", "Generated by the LLM"

    # Stable id from the bank file (e.g. "python-easy-003") so reloading the bank updates in place.
    bank_key = models.CharField(max_length=80, unique=True, null=True, blank=True)
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TOPIC)
    topic = models.CharField(max_length=80, blank=True)
    # Positions this question suits best; empty means any position.
    positions = models.JSONField(default=list, blank=True)
    difficulty = models.CharField(max_length=10, choices=DIFFICULTIES, default="medium")
    reference_answer = models.TextField()
    key_points = models.JSONField(default=list, blank=True)
    hint = models.TextField(blank=True)
    # General questions: what the interviewer wants to learn (interviews.services.behavioural.INTENTS) and
    # whether the question asks for a STAR story ("Tell me about a time...").
    intent = models.CharField(max_length=20, blank=True)
    story = models.BooleanField(default=False)
    # General questions: a first-person answer a strong candidate would give; the reference answer only
    # describes one, so this is what the interviewer reveals after two misses.
    example_answer = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.BANK)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "topic", "difficulty"], name="question_pick")]

    def __str__(self) -> str:
        return self.text[:80]


class Turn(models.Model):
    """One answer attempt to one question."""

    class Verdict(models.TextChoices):
        CORRECT = "correct", "Correct"
        PARTIAL = "partial", "Partially correct"
        INCORRECT = "incorrect", "Incorrect"

    class InputMode(models.TextChoices):
        SPOKEN = "spoken", "Spoken"
        TYPED = "typed", "Typed"

    session = models.ForeignKey(InterviewSession, on_delete=models.CASCADE, related_name="turns")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="turns")
    question_number = models.PositiveSmallIntegerField()  # 1-based position in the interview
    attempt = models.PositiveSmallIntegerField(default=1)
    transcript = models.TextField(blank=True)
    input_mode = models.CharField(max_length=8, choices=InputMode.choices, default=InputMode.TYPED)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    score = models.FloatField(null=True, blank=True)  # grader's 0-1 score
    feedback = models.TextField(blank=True)  # praise, hint or revealed answer, as said to the candidate
    missed_points = models.JSONField(default=list, blank=True)
    hint_shown = models.BooleanField(default=False)
    answer_revealed = models.BooleanField(default=False)
    # The follow-up question this attempt answered (interviews.engine), "" for the question itself.
    follow_up = models.TextField(blank=True)
    audio = models.FileField(upload_to=answer_audio_path, blank=True)
    audio_seconds = models.FloatField(null=True, blank=True)
    # Speaking metrics of a spoken answer.
    words_per_minute = models.FloatField(null=True, blank=True)
    filler_count = models.PositiveSmallIntegerField(default=0)
    pause_count = models.PositiveSmallIntegerField(default=0)
    # Per-stage latency in milliseconds.
    stt_ms = models.PositiveIntegerField(null=True, blank=True)
    eval_ms = models.PositiveIntegerField(null=True, blank=True)
    tts_ms = models.PositiveIntegerField(null=True, blank=True)
    # Which backend answered each stage, and any fallback notice the candidate was given.
    backends = models.JSONField(default=dict, blank=True)
    notices = models.JSONField(default=list, blank=True)
    # Client-generated id of the submission: a double submit is recorded once.
    submission_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "question_number", "attempt"]
        indexes = [models.Index(fields=["session", "question_number"], name="turn_session_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "question_number", "attempt"], name="unique_turn_attempt"
            ),
            models.UniqueConstraint(
                fields=["session", "submission_id"],
                condition=~models.Q(submission_id=""),
                name="unique_turn_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.question_number} attempt {self.attempt}: {self.verdict}"


class ExpressionSample(models.Model):
    class Phase(models.TextChoices):
        LISTENING = "listening", "Listening"  # the question (or hint) is on screen, no answer started yet
        ANSWERING = "answering", "Answering"  # recording or typing the answer

    session = models.ForeignKey(InterviewSession, on_delete=models.CASCADE, related_name="expressions")
    turn = models.ForeignKey(
        Turn, on_delete=models.SET_NULL, null=True, blank=True, related_name="expressions"
    )
    offset_seconds = models.FloatField()  # seconds since the interview started
    label = models.CharField(max_length=16)  # angry, disgust, fear, happy, sad, surprise, neutral
    confidence = models.FloatField()
    # The question and attempt on screen when the frame was seen (0: before the first question).
    question_number = models.PositiveSmallIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True)

    class Meta:
        ordering = ["session", "offset_seconds"]
        indexes = [models.Index(fields=["session", "offset_seconds"], name="expression_timeline")]

    def __str__(self) -> str:
        return f"{self.offset_seconds:.1f}s {self.label} ({self.confidence:.2f})"


class ExpressionGap(models.Model):
    """A stretch of the interview where the webcam was on but no expression could be read, and why."""

    class Reason(models.TextChoices):
        NO_FACE = "no_face", "no face in view"
        SEVERAL_FACES = "several_faces", "several faces in view"
        FROZEN = "frozen", "the camera picture froze"
        CAMERA_LOST = "camera_lost", "the camera stopped"
        CAMERA_DENIED = "camera_denied", "the camera was not allowed or not found"
        UNREADABLE = "unreadable", "the camera picture could not be read"

    session = models.ForeignKey(InterviewSession, on_delete=models.CASCADE, related_name="expression_gaps")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    question_number = models.PositiveSmallIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    from_seconds = models.FloatField()  # seconds since the interview started
    to_seconds = models.FloatField()

    class Meta:
        ordering = ["session", "from_seconds"]
        indexes = [models.Index(fields=["session", "from_seconds"], name="expression_gap_timeline")]

    def __str__(self) -> str:
        return f"{self.from_seconds:.0f}-{self.to_seconds:.0f}s {self.get_reason_display()}"

    @property
    def seconds(self) -> float:
        return max(0.0, self.to_seconds - self.from_seconds)


class Report(models.Model):
    session = models.OneToOneField(InterviewSession, on_delete=models.CASCADE, related_name="report")
    accuracy = models.FloatField()  # correct answers / questions asked, 0-1
    questions_asked = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(default=0)
    partial_count = models.PositiveSmallIntegerField(default=0)
    incorrect_count = models.PositiveSmallIntegerField(default=0)
    revealed_count = models.PositiveSmallIntegerField(default=0)
    dominant_expression = models.CharField(max_length=16, blank=True)
    emotion_pattern = models.TextField(blank=True)
    strengths = models.JSONField(default=list, blank=True)
    weaknesses = models.JSONField(default=list, blank=True)
    improvements = models.JSONField(default=list, blank=True)
    # Averages over spoken answers: {"words_per_minute": .., "filler_rate": .., "pauses_per_answer": ..}
    speaking = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["-created_at"], name="report_recent")]

    def __str__(self) -> str:
        return f"Report for {self.session}"


class ConfigurationProblem(models.Model):
    """A remote provider refused its configuration (bad key, unknown model, prompt over its context):
    retrying will not help, an administrator must act. One row per provider and HTTP status."""

    service = models.CharField(max_length=16)  # llm / stt / tts / vision
    backend = models.CharField(max_length=80)
    status = models.PositiveSmallIntegerField(default=0)  # HTTP status; 0 when the provider gave none
    detail = models.TextField(blank=True)  # the latest error message
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "backend", "status"], name="unique_configuration_problem"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.backend}: HTTP {self.status or '?'}"
