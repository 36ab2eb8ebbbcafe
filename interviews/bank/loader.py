"""Validates the question-bank JSON files and upserts them into interviews.Question by bank key."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from interviews.catalog import DIFFICULTIES, POSITIONS, TOPICS
from interviews.models import Question
from interviews.services.behavioural import INTENTS
from interviews.text import normalise_question_text

DATA_DIR = Path(__file__).resolve().parent / "data"

GENERAL_TOPIC = "general"
BANK_TOPICS = frozenset({GENERAL_TOPIC, *(slug for slug, _ in TOPICS)})
DIFFICULTY_SLUGS = frozenset(slug for slug, _ in DIFFICULTIES)
POSITION_SLUGS = frozenset(slug for slug, _ in POSITIONS)
KINDS = frozenset(choice for choice, _ in Question.Kind.choices)

REQUIRED_FIELDS = ("key", "kind", "difficulty", "positions", "text", "reference_answer", "key_points", "hint")
# A general question says what it is really asking (its intent), whether it asks for a STAR story, and
# gives an example of a strong answer (its reference answer only describes one).
GENERAL_FIELDS = ("intent", "story", "example_answer")
# The Question fields a reload overwrites; anything else an admin changes survives a reload.
BANK_FIELDS = (
    "text",
    "kind",
    "topic",
    "positions",
    "difficulty",
    "reference_answer",
    "key_points",
    "hint",
    "intent",
    "story",
    "example_answer",
)
MAX_KEY_POINTS = 6


class BankError(ValueError):
    """A bank file is malformed; the message names the file and, when known, the question key."""


@dataclass(frozen=True)
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return (
            f"{self.total} bank questions: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deactivated} deactivated"
        )


def _check_question(raw: Any, *, topic: str, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BankError(f"{where}: each question must be a JSON object")
    key = raw.get("key")
    label = f"{where} [{key}]" if isinstance(key, str) and key else where
    missing = [name for name in REQUIRED_FIELDS if name not in raw]
    if missing:
        raise BankError(f"{label}: missing field(s) {', '.join(missing)}")
    general = raw.get("kind") == Question.Kind.GENERAL
    if not general and "example_answer" in raw:
        # A topic question's reference answer is already the model answer; two would drift apart.
        raise BankError(f"{label}: example_answer is for general questions only")
    unknown = sorted(set(raw) - set(REQUIRED_FIELDS) - (set(GENERAL_FIELDS) if general else set()))
    if unknown:
        raise BankError(f"{label}: unknown field(s) {', '.join(unknown)}")

    difficulty = raw["difficulty"]
    if difficulty not in DIFFICULTY_SLUGS:
        raise BankError(f"{label}: difficulty {difficulty!r} is not one of {sorted(DIFFICULTY_SLUGS)}")
    # general.json numbers its questions without the difficulty ("general-001"); both forms are stable.
    if not isinstance(key, str) or not re.fullmatch(rf"{re.escape(topic)}-({difficulty}-)?\d{{3}}", key):
        raise BankError(f"{label}: key must look like '{topic}-{difficulty}-001'")
    if raw["kind"] not in KINDS:
        raise BankError(f"{label}: kind {raw['kind']!r} is not one of {sorted(KINDS)}")
    if (raw["kind"] == Question.Kind.GENERAL) != (topic == GENERAL_TOPIC):
        raise BankError(f"{label}: kind 'general' belongs in general.json and only there")

    positions = raw["positions"]
    if not isinstance(positions, list) or not all(isinstance(p, str) for p in positions):
        raise BankError(f"{label}: positions must be a list of position slugs")
    unknown_positions = sorted(set(positions) - POSITION_SLUGS)
    if unknown_positions:
        raise BankError(f"{label}: unknown position slug(s) {', '.join(unknown_positions)}")

    for name in ("text", "reference_answer", "hint"):
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise BankError(f"{label}: {name} must be a non-empty string")
    points = raw["key_points"]
    if (
        not isinstance(points, list)
        or not 1 <= len(points) <= MAX_KEY_POINTS
        or not all(isinstance(p, str) and p.strip() for p in points)
    ):
        raise BankError(f"{label}: key_points must be a list of 1-{MAX_KEY_POINTS} non-empty strings")
    if general:
        if raw.get("intent") not in INTENTS:
            raise BankError(f"{label}: intent must be one of {sorted(INTENTS)}")
        if not isinstance(raw.get("story"), bool):
            raise BankError(f"{label}: story must be true or false (does the question ask for a STAR story?)")
        example = raw.get("example_answer")
        if not isinstance(example, str) or not example.strip():
            raise BankError(
                f"{label}: example_answer must be a non-empty string (a strong first-person answer)"
            )

    return {
        "bank_key": key,
        "kind": raw["kind"],
        "topic": topic,
        "positions": list(dict.fromkeys(positions)),
        "difficulty": difficulty,
        "text": raw["text"].strip(),
        "reference_answer": raw["reference_answer"].strip(),
        "key_points": [p.strip() for p in points],
        "hint": raw["hint"].strip(),
        "intent": raw.get("intent", ""),
        "story": raw.get("story", False),
        "example_answer": raw.get("example_answer", "").strip(),
    }


def read_bank_file(path: Path) -> list[dict[str, Any]]:
    """The validated questions of one file, as Question field dicts (raises BankError)."""
    where = path.name
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BankError(f"{where}: not valid UTF-8 JSON ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
        raise BankError(f"{where}: expected an object with 'topic' and a 'questions' list")
    topic = document.get("topic")
    if topic not in BANK_TOPICS:
        raise BankError(f"{where}: topic {topic!r} is not a catalog topic slug nor 'general'")
    if path.stem != topic:
        raise BankError(f"{where}: file name must match its topic ({topic}.json)")
    return [
        _check_question(raw, topic=topic, where=f"{where} question {index + 1}")
        for index, raw in enumerate(document["questions"])
    ]


def read_bank(*, data_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """Every question of every *.json file in the bank directory, validated across files too."""
    directory = Path(data_dir) if data_dir is not None else DATA_DIR
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise BankError(f"{directory}: no question bank files (*.json) found")
    questions: list[dict[str, Any]] = []
    key_files: dict[str, str] = {}
    text_keys: dict[str, str] = {}
    for path in paths:
        for question in read_bank_file(path):
            key = question["bank_key"]
            if key in key_files:
                raise BankError(f"{path.name} [{key}]: duplicate key, already used in {key_files[key]}")
            key_files[key] = path.name
            # The same question under two keys would be asked twice in one interview.
            normalised = normalise_question_text(question["text"])
            if normalised in text_keys:
                raise BankError(f"{path.name} [{key}]: same text as {text_keys[normalised]}")
            text_keys[normalised] = key
            questions.append(question)
    return questions


def _upsert(questions: Iterable[dict[str, Any]]) -> LoadSummary:
    questions = list(questions)
    existing = {
        q.bank_key: q for q in Question.objects.filter(bank_key__in=[q["bank_key"] for q in questions])
    }
    created = updated = unchanged = 0
    to_create: list[Question] = []
    for fields in questions:
        row = existing.get(fields["bank_key"])
        if row is None:
            to_create.append(Question(**fields, source=Question.Source.BANK, is_active=True))
            created += 1
            continue
        changed = [name for name in BANK_FIELDS if getattr(row, name) != fields[name]]
        if row.source != Question.Source.BANK:
            changed.append("source")
        if not row.is_active:
            changed.append("is_active")
        if not changed:
            unchanged += 1
            continue
        for name in BANK_FIELDS:
            setattr(row, name, fields[name])
        row.source = Question.Source.BANK
        row.is_active = True
        row.save(update_fields=[*BANK_FIELDS, "source", "is_active"])
        updated += 1
    Question.objects.bulk_create(to_create)
    # Turns keep pointing at retired questions, so they are deactivated rather than deleted.
    deactivated = (
        Question.objects.filter(source=Question.Source.BANK, bank_key__isnull=False, is_active=True)
        .exclude(bank_key__in=[q["bank_key"] for q in questions])
        .update(is_active=False)
    )
    return LoadSummary(created=created, updated=updated, unchanged=unchanged, deactivated=deactivated)


def load_bank(*, data_dir: Path | str | None = None) -> LoadSummary:
    """Validate every bank file, then upsert all questions in one transaction (idempotent).

    Nothing is written when any file is invalid.
    """
    questions = read_bank(data_dir=data_dir)
    with transaction.atomic():
        return _upsert(questions)


def ensure_bank_loaded(*, data_dir: Path | str | None = None) -> LoadSummary | None:
    """Load the bank when no bank question exists yet (one cheap EXISTS query otherwise)."""
    if Question.objects.filter(source=Question.Source.BANK).exists():
        return None
    try:
        return load_bank(data_dir=data_dir)
    except IntegrityError:
        # Two workers raced to load an empty bank; the other one's rows are the same questions.
        return None
