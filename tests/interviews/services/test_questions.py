"""Question selection: fresh, fitted to the position and difficulty; LLM generation with a bank fallback."""

from __future__ import annotations

import json
import random

import pytest

from interviews.ai.llm import LLMError
from interviews.ai.registry import reset_backends
from interviews.bank.loader import load_bank
from interviews.models import Question
from interviews.services.questions import (
    DjangoQuestionSource,
    GeneratingQuestionSource,
    is_duplicate_question,
    parse_generated_question,
    question_source_for,
)
from tests.factories import InterviewSessionFactory, QuestionFactory, TurnFactory, UserFactory

pytestmark = pytest.mark.django_db


def ask_all(source: DjangoQuestionSource, *, kind: str = "topic", limit: int = 50) -> list[int]:
    """Ids of every question the source gives, asking until it has none left."""
    asked: list[int] = []
    while len(asked) < limit:
        ref = source.next_question(kind=kind, exclude_ids=asked)
        if ref is None:
            break
        asked.append(ref.id)
    return asked


def bank(count: int, **fields) -> list[Question]:
    return [QuestionFactory(**fields) for _ in range(count)]


def test_no_question_is_repeated_within_a_session_and_none_comes_when_exhausted():
    questions = bank(4, topic="java", difficulty="medium")
    session = InterviewSessionFactory(topic="java", difficulty="medium")

    asked = ask_all(DjangoQuestionSource(session=session, rng=random.Random(1)))

    assert sorted(asked) == sorted(q.pk for q in questions)


def test_questions_already_answered_in_the_session_are_not_asked_again():
    first, second = bank(2, topic="java", difficulty="easy")
    session = InterviewSessionFactory(topic="java", difficulty="easy")
    TurnFactory(session=session, question=first)

    ref = DjangoQuestionSource(session=session).next_question(kind="topic", exclude_ids=[])

    assert ref.id == second.pk


def test_topic_questions_match_the_session_topic_and_general_ones_ignore_it():
    java = bank(2, topic="java", difficulty="easy")
    bank(2, topic="sql", difficulty="easy")
    general = bank(2, kind="general", topic="general", difficulty="easy")
    session = InterviewSessionFactory(topic="java", difficulty="easy")
    source = DjangoQuestionSource(session=session, rng=random.Random(3))

    assert sorted(ask_all(source)) == sorted(q.pk for q in java)
    assert sorted(ask_all(source, kind="general")) == sorted(q.pk for q in general)


def test_the_ref_carries_the_grading_material():
    question = QuestionFactory(topic="java", difficulty="hard", key_points=["a", "b"], hint="nudge")
    session = InterviewSessionFactory(topic="java", difficulty="hard")

    ref = DjangoQuestionSource(session=session).next_question(kind="topic", exclude_ids=())

    assert (ref.text, ref.kind, ref.topic, ref.difficulty) == (question.text, "topic", "java", "hard")
    assert ref.reference_answer == question.reference_answer
    assert ref.key_points == ("a", "b") and ref.hint == "nudge"


def test_inactive_and_generated_questions_are_not_picked_from_the_bank():
    QuestionFactory(topic="java", is_active=False)
    QuestionFactory(topic="java", source=Question.Source.GENERATED)
    session = InterviewSessionFactory(topic="java", difficulty="easy")

    assert DjangoQuestionSource(session=session).next_question(kind="topic", exclude_ids=()) is None


def test_questions_from_the_owners_recent_sessions_are_avoided_while_alternatives_exist():
    seen, fresh = bank(2, topic="java", difficulty="easy")
    owner = UserFactory()
    TurnFactory(session=InterviewSessionFactory(owner=owner, topic="java"), question=seen)
    session = InterviewSessionFactory(owner=owner, topic="java", difficulty="easy")

    for seed in range(10):
        source = DjangoQuestionSource(session=session, rng=random.Random(seed))
        assert source.next_question(kind="topic", exclude_ids=()).id == fresh.pk
    # Once only recent ones are left, a repeat beats ending the interview early.
    source = DjangoQuestionSource(session=session)
    assert source.next_question(kind="topic", exclude_ids=[fresh.pk]).id == seen.pk


def test_only_the_last_few_sessions_and_only_the_owners_count_as_recent():
    old, other_users = bank(2, topic="java", difficulty="easy")
    owner = UserFactory()
    TurnFactory(session=InterviewSessionFactory(owner=owner), question=old)
    for _ in range(2):
        TurnFactory(session=InterviewSessionFactory(owner=owner), question=QuestionFactory(topic="sql"))
    TurnFactory(session=InterviewSessionFactory(), question=other_users)
    session = InterviewSessionFactory(owner=owner, topic="java", difficulty="easy")

    picked = {
        DjangoQuestionSource(session=session, recent_sessions=2, rng=random.Random(seed))
        .next_question(kind="topic", exclude_ids=())
        .id
        for seed in range(20)
    }

    assert picked == {old.pk, other_users.pk}


def test_an_analyst_and_an_sde_get_different_questions_for_the_same_topic():
    for_analyst = bank(3, topic="sql", difficulty="medium", positions=["analyst", "data-scientist"])
    for_sde = bank(3, topic="sql", difficulty="medium", positions=["sde"])
    anyone = bank(2, topic="sql", difficulty="medium", positions=[])

    def first_three(position: str) -> set[int]:
        session = InterviewSessionFactory(topic="sql", difficulty="medium", position=position)
        return set(ask_all(DjangoQuestionSource(session=session, rng=random.Random(5)), limit=3))

    assert first_three("analyst") == {q.pk for q in for_analyst}
    assert first_three("sde") == {q.pk for q in for_sde}
    # Then questions for any position come before those meant for someone else.
    session = InterviewSessionFactory(topic="sql", difficulty="medium", position="analyst")
    assert set(ask_all(DjangoQuestionSource(session=session))[3:5]) == {q.pk for q in anyone}


def test_a_neighbouring_difficulty_is_used_only_once_the_sessions_difficulty_is_exhausted():
    medium = QuestionFactory(topic="java", difficulty="medium", positions=["analyst"])
    easy = QuestionFactory(topic="java", difficulty="easy", positions=["sde"])
    hard = QuestionFactory(topic="java", difficulty="hard", positions=["sde"])
    session = InterviewSessionFactory(topic="java", difficulty="medium", position="sde")

    # Difficulty outranks position fit; of two equally near neighbours the easier comes first.
    assert ask_all(DjangoQuestionSource(session=session)) == [medium.pk, easy.pk, hard.pk]


def test_a_hard_session_falls_back_to_medium_before_easy():
    easy = QuestionFactory(topic="java", difficulty="easy")
    medium = QuestionFactory(topic="java", difficulty="medium")
    session = InterviewSessionFactory(topic="java", difficulty="hard")

    assert ask_all(DjangoQuestionSource(session=session)) == [medium.pk, easy.pk]


def test_equal_candidates_are_drawn_at_random_and_a_seeded_rng_repeats_the_draw():
    bank(6, topic="java", difficulty="easy")
    session = InterviewSessionFactory(topic="java", difficulty="easy")

    draw = [ask_all(DjangoQuestionSource(session=session, rng=random.Random(seed))) for seed in (11, 11, 12)]

    assert draw[0] == draw[1]
    firsts = {
        DjangoQuestionSource(session=session, rng=random.Random(seed))
        .next_question(kind="topic", exclude_ids=())
        .id
        for seed in range(30)
    }
    assert len(firsts) > 1


def test_the_real_bank_gives_an_analyst_and_an_sde_different_product_questions():
    load_bank()

    def interview(position: str) -> set[int]:
        session = InterviewSessionFactory(topic="product-analysis", difficulty="medium", position=position)
        return set(ask_all(DjangoQuestionSource(session=session, rng=random.Random(2)), limit=5))

    assert interview("analyst") != interview("sde")


# --- generation -----------------------------------------------------------------------------------


class ScriptedChatModel:
    """A ChatModel that replies from a script and keeps the prompts it was sent."""

    def __init__(self, replies: list[str | Exception]):
        self.replies = list(replies)
        self.prompts: list[list[dict]] = []

    def chat(self, messages, *, max_tokens=512, temperature=0.2, schema=None, timeout=None) -> str:
        self.prompts.append(messages)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def generated(text: str = "How does the JVM decide when an object can be garbage collected?") -> str:
    return (
        "Here you go:\n```json\n"
        + json.dumps(
            {
                "text": text,
                "reference_answer": "An object can be collected once it is unreachable from any GC root, such as thread stacks or static fields.",
                "key_points": ["unreachable from GC roots", "roots include stacks and statics"],
                "hint": "Think about what the collector starts its search from.",
            }
        )
        + "\n```"
    )


@pytest.fixture
def java_session():
    bank(4, topic="java", difficulty="hard")
    return InterviewSessionFactory(topic="java", difficulty="hard", position="sde")


def test_a_generated_question_is_stored_and_returned(java_session):
    llm = ScriptedChatModel([generated()])
    source = GeneratingQuestionSource(session=java_session, llm=llm, rng=random.Random(0))

    ref = source.next_question(kind="topic", exclude_ids=())

    assert source.notices == []
    stored = Question.objects.get(pk=ref.id)
    assert stored.source == Question.Source.GENERATED
    assert (stored.topic, stored.difficulty, stored.positions) == ("java", "hard", ["sde"])
    assert ref.text == "How does the JVM decide when an object can be garbage collected?"
    assert ref.key_points == ("unreachable from GC roots", "roots include stacks and statics")
    prompt = llm.prompts[0][-1]["content"]
    examples = [q.text for q in Question.objects.filter(source="bank") if q.text in prompt]
    assert len(examples) == 3


def test_malformed_output_falls_back_to_the_bank_and_stores_nothing(java_session):
    llm = ScriptedChatModel(['{"text": "Half a question', json.dumps({"text": "No answer given here?"})])
    source = GeneratingQuestionSource(session=java_session, llm=llm)

    ref = source.next_question(kind="topic", exclude_ids=())

    assert Question.objects.get(pk=ref.id).source == Question.Source.BANK
    assert not Question.objects.filter(source=Question.Source.GENERATED).exists()
    assert len(llm.prompts) == 2
    assert source.notices == [
        "The question generator gave no usable new question; this one is from the bank."
    ]
    assert source.sources == [Question.Source.BANK]
    # The retry shows the model its reply and the parse error: never the same prompt twice.
    assert llm.prompts[1][:-2] == llm.prompts[0]
    assert llm.prompts[1][-2] == {"role": "assistant", "content": '{"text": "Half a question'}
    assert "no JSON object" in llm.prompts[1][-1]["content"]


def test_a_generated_duplicate_of_an_asked_question_is_rejected(java_session):
    asked = Question.objects.filter(source="bank").first()
    llm = ScriptedChatModel([generated(asked.text), generated(asked.text.upper())])
    source = GeneratingQuestionSource(session=java_session, llm=llm)

    ref = source.next_question(kind="topic", exclude_ids=[asked.pk])

    assert ref.id != asked.pk
    assert Question.objects.get(pk=ref.id).source == Question.Source.BANK
    assert not Question.objects.filter(source=Question.Source.GENERATED).exists()
    assert asked.text in llm.prompts[0][-1]["content"]


def test_after_a_duplicate_a_fresh_generated_question_is_accepted(java_session):
    first = GeneratingQuestionSource(session=java_session, llm=ScriptedChatModel([generated()]))
    earlier = first.next_question(kind="topic", exclude_ids=())
    llm = ScriptedChatModel(
        [
            generated("When does the JVM decide an object can be garbage collected?"),
            generated("What is the difference between a checked and an unchecked exception?"),
        ]
    )

    ref = GeneratingQuestionSource(session=java_session, llm=llm).next_question(
        kind="topic", exclude_ids=[earlier.id]
    )

    assert ref.text == "What is the difference between a checked and an unchecked exception?"
    assert Question.objects.filter(source=Question.Source.GENERATED).count() == 2


def test_an_llm_error_falls_back_to_the_bank_with_a_notice(java_session):
    llm = ScriptedChatModel([LLMError("timeout")])
    source = GeneratingQuestionSource(session=java_session, llm=llm)

    ref = source.next_question(kind="topic", exclude_ids=())

    assert Question.objects.get(pk=ref.id).source == Question.Source.BANK
    assert source.notices
    assert not Question.objects.filter(source=Question.Source.GENERATED).exists()


def test_general_questions_always_come_from_the_bank(java_session):
    general = QuestionFactory(kind="general", topic="general")
    llm = ScriptedChatModel([])

    ref = GeneratingQuestionSource(session=java_session, llm=llm).next_question(
        kind="general", exclude_ids=()
    )

    assert ref.id == general.pk
    assert llm.prompts == []


def test_a_free_text_topic_without_bank_questions_is_still_generated(java_session):
    session = InterviewSessionFactory(topic="Kotlin coroutines", difficulty="hard", position="sde")
    llm = ScriptedChatModel([generated("What does a suspend function do in Kotlin?")])

    ref = GeneratingQuestionSource(session=session, llm=llm).next_question(kind="topic", exclude_ids=())

    assert ref.topic == "Kotlin coroutines"
    assert "Topic: Kotlin coroutines" in llm.prompts[0][-1]["content"]


@pytest.mark.parametrize(
    ("text", "asked", "duplicate"),
    [
        ("What is a HashMap?", ["what is a hashmap"], True),
        (
            "How does a Java HashMap handle collisions?",
            ["How are collisions handled in a Java HashMap?"],
            True,
        ),
        (
            "How does a Java HashMap handle collisions?",
            ["What is the difference between JDK and JRE?"],
            False,
        ),
    ],
)
def test_duplicate_detection_compares_normalised_text_and_word_overlap(text, asked, duplicate):
    assert is_duplicate_question(text, asked) is duplicate


def test_parsing_rejects_a_reply_with_missing_fields():
    with pytest.raises(ValueError, match="key_points"):
        parse_generated_question(
            json.dumps(
                {
                    "text": "What is a JVM and why does it exist?",
                    "reference_answer": "It runs bytecode on any platform.",
                    "hint": "Think portability.",
                }
            )
        )


def test_without_an_llm_the_source_is_the_bank_and_the_bank_is_loaded_on_first_use(settings):
    settings.AI_SERVICES = {**settings.AI_SERVICES, "llm": {**settings.AI_SERVICES["llm"], "BACKEND": ""}}
    session = InterviewSessionFactory()

    source = question_source_for(session)

    assert type(source) is DjangoQuestionSource
    assert Question.objects.filter(source="bank", bank_key__isnull=False).exists()


class ConfiguredChatModel(ScriptedChatModel):
    """Stands in for a remote chat backend named in settings.AI_SERVICES (no options taken)."""

    option_names = ()

    def __init__(self):
        super().__init__([generated()])


@pytest.fixture
def llm_configured(settings):
    settings.AI_SERVICES = {
        **settings.AI_SERVICES,
        "llm": {**settings.AI_SERVICES["llm"], "BACKEND": f"{__name__}.ConfiguredChatModel"},
    }
    reset_backends()
    yield
    reset_backends()


def test_with_an_llm_configured_the_source_generates_topic_questions(llm_configured):
    QuestionFactory(topic="java", difficulty="hard")
    session = InterviewSessionFactory(topic="java", difficulty="hard")

    source = question_source_for(session)
    ref = source.next_question(kind="topic", exclude_ids=())

    assert isinstance(source, GeneratingQuestionSource)
    assert Question.objects.get(pk=ref.id).source == Question.Source.GENERATED
