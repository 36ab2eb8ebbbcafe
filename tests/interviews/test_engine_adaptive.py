"""Adaptive difficulty and follow-up questions in the pure engine (list-backed questions, keyword grader)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

import pytest

from interviews import engine
from interviews.domain import Grade, QuestionRef
from interviews.engine import EngineConfig, InterviewState
from tests.interviews.engine_fakes import KeywordGrader, make_question

RIGHT = "hash and constant"
HALF = "it uses a hash"
WRONG = "no idea"


class LevelledSource:
    """Topic questions at three levels; serves one at the level asked for (the nearest when none is left)."""

    def __init__(self):
        self.questions = [
            replace(make_question(100 * (i + 1) + n), difficulty=level)
            for i, level in enumerate(engine.LEVELS)
            for n in range(6)
        ]
        self.asked_levels: list[str] = []

    def next_question(
        self, *, kind: str, exclude_ids: Collection[int], difficulty: str = ""
    ) -> QuestionRef | None:
        self.asked_levels.append(difficulty)
        fresh = [q for q in self.questions if q.id not in exclude_ids and kind == "topic"]
        if not fresh:
            return None
        wanted = engine.LEVELS.index(difficulty) if difficulty in engine.LEVELS else 1
        return min(fresh, key=lambda q: abs(engine.LEVELS.index(q.difficulty) - wanted))


def play(config: EngineConfig, answers: list[str]) -> tuple[InterviewState, list[str], list[engine.Outcome]]:
    """Answer in turn; returns the final state, the difficulty of every question asked, and the outcomes."""
    source, grader = LevelledSource(), KeywordGrader()
    state, outcome = engine.start(config, source)
    levels = [outcome.next_question.difficulty]
    outcomes = []
    for text in answers:
        state, outcome = engine.answer(state, text, config=config, source=source, grader=grader)
        outcomes.append(outcome)
        if outcome.next_question is not None:
            levels.append(outcome.next_question.difficulty)
    return state, levels, outcomes


ADAPTIVE = EngineConfig(general_questions=0, max_questions=8, start_level="medium", adaptive=True)


def test_the_first_topic_question_is_at_the_start_level():
    _, levels, _ = play(replace(ADAPTIVE, start_level="easy"), [])
    assert levels == ["easy"]


def test_correct_answers_move_up_a_level_and_misses_move_down():
    # right, right (stays hard at the top), missed twice (down), missed twice (down to easy), missed (stays easy)
    answers = [RIGHT, RIGHT, WRONG, WRONG, WRONG, WRONG, WRONG, WRONG]
    _, levels, _ = play(ADAPTIVE, answers)
    assert levels == ["medium", "hard", "hard", "medium", "easy", "easy"]


def test_correct_on_the_retry_still_moves_up():
    _, levels, _ = play(ADAPTIVE, [WRONG, RIGHT])
    assert levels == ["medium", "hard"]


def test_without_adaptivity_every_question_is_asked_at_the_start_level():
    _, levels, _ = play(replace(ADAPTIVE, adaptive=False), [RIGHT, RIGHT, WRONG, WRONG])
    assert levels == ["medium", "medium", "medium", "medium"]


def test_general_questions_do_not_move_the_level():
    general = replace(make_question(1, "general"), difficulty="easy")
    source, grader = LevelledSource(), KeywordGrader()
    source.questions.insert(0, general)
    original = source.next_question

    def serve(*, kind, exclude_ids, difficulty=""):
        if kind == "general":
            return general if general.id not in exclude_ids else None
        return original(kind=kind, exclude_ids=exclude_ids, difficulty=difficulty)

    source.next_question = serve
    config = replace(ADAPTIVE, general_questions=1)
    state, _ = engine.start(config, source)
    state, outcome = engine.answer(state, RIGHT, config=config, source=source, grader=grader)
    assert outcome.next_question.difficulty == "medium"


def test_the_level_survives_a_restart():
    state, _, _ = play(ADAPTIVE, [RIGHT])
    assert InterviewState.from_dict(state.to_dict()).level == "hard"


@pytest.mark.parametrize(
    ("level", "correct", "after"), [("easy", False, "easy"), ("hard", True, "hard"), ("x", True, "hard")]
)
def test_levels_stop_at_the_ends(level, correct, after):
    assert engine.next_level(level, correct=correct) == after


# --- Follow-ups --------------------------------------------------------------------------------------

FOLLOWING = replace(ADAPTIVE, adaptive=False, follow_ups=True)


def test_a_partial_answer_gets_a_follow_up_on_the_missed_point_instead_of_a_hint():
    state, _, outcomes = play(FOLLOWING, [HALF])
    outcome = outcomes[0]
    assert outcome.event == "followed_up"
    assert outcome.interviewer_message == "Partly right. You explained hash. How does constant fit in?"
    assert (state.attempt, state.follow_up_point) == (2, "constant")
    assert state.question_text == "You explained hash. How does constant fit in?"
    assert not outcome.record.hint_shown and outcome.record.follow_up == ""


def test_a_good_follow_up_answer_makes_the_question_correct_and_counts_it_once():
    state, _, outcomes = play(FOLLOWING, [HALF, "it is constant time"])
    answer = outcomes[1]
    assert answer.event == "praised"
    assert answer.record.attempt == 2 and answer.record.follow_up.startswith("You explained hash")
    assert (state.answered, state.correct, state.accuracy) == (1, 1, 1.0)


def test_a_missed_follow_up_reveals_the_model_answer_and_the_question_is_not_correct():
    state, _, outcomes = play(FOLLOWING, [HALF, WRONG])
    assert outcomes[1].event == "revealed"
    assert "model answer" in outcomes[1].interviewer_message
    assert (state.answered, state.correct, state.revealed) == (1, 0, 1)
    assert state.follow_up == ""


def test_an_answer_with_nothing_right_gets_a_hint_not_a_follow_up():
    _, _, outcomes = play(FOLLOWING, [WRONG])
    assert outcomes[0].event == "hinted"


def test_follow_ups_are_off_unless_configured():
    _, _, outcomes = play(replace(FOLLOWING, follow_ups=False), [HALF])
    assert outcomes[0].event == "hinted"


def test_a_follow_up_is_graded_on_its_point_against_the_follow_up_wording():
    seen: list[QuestionRef] = []

    class Recording(KeywordGrader):
        def grade(self, question, answer):
            seen.append(question)
            return super().grade(question, answer)

    source = LevelledSource()
    state, _ = engine.start(FOLLOWING, source)
    state, _ = engine.answer(state, HALF, config=FOLLOWING, source=source, grader=Recording())
    engine.answer(state, "constant", config=FOLLOWING, source=source, grader=Recording())
    assert seen[1].key_points == ("constant",) and seen[1].text == state.follow_up
    assert seen[1].id == seen[0].id


def test_a_writer_words_the_follow_up_and_an_empty_reply_falls_back_to_the_key_points():
    class Writer:
        def __init__(self, reply):
            self.reply = reply

        def follow_up(self, question, answer, grade: Grade) -> str:
            return self.reply

    for reply, expected in [
        ("And what makes lookups constant time?", "And what makes lookups constant time?"),
        ("", "You explained hash. How does constant fit in?"),
    ]:
        source = LevelledSource()
        state, _ = engine.start(FOLLOWING, source)
        state, outcome = engine.answer(
            state,
            HALF,
            config=FOLLOWING,
            source=source,
            grader=KeywordGrader(),
            follow_up_writer=Writer(reply),
        )
        assert state.follow_up == expected


def test_the_follow_up_is_restored_after_a_restart_and_repeated_on_silence():
    state, _, _ = play(FOLLOWING, [HALF])
    restored = InterviewState.from_dict(state.to_dict())
    assert restored.follow_up == state.follow_up
    again, outcome = engine.answer(
        restored, "", config=FOLLOWING, source=LevelledSource(), grader=KeywordGrader()
    )
    assert outcome.event == "repeat" and state.follow_up in outcome.interviewer_message


def test_offline_follow_ups_read_as_sentences():
    grade = Grade(
        "partial",
        0.5,
        missing_points=("Automatic build on every push.",),
        covered_points=("Frequent merges",),
    )
    assert (
        engine.offline_follow_up(grade)
        == "You explained frequent merges. How does automatic build on every push fit in?"
    )
    assert (
        engine.offline_follow_up(replace(grade, covered_points=()))
        == "Can you say more about automatic build on every push?"
    )
    assert engine.offline_follow_up(replace(grade, missing_points=("CI pipelines",))).endswith(
        "How does CI pipelines fit in?"
    )
