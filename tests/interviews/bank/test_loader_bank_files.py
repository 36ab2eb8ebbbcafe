"""The real question bank: every file validates, is balanced across difficulties and covers the catalog."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from interviews.bank.loader import DATA_DIR, GENERAL_TOPIC, load_bank, read_bank, read_bank_file
from interviews.catalog import TOPICS
from interviews.models import Question

EXPECTED_FILES = sorted([GENERAL_TOPIC, *(slug for slug, _ in TOPICS)])
BANK_FILES = sorted(DATA_DIR.glob("*.json"))
MIN_PER_DIFFICULTY = 11  # per topic file, so every difficulty has a full interview's worth
MIN_GENERAL_QUESTIONS = 24  # general openers are asked at every difficulty, so only their total matters


def test_the_bank_has_one_file_per_catalog_topic_plus_general():
    assert sorted(path.stem for path in BANK_FILES) == EXPECTED_FILES


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda path: path.stem)
def test_bank_file_validates_and_is_balanced(path):
    questions = read_bank_file(path)

    per_difficulty = Counter(q["difficulty"] for q in questions)
    if path.stem == GENERAL_TOPIC:
        assert len(questions) >= MIN_GENERAL_QUESTIONS
    for difficulty in ("easy", "medium", "hard") if path.stem != GENERAL_TOPIC else ():
        assert per_difficulty[difficulty] >= MIN_PER_DIFFICULTY, (path.name, difficulty, per_difficulty)
    for q in questions:
        assert 2 <= len(q["key_points"]) <= 4, (q["bank_key"], q["key_points"])


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda path: path.stem)
def test_bank_file_is_utf8_json_with_two_space_indent(path):
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["topic"] == path.stem
    assert text.startswith('{\n  "topic": ')


def test_topic_files_fit_different_positions_so_an_analyst_and_an_sde_differ():
    # A topic where every question suits every position would give everyone the same interview.
    questions = read_bank()
    topics = {q["topic"] for q in questions if q["kind"] == "topic"}
    for topic in topics:
        named = {p for q in questions if q["topic"] == topic for p in q["positions"]}
        assert named, f"{topic}: no question names a position"


@pytest.mark.django_db
def test_loading_the_real_bank_stores_every_question_of_every_file():
    expected = sum(len(read_bank_file(path)) for path in BANK_FILES)

    summary = load_bank()

    assert summary.created == expected
    assert Question.objects.filter(source="bank", is_active=True).count() == expected
    assert expected >= 400, f"only {expected} bank questions; both halves of the bank should be there"
    assert set(Question.objects.values_list("topic", flat=True)) == set(EXPECTED_FILES)
    assert load_bank().unchanged == expected
