"""Contradiction cues on answers written for these tests, and the embedded grader that consults them."""

import pytest

from benchmarks._common import as_transcribed
from interviews.domain import QuestionRef
from interviews.services.contradictions import answer_clauses, find_contradictions, is_prefixed_opposite

LIST_VS_TUPLE = QuestionRef(
    id=41,
    kind="topic",
    topic="python",
    text="What is the difference between a list and a tuple in Python?",
    reference_answer=(
        "A list is mutable, so you can add, remove or change its items after creating it. A tuple is immutable: "
        "once created it cannot be changed, which makes it hashable and usable as a dictionary key."
    ),
    key_points=("a list is mutable", "a tuple is immutable", "a tuple can be a dictionary key"),
    hint="Think about what you can do to each after you create it.",
)


def cues(answer: str, question: QuestionRef = LIST_VS_TUPLE):
    return find_contradictions(answer, reference=question.reference_answer, question=question.text)


def test_saying_a_tuple_is_mutable_is_an_opposite_of_the_reference():
    assert cues("A tuple is mutable: once created it can be changed, which makes it hashable.").opposite_words


def test_giving_the_tuple_the_lists_sentence_is_found_too():
    assert cues("A tuple is mutable, so you can change its items after creating it.").found


def test_giving_the_list_the_tuples_properties_is_a_swap_of_roles():
    swapped = "A list cannot be changed once created and is hashable. A tuple lets you add and remove items."

    assert cues(swapped).found


def test_a_right_answer_in_its_own_words_raises_no_cue():
    assert not cues(
        "Lists can grow and be edited in place. Tuples are fixed once built, so they can serve as keys in a dict."
    ).found


def test_a_property_stated_as_absent_does_not_count_as_the_other_terms_property():
    tcp_udp = QuestionRef(
        id=42,
        kind="topic",
        text="What is the difference between TCP and UDP?",
        reference_answer=(
            "TCP is connection-oriented and guarantees reliable, ordered delivery by retransmitting lost packets. "
            "UDP is connectionless, gives no delivery or ordering guarantee, and has lower overhead."
        ),
    )

    assert not cues("UDP sends datagrams with no connection and no guarantee they arrive.", tcp_udp).found


def test_the_same_number_with_another_unit_is_a_wrong_quantity():
    question = QuestionRef(
        id=43,
        kind="topic",
        text="How long may a monthly service be down at 99.9% availability?",
        reference_answer="99.9% availability allows about 43 minutes of downtime a month.",
    )

    assert cues("About 43 hours of downtime each month.", question).wrong_quantities
    assert not cues("Roughly 43 minutes a month.", question).found


FUNCTION_SIGNATURE = QuestionRef(
    id=44,
    kind="topic",
    text="What is a function signature?",
    reference_answer="The name of the function and the types of its parameters.",
)
LEADING_VS_LAGGING = QuestionRef(
    id=45,
    kind="topic",
    text="What is the difference between leading and lagging indicators on a dashboard?",
    reference_answer=(
        "Lagging indicators measure outcomes after they happen, like quarterly revenue or annual churn. Leading "
        "indicators move earlier and predict those outcomes, such as trial activation rate."
    ),
)


def test_denying_what_the_reference_states_in_its_own_words_is_a_negation():
    terraform = QuestionRef(
        id=46,
        kind="topic",
        text="What is Terraform state?",
        reference_answer="Terraform keeps a state file that maps the resources in your code to the real resources.",
    )

    assert cues("Terraform does not keep a state file of the resources.", terraform).opposite_words
    assert not cues("Terraform keeps a file mapping code resources to real ones.", terraform).found


def test_saying_what_a_thing_is_not_about_something_the_reference_never_mentions_raises_no_cue():
    right = "It includes the name of the function and the types of its arguments. It does not specify the return type."

    assert not cues(right, FUNCTION_SIGNATURE).found


def test_a_negation_that_agrees_with_a_qualified_reference_raises_no_cue():
    # The reference says a tuple "cannot be changed": "a tuple is not changeable" agrees with it.
    assert not cues("A tuple is not something you can change once created; a list can be changed.").found


def test_a_head_noun_shared_by_both_terms_does_not_hide_a_swap():
    swapped = (
        "Leading indicators measure outcomes after they happen, like quarterly revenue or annual churn, while "
        "lagging indicators move earlier and predict those outcomes."
    )

    assert cues(swapped, LEADING_VS_LAGGING).swapped_roles
    assert not cues(
        "Lagging indicators report results such as revenue once they happen; leading ones move first and forecast them.",
        LEADING_VS_LAGGING,
    ).found


@pytest.mark.parametrize(
    ("word", "other"), [("immutable", "mutable"), ("unordered", "ordered"), ("non-blocking", "blocking")]
)
def test_prefixed_opposites_are_recognised(word, other):
    assert is_prefixed_opposite(word, other)


def test_short_words_are_not_taken_for_prefixed_opposites():
    assert not is_prefixed_opposite("into", "to")


def test_the_embedded_grader_grades_a_contradiction_incorrect_and_the_paraphrase_correct(embedding_grader):
    contradiction = embedding_grader.grade(
        LIST_VS_TUPLE,
        "A list is immutable, so you cannot change it after creating it. A tuple is mutable: you can add, remove "
        "or change its items, and that is why it is usable as a dictionary key.",
    )
    paraphrase = embedding_grader.grade(
        LIST_VS_TUPLE,
        "Lists can grow, shrink and be edited in place. Tuples are fixed once built, which lets them be hashed and "
        "serve as keys in a dict.",
    )

    assert contradiction.verdict == "incorrect"
    assert paraphrase.verdict != "incorrect"


SWAPPED_LIST_AND_TUPLE = (
    "A tuple is mutable, so you can add, remove or change its items after creating it. A list is immutable: once "
    "created it cannot be changed, which makes it hashable and usable as a dictionary key."
)
RIGHT_LIST_AND_TUPLE = (
    "A list is mutable, so you can add, remove or change its items after you have created it. A tuple is "
    "immutable: once it is created it cannot be changed, which makes it hashable and usable as a dictionary key."
)


def test_an_unpunctuated_transcript_is_cut_into_clauses_where_the_references_clauses_open():
    clauses = answer_clauses(as_transcribed(SWAPPED_LIST_AND_TUPLE), LIST_VS_TUPLE.reference_answer)

    assert len(clauses) == 2
    assert clauses[1].startswith("list is immutable")


def test_a_swap_spoken_without_punctuation_is_still_found():
    assert cues(SWAPPED_LIST_AND_TUPLE).found
    assert cues(as_transcribed(SWAPPED_LIST_AND_TUPLE)).found


def test_the_right_answer_spoken_without_punctuation_raises_no_cue():
    assert not cues(RIGHT_LIST_AND_TUPLE).found
    assert not cues(as_transcribed(RIGHT_LIST_AND_TUPLE)).found


def test_written_sentences_are_never_recut():
    written = (
        "A tuple, which you create once and never change afterwards, is hashable, so unlike a list it can serve "
        "as a key in a dictionary, even a large one."
    )

    assert answer_clauses(written, LIST_VS_TUPLE.reference_answer) == [written.lower()]
    assert len(answer_clauses(as_transcribed(written), LIST_VS_TUPLE.reference_answer)) == 2
