"""The behavioural judge on answers written for these tests (not taken from the benchmark's labelled set)."""

import pytest

from benchmarks._common import as_transcribed
from interviews.services.behavioural import INTENTS, detect_star, judge

CONFLICT_STORY = (
    "Last spring at my previous job our tech lead wanted to ship the new billing service without load tests, "
    "and I disagreed because the old one had fallen over at peak traffic. I had to convince him before the "
    "Friday release. I wrote a one-page risk summary, ran a two-hour load test on a staging copy and showed "
    "him the latency graph. In the end we delayed the release by three days, fixed two slow queries, and the "
    "launch went without a single incident."
)


def test_a_complete_conflict_story_is_correct_and_every_star_part_is_found():
    judgement = judge(CONFLICT_STORY, intent="conflict", story=True)

    assert judgement.verdict == "correct"
    assert judgement.star is not None and judgement.star.missing() == ()


def test_a_story_without_its_outcome_is_partial_and_the_feedback_names_the_missing_result():
    no_outcome = CONFLICT_STORY.split(" In the end")[0]

    judgement = judge(no_outcome, intent="conflict", story=True)

    assert judgement.verdict == "partial"
    assert "result" in judgement.star.missing()
    assert "outcome" in judgement.feedback
    assert "You described" in judgement.feedback


def test_a_story_without_anything_the_candidate_did_says_so():
    only_the_situation = (
        "Last year at my previous company there was a big argument in our team about whether to rewrite the "
        "reporting service in Go or keep it in Python, and the discussion went on for weeks with a lot of tension "
        "between the two senior engineers who both had strong opinions about performance."
    )

    judgement = judge(only_the_situation, intent="conflict", story=True)

    assert judgement.verdict != "correct"
    assert "action" in judgement.star.missing()


def test_listing_experience_when_asked_why_is_off_intent():
    # The example: experience listed in reply to "Why do you want to work as a software engineer?"
    experience_list = (
        "I have built a few projects at university, including a web shop in Django and a small Android app, "
        "and I did a six month internship at a logistics company where I worked on their route planning API "
        "with Java and PostgreSQL."
    )

    judgement = judge(experience_list, intent="motivation", story=False)

    assert judgement.verdict == "incorrect"
    assert "reasons" in judgement.feedback


def test_a_success_story_told_for_a_failure_question_is_off_intent():
    success = (
        "My biggest success was leading the migration of our analytics jobs to Airflow last year. I planned the "
        "work, wrote the first ten DAGs and trained two colleagues, and in the end every nightly job ran on time."
    )

    assert judge(success, intent="failure", story=True).verdict == "incorrect"


def test_cliches_with_nothing_concrete_are_evasive():
    cliche = "Honestly I am a real team player and a people person, and I always give a hundred percent to everything I do."

    judgement = judge(cliche, intent="strength", story=True)

    assert judgement.verdict == "incorrect"
    assert judgement.reason == "evasive"


def test_a_fragment_is_too_short_whatever_it_says():
    assert judge("Because I love coding.", intent="motivation", story=False).verdict == "incorrect"


def test_a_reasoned_motivation_with_a_concrete_example_is_correct():
    motivation = (
        "I want to work as a software engineer because I enjoy turning a vague problem into something people use "
        "every day. At university I wrote a timetable planner that 300 students used each term, and fixing the "
        "bugs they reported taught me that I like the whole loop: listening to users, designing a change, "
        "shipping it and seeing whether it helped. This role does exactly that for a much larger product."
    )

    assert judge(motivation, intent="motivation", story=False).verdict == "correct"


def test_star_parts_are_found_in_order_the_result_ends_the_story():
    result_first_only = "The launch went without a single incident. Then I was asked to plan the release."

    assert not detect_star(result_first_only).result


@pytest.mark.parametrize("intent", sorted(INTENTS))
def test_every_intent_refuses_an_empty_hearted_answer(intent):
    assert (
        judge("I don't know, it depends really, hard to say.", intent=intent, story=False).verdict
        == "incorrect"
    )


def test_an_unpunctuated_transcript_of_a_complete_story_is_judged_as_the_written_story():
    transcript = as_transcribed(CONFLICT_STORY)

    judgement = judge(transcript, intent="conflict", story=True)

    assert judgement.verdict == "correct", judgement.reason
    assert judgement.star.missing() == ()


def test_an_unpunctuated_story_that_stops_before_its_outcome_still_lacks_the_result():
    transcript = as_transcribed(CONFLICT_STORY.split(" In the end")[0])

    judgement = judge(transcript, intent="conflict", story=True)

    assert judgement.verdict == "partial"
    assert "result" in judgement.star.missing()


def test_a_measured_change_is_a_result_whatever_tense_the_recogniser_heard():
    story = (
        "At my last job our nightly import failed twice a week and nobody owned it. I traced the failures to a "
        "timeout in the vendor client, wrote a retry with backoff and added an alert."
    )

    assert not detect_star(story).result
    assert detect_star(story + " The failures drop to almost zero.").result
    assert detect_star(story + " The failures dropped to almost zero.").result
