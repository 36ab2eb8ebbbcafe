"""The offline grader judges meaning and key-point coverage, and its hints nudge without revealing."""

import pytest

from interviews.services.grading import derive_key_points, is_non_answer

pytestmark = pytest.mark.slow  # the real MiniLM model (loaded once per session)


def _words(text: str) -> str:
    return " ".join(text.lower().replace(",", " ").replace(".", " ").split())


def test_a_correct_answer_in_other_words_is_correct(embedding_grader, list_vs_tuple):
    answer = (
        "You can modify a list after you create it, appending or removing items, but a tuple is fixed and "
        "cannot be changed once created. Since a tuple never changes it is hashable, so it works as a dict key."
    )

    grade = embedding_grader.grade(list_vs_tuple, answer)

    assert grade.verdict == "correct"
    assert grade.grader == "EmbeddingGrader"
    assert grade.hint == ""
    assert grade.missing_points == ()
    assert "tuples are hashable and can be dictionary keys" in grade.covered_points
    assert grade.praise


@pytest.mark.parametrize(
    ("fixture", "answer"),
    [
        (
            "primary_key",
            "It is the column whose value is unique for every row, so each record can be identified "
            "by it. It is not allowed to be null, and every table has just one of them.",
        ),
        (
            "tcp_vs_udp",
            "TCP sets up a connection first and makes sure every packet arrives, in order, resending "
            "lost ones. UDP just sends datagrams with no connection and no guarantee they arrive, "
            "which makes it lighter and quicker, good for video calls and games.",
        ),
        (
            "recursion_without_key_points",
            "It is a function which calls itself, directly or indirectly, until it reaches a base case.",
        ),
    ],
)
def test_correct_answers_across_topics_are_correct(embedding_grader, request, fixture, answer):
    grade = embedding_grader.grade(request.getfixturevalue(fixture), answer)

    assert grade.verdict == "correct", grade


def test_an_answer_with_some_key_points_is_partial_and_lists_the_missing_ones(embedding_grader, tcp_vs_udp):
    answer = (
        "TCP is connection-oriented: it does a handshake and resends lost packets so delivery is reliable."
    )

    grade = embedding_grader.grade(tcp_vs_udp, answer)

    assert grade.verdict == "partial", grade
    assert "TCP is connection-oriented" in grade.covered_points
    assert "UDP has lower overhead and is faster" in grade.missing_points
    assert "TCP is connection-oriented" not in grade.missing_points
    assert 0 < grade.score < 1


def test_a_partial_answer_gets_the_question_hint_and_a_nudge_towards_a_missing_point(
    embedding_grader, primary_key
):
    grade = embedding_grader.grade(primary_key, "It is a column that is never allowed to be null.")

    assert grade.verdict == "partial", grade
    assert grade.missing_points == ("uniquely identifies each row", "only one primary key per table")
    assert grade.hint.startswith(primary_key.hint)
    assert "uniquely identifies each row" in grade.hint
    assert "cannot be null" in grade.praise


@pytest.mark.parametrize(
    "answer",
    [
        "I really enjoy playing football with my friends on Saturday mornings.",
        "A tuple is a type of database server used to send emails over the network.",
    ],
)
def test_off_topic_or_wrong_answers_are_incorrect(embedding_grader, list_vs_tuple, answer):
    grade = embedding_grader.grade(list_vs_tuple, answer)

    assert grade.verdict == "incorrect", grade
    assert grade.praise == ""
    assert grade.hint


@pytest.mark.parametrize("answer", ["", "   ", "I don't know", "No idea, sorry.", "pass"])
def test_empty_and_dont_know_answers_are_incorrect_with_every_point_missing(
    embedding_grader, tcp_vs_udp, answer
):
    grade = embedding_grader.grade(tcp_vs_udp, answer)

    assert grade.verdict == "incorrect"
    assert grade.score == 0
    assert grade.missing_points == tcp_vs_udp.key_points
    assert grade.hint.startswith(tcp_vs_udp.hint)


def test_the_hint_never_contains_the_reference_answer(
    embedding_grader, list_vs_tuple, primary_key, tcp_vs_udp, recursion_without_key_points, team_conflict
):
    answers = ["", "I don't know", "something about computers", "It is a thing that calls", "It is a loop"]
    for question in (list_vs_tuple, primary_key, tcp_vs_udp, recursion_without_key_points, team_conflict):
        for answer in answers:
            grade = embedding_grader.grade(question, answer)
            assert _words(question.reference_answer) not in _words(grade.hint), (question.text, answer)
            assert grade.hint or grade.verdict == "correct", (question.text, answer)


def test_a_derived_key_point_is_not_quoted_in_the_hint(embedding_grader, recursion_without_key_points):
    grade = embedding_grader.grade(recursion_without_key_points, "It is a loop that repeats forever.")

    assert grade.verdict != "correct"
    assert "function that calls itself" not in grade.hint.lower()


def test_a_substantive_on_topic_behavioural_answer_is_correct(embedding_grader, team_conflict):
    answer = (
        "In my last internship a colleague and I disagreed about whether to rewrite a module or patch it before "
        "a release. I asked for a short meeting, listened to his concerns about the deadline, and we agreed to "
        "patch now and plan the rewrite for the next sprint. The release went out on time and the rewrite "
        "happened a month later. I learned that listening first makes it much easier to find common ground."
    )

    grade = embedding_grader.grade(team_conflict, answer)

    assert grade.verdict == "correct", grade
    assert grade.missing_points == ()


@pytest.mark.parametrize("answer", ["I don't know.", "I never have conflicts.", ""])
def test_a_behavioural_question_answered_without_substance_is_incorrect(
    embedding_grader, team_conflict, answer
):
    assert embedding_grader.grade(team_conflict, answer).verdict == "incorrect"


def test_a_long_but_off_topic_behavioural_answer_is_not_correct(embedding_grader, team_conflict):
    answer = (
        "Python lists are dynamic arrays that over-allocate memory so that appending is amortised constant "
        "time, while inserting at the front needs every element to be shifted one place to the right."
    )

    assert embedding_grader.grade(team_conflict, answer).verdict == "incorrect"


def test_a_short_relevant_behavioural_answer_is_not_yet_correct(embedding_grader, team_conflict):
    grade = embedding_grader.grade(
        team_conflict, "I once disagreed with a colleague and we talked it through."
    )

    assert grade.verdict == "partial", grade
    assert grade.hint.startswith(team_conflict.hint)


def test_scores_rank_better_answers_higher(embedding_grader, tcp_vs_udp):
    full = (
        "TCP is connection-oriented and reliable, resending lost packets in order; UDP is connectionless, "
        "gives no guarantee and has less overhead so it is faster."
    )
    half = "TCP is connection-oriented and reliable."
    wrong = "TCP and UDP are two kinds of graphics cards."

    scores = [embedding_grader.grade(tcp_vs_udp, a).score for a in (full, half, wrong)]

    assert scores[0] > scores[1] > scores[2]


def test_key_points_are_derived_from_the_reference_clauses():
    points = derive_key_points(
        "Divide a problem into smaller subproblems, solve them recursively, and then combine the solutions."
    )

    assert points == (
        "Divide a problem into smaller subproblems",
        "solve them recursively",
        "then combine the solutions",
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("I don't know", True),
        ("idk", True),
        ("Not sure.", True),
        ("", True),
        ("I don't know the exact name, but it is a function calling itself", False),
        ("A stack is LIFO", False),
    ],
)
def test_non_answers_are_recognised(answer, expected):
    assert is_non_answer(answer) is expected


def test_the_grader_is_safe_to_share_between_threads(embedding_grader, primary_key):
    import concurrent.futures

    answer = "It uniquely identifies each row and cannot be null."
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        grades = list(pool.map(lambda _: embedding_grader.grade(primary_key, answer), range(8)))

    assert len({g for g in grades}) == 1
