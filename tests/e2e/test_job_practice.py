"""Practising for a job in a real Chromium: paste a job description and upload a CV, see and edit the skills,
answer, get a follow-up after a partial answer, read the report's skill coverage, practise the missed ones.

Questions are chosen at random among those that train the job's skills, so the test reads the question on
the page and looks up its key points in the server's SQLite file (the test's own knowledge of the bank).
A partial answer is the question's first key point alone: the offline grader calls that partly right
with a point covered (a follow-up) about nine times in ten, so each topic question is tried in turn.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_interview_flow import (
    ANSWER_TIMEOUT_MS,
    bank_question,
    live_frame,
    new_context,
    shoot,
    shown_question,
    sign_up,
    type_answer,
    wait_until_idle,
)
from tests.interviews.skills.cv_files import text_pdf

pytestmark = pytest.mark.e2e

JOB = """Backend Engineer (Python)

We are a growing fintech team building the payments platform behind 2 million monthly transactions.
You will design and build REST APIs in Python (Django and FastAPI), model data in PostgreSQL, and
ship Docker containers through a CI/CD pipeline on GitHub Actions.

Requirements:
- 3+ years of professional experience with Python
- Strong SQL and relational database knowledge
- You collaborate well with product and design colleagues."""
CV_LINES = [
    "Ada Lovelace - Software engineer",
    "Four years of Python and Django, REST APIs, PostgreSQL and SQL reporting.",
    "Docker for local development; GitHub Actions for CI.",
]


def key_points(db_path: Path, text: str) -> list[str]:
    with sqlite3.connect(db_path) as connection:
        row = connection.execute(
            "SELECT key_points FROM interviews_question WHERE replace(text, '`', '') = ?", (text,)
        ).fetchone()
    assert row is not None, f"question not in the bank: {text!r}"
    return json.loads(row[0])


def test_candidate_practises_for_a_job_gets_a_follow_up_and_practises_the_missed_questions(
    server, launch_browser, artifacts_dir, tmp_path
):
    base_url, db_path = server["url"], server["db_path"]
    cv = tmp_path / "ada-cv.pdf"
    cv.write_bytes(text_pdf(CV_LINES))
    browser = launch_browser()
    context = new_context(browser)
    page = context.new_page()
    sign_up(page, base_url)

    # 1. Paste the job description, upload the CV, and read the skills found.
    page.goto(base_url + "/interviews/new/")
    page.get_by_test_id("job-mode").click()
    page.fill("#job_candidate_name", "Ada Lovelace")
    page.select_option("#job_position", "sde")
    page.fill("#job_job_description", JOB)
    page.set_input_files("#job_cv", str(cv))
    shoot(page, artifacts_dir, "20-job-form")
    page.get_by_test_id("read-job").click()
    skills = page.get_by_test_id("skills")
    expect(skills).to_contain_text("Python")
    expect(skills).to_contain_text("API design")
    expect(skills).to_contain_text("Docker and containers")
    expect(page.locator("main")).to_contain_text("Your CV has been read")
    expect(page.locator("#job_job_description")).to_have_value(JOB)  # still there, editable
    # 2. Remove one skill, add another, keep the documents, start.
    skills.get_by_label("Teamwork and collaboration").uncheck()
    page.fill("#job_added_skills", "window functions")
    page.check("#job_keep_documents")
    shoot(page, artifacts_dir, "21-job-skills")
    page.get_by_test_id("start-job").click()
    page.wait_for_url(re.compile(r"/interviews/\d+/live/$"))
    interview_id = int(re.search(r"/interviews/(\d+)/live/", page.url).group(1))
    frame = live_frame(page)

    # 3. The general question, answered well; then partial answers until a follow-up comes.
    general = shown_question(frame)
    type_answer(frame, bank_question(db_path, general)["model_answer"])
    followed_up = False
    for number in (2, 3):
        expect(frame.locator("#live-meta")).to_contain_text(
            f"Question {number} of 3", timeout=ANSWER_TIMEOUT_MS
        )
        wait_until_idle(frame)
        question = shown_question(frame)
        type_answer(frame, key_points(db_path, question)[0])
        # What comes next: a follow-up, a hint (second attempt), the next question, or the end.
        frame.locator(
            '#live-meta:has-text("Follow-up"), #live-meta:has-text("Second attempt"), '
            f'#live-meta:has-text("Question {number + 1} of 3"), #live-report a.ib-report-link'
        ).first.wait_for(timeout=ANSWER_TIMEOUT_MS)
        wait_until_idle(frame)
        meta = frame.locator("#live-meta").inner_text()
        if "Follow-up" in meta:
            followed_up = True
            follow_up = shown_question(frame)
            assert follow_up != question and follow_up.endswith("?")
            expect(frame.locator("#live-feedback")).to_contain_text("Partly right")
            shoot(page, artifacts_dir, "22-follow-up")
            type_answer(frame, "I am not sure, sorry.")  # a missed follow-up: the model answer is revealed
        elif "Second attempt" in meta:
            type_answer(frame, "I am not sure, sorry.")
    assert followed_up, "no partial answer got a follow-up"
    expect(frame.locator("#live-report a.ib-report-link")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)

    # 4. The report: the job's skills, asked or not, and the follow-up with its answer.
    page.goto(f"{base_url}/analytics/reports/{interview_id}/")
    coverage = page.get_by_test_id("skill-coverage")
    expect(coverage).to_contain_text("Python")
    expect(coverage).to_contain_text("SQL window functions")
    expect(coverage).not_to_contain_text("Teamwork")
    expect(page.locator("main")).to_contain_text("Follow-up:")
    expect(page.get_by_test_id("difficulty-path")).to_contain_text("Q2")
    page.screenshot(path=str(artifacts_dir / "23-job-report.png"), full_page=True)

    # 5. Practise the missed questions: a new interview asking one of them first.
    missed_first = page.locator(".question:has(.verdict-partial), .question:has(.verdict-incorrect)").first
    missed_text = missed_first.locator("h3").inner_text().split(". ", 1)[1]
    page.get_by_test_id("practise-missed").click()
    page.wait_for_url(re.compile(r"/interviews/\d+/live/$"))
    assert int(re.search(r"/interviews/(\d+)/live/", page.url).group(1)) != interview_id
    assert shown_question(live_frame(page)) == missed_text
    shoot(page, artifacts_dir, "24-practise-missed")
    context.close()
