"""The bank loader: validation errors name the file and key, reloads are idempotent, retired keys deactivate."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from interviews.bank.loader import BankError, LoadSummary, ensure_bank_loaded, load_bank
from interviews.models import Question
from tests.factories import QuestionFactory, TurnFactory


def question(key: str, *, difficulty: str = "easy", text: str | None = None, **overrides) -> dict:
    return {
        "key": key,
        "kind": "topic",
        "difficulty": difficulty,
        "positions": ["sde"],
        "text": text or f"Explain the idea behind {key}?",
        "reference_answer": "It is explained in two plain sentences. That is the model answer.",
        "key_points": ["first point", "second point"],
        "hint": "Think about the first principle.",
        **overrides,
    }


def write_bank(directory, topic: str, questions: list[dict]) -> None:
    (directory / f"{topic}.json").write_text(
        json.dumps({"topic": topic, "questions": questions}, indent=2), encoding="utf-8"
    )


@pytest.fixture
def bank_dir(tmp_path):
    write_bank(
        tmp_path, "java", [question("java-easy-001"), question("java-medium-001", difficulty="medium")]
    )
    write_bank(tmp_path, "sql", [question("sql-hard-001", difficulty="hard", positions=[])])
    return tmp_path


@pytest.mark.django_db
def test_first_load_creates_every_question_as_an_active_bank_question(bank_dir):
    summary = load_bank(data_dir=bank_dir)

    assert summary == LoadSummary(created=3, updated=0, unchanged=0, deactivated=0)
    java = Question.objects.get(bank_key="java-medium-001")
    assert (java.topic, java.difficulty, java.kind, java.source, java.is_active) == (
        "java",
        "medium",
        "topic",
        "bank",
        True,
    )
    assert java.positions == ["sde"]
    assert java.key_points == ["first point", "second point"]


@pytest.mark.django_db
def test_reloading_unchanged_files_changes_nothing(bank_dir):
    load_bank(data_dir=bank_dir)
    ids = sorted(Question.objects.values_list("pk", flat=True))

    summary = load_bank(data_dir=bank_dir)

    assert summary == LoadSummary(created=0, updated=0, unchanged=3, deactivated=0)
    assert sorted(Question.objects.values_list("pk", flat=True)) == ids


@pytest.mark.django_db
def test_reload_overwrites_an_admin_edit_and_updates_in_place(bank_dir):
    load_bank(data_dir=bank_dir)
    edited = Question.objects.get(bank_key="java-easy-001")
    edited.text = "An admin rewrote this."
    edited.save()

    summary = load_bank(data_dir=bank_dir)

    assert summary.updated == 1 and summary.unchanged == 2
    edited.refresh_from_db()
    assert edited.text == "Explain the idea behind java-easy-001?"


@pytest.mark.django_db
def test_a_key_removed_from_the_files_is_deactivated_but_kept_for_its_turns(bank_dir):
    load_bank(data_dir=bank_dir)
    retired = Question.objects.get(bank_key="java-medium-001")
    turn = TurnFactory(question=retired)
    write_bank(bank_dir, "java", [question("java-easy-001")])

    summary = load_bank(data_dir=bank_dir)

    assert summary.deactivated == 1
    retired.refresh_from_db()
    assert retired.is_active is False
    turn.refresh_from_db()
    assert turn.question_id == retired.pk


@pytest.mark.django_db
def test_a_key_put_back_is_reactivated(bank_dir):
    load_bank(data_dir=bank_dir)
    write_bank(bank_dir, "java", [question("java-easy-001")])
    load_bank(data_dir=bank_dir)
    write_bank(
        bank_dir, "java", [question("java-easy-001"), question("java-medium-001", difficulty="medium")]
    )

    summary = load_bank(data_dir=bank_dir)

    assert summary.updated == 1
    assert Question.objects.get(bank_key="java-medium-001").is_active is True


@pytest.mark.django_db
def test_generated_questions_are_never_deactivated_by_a_reload(bank_dir):
    generated = QuestionFactory(source=Question.Source.GENERATED)

    load_bank(data_dir=bank_dir)

    generated.refresh_from_db()
    assert generated.is_active is True


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (question("java-easy-002", difficulty="trivial"), "difficulty 'trivial'"),
        (question("java-easy-002", positions=["astronaut"]), "unknown position slug(s) astronaut"),
        ({k: v for k, v in question("java-easy-002").items() if k != "hint"}, "missing field(s) hint"),
        (question("java-easy-002", key_points=[]), "key_points"),
        (question("java-easy-002", text="  "), "text must be a non-empty string"),
        (question("java-hard-002"), "key must look like 'java-easy-001'"),
        (question("java-easy-002", kind="general"), "kind 'general'"),
        (question("java-easy-002", answer="typo"), "unknown field(s) answer"),
        (
            question("java-easy-002", example_answer="I once did it."),
            "example_answer is for general questions",
        ),
    ],
)
@pytest.mark.django_db
def test_a_bad_question_is_reported_with_its_file_and_key_and_nothing_is_written(bank_dir, bad, message):
    write_bank(bank_dir, "java", [question("java-easy-001"), bad])

    with pytest.raises(BankError) as error:
        load_bank(data_dir=bank_dir)

    assert "java.json" in str(error.value)
    assert "java-" in str(error.value)
    assert message in str(error.value)
    assert not Question.objects.exists()


def general_question(key: str = "general-001", **overrides) -> dict:
    fields = {
        "kind": "general",
        "positions": [],
        "text": "Tell me about a time you fixed something.",
        "reference_answer": "A strong answer is a short story with the candidate's own actions and the result.",
        "intent": "achievement",
        "story": True,
        "example_answer": "Last year I fixed our flaky deploy script, and releases stopped failing.",
    }
    return question(key, **{**fields, **overrides})


@pytest.mark.django_db
def test_a_general_question_stores_its_example_answer(tmp_path):
    write_bank(tmp_path, "general", [general_question()])

    load_bank(data_dir=tmp_path)

    stored = Question.objects.get(bank_key="general-001")
    assert stored.example_answer == "Last year I fixed our flaky deploy script, and releases stopped failing."
    assert (stored.intent, stored.story) == ("achievement", True)


@pytest.mark.parametrize(
    "bad",
    [
        {k: v for k, v in general_question().items() if k != "example_answer"},
        general_question(example_answer="   "),
        general_question(example_answer=["I fixed it."]),
    ],
    ids=["missing", "blank", "not-a-string"],
)
@pytest.mark.django_db
def test_a_general_question_without_an_example_answer_is_refused(tmp_path, bad):
    write_bank(tmp_path, "general", [bad])

    with pytest.raises(BankError, match=r"general\.json .*\[general-001\]: example_answer must be"):
        load_bank(data_dir=tmp_path)
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_a_key_used_twice_is_rejected(bank_dir):
    write_bank(
        bank_dir,
        "sql",
        [
            question("sql-hard-001", difficulty="hard"),
            question("sql-hard-001", difficulty="hard", text="Other?"),
        ],
    )

    with pytest.raises(BankError, match=r"sql\.json \[sql-hard-001\]: duplicate key"):
        load_bank(data_dir=bank_dir)


@pytest.mark.django_db
def test_the_same_question_text_under_two_keys_is_rejected(bank_dir):
    write_bank(
        bank_dir,
        "sql",
        [question("sql-hard-001", difficulty="hard", text="Explain the idea behind java-easy-001!")],
    )

    with pytest.raises(BankError, match=r"same text as java-easy-001"):
        load_bank(data_dir=bank_dir)


@pytest.mark.django_db
def test_invalid_json_names_the_file(bank_dir):
    (bank_dir / "java.json").write_text('{"topic": "java", "questions": [', encoding="utf-8")

    with pytest.raises(BankError, match=r"java\.json: not valid UTF-8 JSON"):
        load_bank(data_dir=bank_dir)


@pytest.mark.django_db
def test_a_file_for_an_unknown_topic_is_rejected(bank_dir):
    write_bank(bank_dir, "cooking", [question("cooking-easy-001")])

    with pytest.raises(BankError, match=r"cooking\.json: topic 'cooking'"):
        load_bank(data_dir=bank_dir)


@pytest.mark.django_db
def test_ensure_bank_loaded_loads_only_into_an_empty_bank(bank_dir):
    assert ensure_bank_loaded(data_dir=bank_dir).created == 3
    assert ensure_bank_loaded(data_dir=bank_dir) is None
    assert Question.objects.count() == 3


@pytest.mark.django_db
def test_the_command_prints_the_summary(bank_dir, capsys):
    call_command("load_question_bank", "--data-dir", str(bank_dir))

    assert "3 bank questions: 3 created, 0 updated, 0 unchanged, 0 deactivated" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_command_fails_clearly_on_a_bad_file(bank_dir):
    write_bank(bank_dir, "java", [question("java-easy-001", difficulty="extreme")])

    with pytest.raises(CommandError, match=r"java\.json .*java-easy-001.*difficulty 'extreme'"):
        call_command("load_question_bank", "--data-dir", str(bank_dir))
