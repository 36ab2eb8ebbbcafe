"""Expressions in a real Chromium whose fake camera plays a face video: one switch, no camera control touched.

The candidate ticks "Analyse my facial expressions" on the start form and never touches the camera: the live
page opens it and streams frames, the server reads an expression per frame for the question and attempt on
screen, and the report shows them per question. A refused camera and a camera that stops are told to the
candidate, the interview goes on, and the report says where expressions are missing.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.test_interview_flow import (
    ANSWER_TIMEOUT_MS,
    NONSENSE,
    PAGE_TIMEOUT_MS,
    bank_question,
    expect_outcome,
    live_frame,
    new_context,
    shoot,
    shown_question,
    sign_up,
    start_interview,
    type_answer,
)

pytestmark = pytest.mark.e2e

EXPRESSION = re.compile(r"Expression: (angry|disgust|fear|happy|sad|surprise|neutral)")
LABEL = r"(angry|disgust|fear|happy|sad|surprise|neutral)"


def test_the_camera_streams_by_itself_and_the_report_shows_expressions_per_question(
    server, launch_browser, artifacts_dir
):
    base_url, db_path = server["url"], server["db_path"]
    browser = launch_browser()  # the fake camera plays the face clip from tests/data
    context = new_context(browser)
    page = context.new_page()
    sign_up(page, base_url)
    interview_id = start_interview(page, base_url, name="Mary Jackson", webcam=True)
    frame = live_frame(page)
    first_question = shown_question(frame)
    expect(frame.locator("#live-consent-video input")).to_be_checked()
    # Nobody clicks the camera: the page opened it and frames are being read.
    expect(frame.locator("#live-expression")).to_contain_text(EXPRESSION, timeout=PAGE_TIMEOUT_MS)
    shoot(page, artifacts_dir, "20-expression-while-listening")
    time.sleep(3)  # a few frames while listening to question 1

    type_answer(frame, bank_question(db_path, first_question)["model_answer"])
    expect_outcome(frame, "Question 2 of 3")
    second_question = shown_question(frame)
    time.sleep(3)  # ...and while listening to question 2
    type_answer(frame, NONSENSE)  # clicking into the answer box starts "answering"
    expect_outcome(frame, "Second attempt")
    time.sleep(3)  # listening to the hint
    type_answer(frame, NONSENSE)
    expect_outcome(frame, "Question 3 of 3")
    type_answer(frame, "finish interview")
    expect(frame.locator("#live-report a.ib-report-link")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(frame.locator("#live-webcam")).to_be_hidden()  # the camera stops with the interview

    page.goto(f"{base_url}/analytics/reports/{interview_id}/")
    main = page.locator("main")
    expect(main).to_contain_text(bank_question(db_path, second_question)["text"])
    for number in (1, 2):
        expect(page.get_by_test_id(f"question-expressions-{number}")).to_contain_text(
            re.compile(rf"listening {LABEL}")
        )
    expect(page.get_by_test_id("question-expressions-2")).to_contain_text("Expressions after the hint")
    expect(main).not_to_contain_text("No webcam analysis for this interview")
    page.screenshot(path=str(artifacts_dir / "21-report-expressions-per-question.png"), full_page=True)
    context.close()


def test_a_refused_camera_is_told_and_the_report_says_expressions_are_missing(
    server, launch_browser, artifacts_dir
):
    base_url = server["url"]
    browser = launch_browser(grant_media=False)
    context = new_context(browser)
    page = context.new_page()
    sign_up(page, base_url)
    interview_id = start_interview(page, base_url, name="Dorothy Vaughan", webcam=True)
    frame = live_frame(page)
    shown_question(frame)
    expect(frame.locator("#live-camera-status")).to_contain_text("No camera", timeout=PAGE_TIMEOUT_MS)
    shoot(page, artifacts_dir, "22-camera-refused")
    type_answer(frame, NONSENSE)  # the interview goes on
    expect_outcome(frame, "Second attempt")
    type_answer(frame, "finish interview")
    expect(frame.locator("#live-report a.ib-report-link")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    page.goto(f"{base_url}/analytics/reports/{interview_id}/")
    expect(page.get_by_test_id("question-expressions-1")).to_contain_text("none seen")
    expect(page.get_by_test_id("question-expressions-1")).to_contain_text(
        "camera was not allowed or not found"
    )
    context.close()


def test_a_camera_that_stops_mid_interview_is_told_and_the_interview_goes_on(
    server, launch_browser, artifacts_dir
):
    base_url = server["url"]
    browser = launch_browser()
    context = new_context(browser)
    page = context.new_page()
    sign_up(page, base_url)
    interview_id = start_interview(page, base_url, name="Annie Easley", webcam=True)
    frame = live_frame(page)
    shown_question(frame)
    expect(frame.locator("#live-expression")).to_contain_text(EXPRESSION, timeout=PAGE_TIMEOUT_MS)
    # The camera goes away (unplugged): the browser ends its track and fires "ended".
    gradio = next(f for f in page.frames if "/live/gradio" in f.url)
    gradio.evaluate(
        """() => {
            const video = document.querySelector('#live-webcam video');
            for (const track of video.srcObject.getVideoTracks()) {
                track.stop();
                track.dispatchEvent(new Event('ended'));
            }
        }"""
    )
    expect(frame.locator("#live-camera-status")).to_contain_text("camera stopped", timeout=PAGE_TIMEOUT_MS)
    shoot(page, artifacts_dir, "23-camera-stopped")
    type_answer(frame, NONSENSE)
    expect_outcome(frame, "Second attempt")
    type_answer(frame, "finish interview")
    expect(frame.locator("#live-report a.ib-report-link")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    page.goto(f"{base_url}/analytics/reports/{interview_id}/")
    expect(page.get_by_test_id("question-expressions-1")).to_contain_text("the camera stopped")
    context.close()
