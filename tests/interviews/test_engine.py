"""The interview state machine: every branch, with list-backed questions and a keyword grader."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from interviews import engine
from interviews.engine import EngineConfig, InterviewOver, InterviewState
from tests.interviews.engine_fakes import KeywordGrader, ListSource, make_question
from tests.interviews.test_finish import bank_texts

RIGHT = "hash and constant"
HALF = "it uses a hash"
WRONG = "no idea, a linked list"


@pytest.fixture
def source():
    general = [make_question(1, "general"), make_question(2, "general"), make_question(3, "general")]
    topic = [make_question(qid) for qid in range(10, 20)]
    return ListSource(general, topic)


@pytest.fixture
def grader():
    return KeywordGrader()


@pytest.fixture
def config():
    return EngineConfig(general_questions=2, max_questions=4)


def run(state, text, *, config, source, grader):
    return engine.answer(state, text, config=config, source=source, grader=grader)


def test_start_asks_the_first_general_question(source, config):
    state, outcome = engine.start(config, source)
    assert outcome.event == "asked"
    assert outcome.next_question.id == 1
    assert (
        "Question 1" in outcome.interviewer_message
        and outcome.next_question.text in outcome.interviewer_message
    )
    assert (state.stage, state.question_number, state.attempt, state.asked_ids) == ("general", 1, 1, [1])
    assert state.last_message == outcome.interviewer_message


def test_correct_answer_is_praised_and_the_next_question_follows(source, grader, config):
    state, _ = engine.start(config, source)
    state, outcome = run(state, RIGHT, config=config, source=source, grader=grader)
    assert outcome.event == "praised"
    assert outcome.interviewer_message.startswith("Great answer!")
    assert outcome.record.verdict == "correct" and outcome.record.attempt == 1
    assert not outcome.record.hint_shown and not outcome.record.answer_revealed
    assert outcome.next_question.id == 2
    assert (state.question_number, state.attempt, state.correct, state.answered) == (2, 1, 1, 1)


def test_wrong_answer_gets_a_hint_and_a_retry_of_the_same_question(source, grader, config):
    state, _ = engine.start(config, source)
    state, outcome = run(state, WRONG, config=config, source=source, grader=grader)
    assert outcome.event == "hinted"
    assert "Hint: Think about hash." in outcome.interviewer_message  # the question's own hint
    assert outcome.record.hint_shown and outcome.record.verdict == "incorrect"
    assert outcome.record.missed_points == ("hash", "constant")
    assert outcome.next_question is None
    assert (state.question_number, state.attempt, state.current.id) == (1, 2, 1)


def test_hint_then_correct_counts_as_correct(source, grader, config):
    state, _ = engine.start(config, source)
    state, _ = run(state, WRONG, config=config, source=source, grader=grader)
    state, outcome = run(state, RIGHT, config=config, source=source, grader=grader)
    assert outcome.event == "praised"
    assert outcome.record.attempt == 2
    assert (state.question_number, state.attempt, state.correct, state.answered) == (2, 1, 1, 1)
    assert state.accuracy == 1.0


def test_wrong_answer_twice_reveals_the_model_answer_and_moves_on(source, grader, config):
    state, _ = engine.start(config, source)
    state, _ = run(state, WRONG, config=config, source=source, grader=grader)
    state, outcome = run(state, WRONG, config=config, source=source, grader=grader)
    assert outcome.event == "revealed"
    assert outcome.record.answer_revealed and outcome.record.attempt == 2
    assert "Model answer 1: hash and constant." in outcome.interviewer_message
    assert outcome.next_question.id == 2
    assert (state.question_number, state.correct, state.answered, state.revealed) == (2, 0, 1, 1)


def test_wrong_answer_twice_to_a_general_question_reveals_its_example_answer(grader, config):
    example = "Last year I built a hash index and it made lookups constant time for our search team."
    general = replace(make_question(1, "general"), example_answer=example)
    source = ListSource([general], [make_question(qid) for qid in range(10, 20)])
    state, _ = engine.start(config, source)
    state, _ = run(state, WRONG, config=config, source=source, grader=grader)
    state, outcome = run(state, WRONG, config=config, source=source, grader=grader)
    assert outcome.event == "revealed"
    assert f"Here is an example of a strong answer: {example}" in outcome.interviewer_message
    assert general.reference_answer not in outcome.interviewer_message  # it only describes a good answer
    assert example in outcome.record.feedback  # what the report shows as said


def test_a_topic_question_reveals_its_reference_answer():
    topic = make_question(10)
    assert engine.reveal_answer(topic) == f"Here is a model answer: {topic.reference_answer}"


def test_partial_answer_gets_a_hint_built_from_the_missing_point(source, grader, config):
    state, _ = engine.start(config, source)
    state, _ = run(state, RIGHT, config=config, source=source, grader=grader)  # q2 has no own hint
    state, outcome = run(state, HALF, config=config, source=source, grader=grader)
    assert outcome.event == "hinted"
    assert outcome.record.verdict == "partial"
    assert outcome.interviewer_message.startswith("Partly right. Hint:")
    assert "Not quite" not in outcome.interviewer_message
    assert "think about constant" in outcome.interviewer_message


def test_a_wrong_first_answer_is_called_not_quite_in_the_hint(source, grader, config):
    state, _ = engine.start(config, source)
    state, outcome = run(state, WRONG, config=config, source=source, grader=grader)
    assert outcome.record.verdict == "incorrect"
    assert outcome.interviewer_message.startswith("Not quite. Hint:")
    assert "Partly" not in outcome.interviewer_message


def test_a_partial_retry_is_called_partly_right_when_the_answer_is_revealed(source, grader, config):
    # The page's badge says "Partially correct" here: the interviewer must not say "Not quite".
    state, _ = engine.start(config, source)
    state, _ = run(state, HALF, config=config, source=source, grader=grader)
    state, outcome = run(state, HALF, config=config, source=source, grader=grader)
    assert outcome.event == "revealed" and outcome.record.verdict == "partial"
    assert outcome.interviewer_message.startswith("Partly right. Here is a model answer: Model answer 1")
    assert outcome.record.feedback.startswith("Partly right.")
    assert "Not quite" not in outcome.interviewer_message


def test_a_wrong_retry_is_called_not_quite_when_the_answer_is_revealed(source, grader, config):
    state, _ = engine.start(config, source)
    state, _ = run(state, HALF, config=config, source=source, grader=grader)
    state, outcome = run(state, WRONG, config=config, source=source, grader=grader)
    assert outcome.event == "revealed" and outcome.record.verdict == "incorrect"
    assert outcome.interviewer_message.startswith("Not quite. Here is a model answer:")


def test_partial_on_the_retry_is_revealed_and_not_counted_correct(source, grader, config):
    state, _ = engine.start(config, source)
    state, _ = run(state, HALF, config=config, source=source, grader=grader)
    state, outcome = run(state, HALF, config=config, source=source, grader=grader)
    assert outcome.event == "revealed"
    assert outcome.record.verdict == "partial" and outcome.record.answer_revealed
    assert state.correct == 0 and state.answered == 1 and state.accuracy == 0.0


def test_general_questions_come_first_then_topic_questions(source, grader, config):
    state, _ = engine.start(config, source)
    stages = [state.stage]
    for _ in range(3):
        state, _ = run(state, RIGHT, config=config, source=source, grader=grader)
        stages.append(state.stage)
    assert stages == ["general", "general", "topic", "topic"]
    assert state.asked_ids == [1, 2, 10, 11]


def test_interview_finishes_after_max_questions(source, grader, config):
    state, _ = engine.start(config, source)
    for _ in range(3):
        state, _ = run(state, RIGHT, config=config, source=source, grader=grader)
    state, outcome = run(state, RIGHT, config=config, source=source, grader=grader)
    assert outcome.event == "praised" and outcome.next_question is None
    assert "That was the last question" in outcome.interviewer_message
    assert state.finished and state.current is None
    assert (state.answered, state.correct) == (4, 4)
    with pytest.raises(InterviewOver):
        run(state, RIGHT, config=config, source=source, grader=grader)


def test_running_out_of_questions_finishes_gracefully(grader):
    source = ListSource([make_question(1, "general")], [make_question(10)])
    config = EngineConfig(general_questions=2, max_questions=8)
    state, _ = engine.start(config, source)
    # Only one general question: the second slot falls through to the topic.
    state, outcome = run(state, RIGHT, config=config, source=source, grader=grader)
    assert outcome.next_question.id == 10 and state.stage == "topic"
    state, outcome = run(state, WRONG, config=config, source=source, grader=grader)
    state, outcome = run(state, WRONG, config=config, source=source, grader=grader)
    assert outcome.event == "revealed" and state.finished
    assert "Model answer 10" in outcome.interviewer_message
    assert "That was the last question" in outcome.interviewer_message


def test_start_with_no_questions_at_all_finishes_at_once(grader):
    state, outcome = engine.start(EngineConfig(), ListSource([], []))
    assert outcome.event == "finished" and state.finished and state.question_number == 0


def test_finish_command_in_the_middle_of_a_retry_ends_without_grading(source, grader, config):
    state, _ = engine.start(config, source)
    state, _ = run(state, WRONG, config=config, source=source, grader=grader)
    calls = grader.calls
    state, outcome = run(state, "Finish the interview.", config=config, source=source, grader=grader)
    assert outcome.event == "finished" and outcome.record is None
    assert grader.calls == calls
    assert state.finished and state.current is None
    assert (state.answered, state.correct) == (1, 0)


@pytest.mark.parametrize("silence", ["", "   ", "\n\t", "...", " - "])
def test_empty_answer_asks_to_repeat_without_using_an_attempt(source, grader, config, silence):
    state, _ = engine.start(config, source)
    state, _ = run(state, WRONG, config=config, source=source, grader=grader)
    before = state
    state, outcome = run(state, silence, config=config, source=source, grader=grader)
    assert outcome.event == "repeat" and outcome.record is None
    assert "repeat" in outcome.interviewer_message
    assert (state.question_number, state.attempt, state.answered) == (before.question_number, 2, 1)
    assert grader.calls == 1


def test_state_round_trips_through_json(source, grader, config):
    state, _ = engine.start(config, source)
    state, _ = run(state, WRONG, config=config, source=source, grader=grader)
    restored = InterviewState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state


def test_a_restart_from_the_persisted_dict_continues_identically(config):
    answers = [WRONG, RIGHT, HALF, HALF, "", RIGHT, RIGHT]

    def fresh():
        general = [make_question(1, "general"), make_question(2, "general")]
        return ListSource(general, [make_question(qid) for qid in range(10, 20)]), KeywordGrader()

    source, grader = fresh()
    state, _ = engine.start(config, source)
    uninterrupted = []
    for text in answers:
        state, outcome = run(state, text, config=config, source=source, grader=grader)
        uninterrupted.append((outcome, state.to_dict()))

    # Same answers, but every transition goes through JSON and brand-new source/grader objects.
    source, grader = fresh()
    state, _ = engine.start(config, source)
    resumed = []
    for text in answers:
        saved = json.dumps(state.to_dict())
        source, grader = fresh()
        state, outcome = run(
            InterviewState.from_dict(json.loads(saved)), text, config=config, source=source, grader=grader
        )
        resumed.append((outcome, state.to_dict()))
    assert resumed == uninterrupted
    assert uninterrupted[-1][1]["stage"] == "finished"


# --- "finish interview" only half heard: ask first -------------------------------------------------

FUZZY_FINISH = ["Finish in to mute.", "Finished interview.", "Finish it into mute."]


def asked_to_confirm(source, grader, config, *, retry: bool = False):
    """The state after a fuzzy "finish interview" (on the retry of question 1 when `retry`)."""
    state, _ = engine.start(config, source)
    if retry:
        state, _ = run(state, WRONG, config=config, source=source, grader=grader)
    return run(state, "Finish in to mute.", config=config, source=source, grader=grader)


@pytest.mark.parametrize("heard", FUZZY_FINISH)
def test_a_half_heard_finish_command_asks_whether_to_finish(source, grader, config, heard):
    state, _ = engine.start(config, source)
    state, outcome = run(state, heard, config=config, source=source, grader=grader)
    assert outcome.event == "confirm_finish" and outcome.record is None and outcome.grade is None
    assert outcome.interviewer_message == "Do you want to finish the interview?"
    assert state.confirming_finish and not state.finished
    assert (state.question_number, state.attempt, state.answered, state.current.id) == (1, 1, 0, 1)
    assert grader.calls == 0


@pytest.mark.parametrize("reply", ["yes", "Yes please.", "Yeah.", "finish", "Finish the interview."])
def test_yes_to_the_finish_question_finishes(source, grader, config, reply):
    state, _ = asked_to_confirm(source, grader, config, retry=True)
    state, outcome = run(state, reply, config=config, source=source, grader=grader)
    assert outcome.event == "finished" and outcome.record is None
    assert state.finished and not state.confirming_finish
    assert (state.answered, grader.calls) == (1, 1)  # only the first, wrong answer was graded


@pytest.mark.parametrize("reply", ["no", "No, continue.", "continue", "Not yet."])
def test_no_to_the_finish_question_resumes_the_same_question_and_attempt(source, grader, config, reply):
    state, _ = asked_to_confirm(source, grader, config, retry=True)
    state, outcome = run(state, reply, config=config, source=source, grader=grader)
    assert outcome.event == "resumed" and outcome.record is None
    assert not state.confirming_finish and not state.finished
    assert (state.question_number, state.attempt, state.current.id, state.answered) == (1, 2, 1, 1)
    assert (
        state.current.text in outcome.interviewer_message and "second attempt" in outcome.interviewer_message
    )
    assert grader.calls == 1
    # The attempt is still there to use: a right answer now is praised on attempt 2.
    state, outcome = run(state, RIGHT, config=config, source=source, grader=grader)
    assert outcome.event == "praised" and outcome.record.attempt == 2


def test_another_answer_to_the_finish_question_is_graded_as_the_answer(source, grader, config):
    state, _ = asked_to_confirm(source, grader, config)
    state, outcome = run(state, RIGHT, config=config, source=source, grader=grader)
    assert outcome.event == "praised" and outcome.record.attempt == 1 and outcome.record.question.id == 1
    assert not state.confirming_finish and state.question_number == 2


def test_silence_after_the_finish_question_asks_it_again(source, grader, config):
    state, _ = asked_to_confirm(source, grader, config)
    state, outcome = run(state, "  ", config=config, source=source, grader=grader)
    assert (
        outcome.event == "confirm_finish"
        and "Do you want to finish the interview?" in outcome.interviewer_message
    )
    assert state.confirming_finish and state.attempt == 1 and grader.calls == 0


def test_the_exact_command_finishes_at_once_without_asking(source, grader, config):
    state, _ = engine.start(config, source)
    state, outcome = run(state, "Finish interview.", config=config, source=source, grader=grader)
    assert outcome.event == "finished" and state.finished and not state.confirming_finish


def test_the_pending_question_round_trips_through_json_and_old_states_load(source, grader, config):
    state, _ = asked_to_confirm(source, grader, config, retry=True)
    restored = InterviewState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state and restored.confirming_finish
    resumed, outcome = run(restored, "no", config=config, source=source, grader=grader)
    assert outcome.event == "resumed" and resumed.attempt == 2
    saved_before_this_feature = {
        k: v for k, v in state.to_dict().items() if k not in {"confirming_finish", "last_answer_id"}
    }
    old = InterviewState.from_dict(saved_before_this_feature)
    assert not old.confirming_finish and old.last_answer_id == ""


def test_no_bank_model_answer_finishes_or_asks_to_finish_and_none_answers_the_finish_question(
    source, grader, config
):
    texts = bank_texts()
    assert len(texts) > 3000
    fresh, _ = engine.start(config, source)
    pending, _ = asked_to_confirm(source, grader, config)
    asked = [
        t
        for t in texts
        if run(fresh, t, config=config, source=source, grader=grader)[1].event
        in {"finished", "confirm_finish"}
    ]
    taken_as_reply = [
        t
        for t in texts
        if run(pending, t, config=config, source=source, grader=grader)[1].event
        in {"finished", "confirm_finish", "resumed"}
    ]
    assert asked == [] and taken_as_reply == []
