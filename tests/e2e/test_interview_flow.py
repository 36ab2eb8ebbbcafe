"""A candidate's whole interview in a real Chromium: sign up, start, answer by voice and by typing, finish, report.

The microphone is Chromium's fake capture device playing a piper-spoken WAV. The interview picks its
questions at random, so the test reads the question on the page and speaks that question's model answer
(a general question's example answer, else its reference answer), looked up in the server's SQLite file:
the test's own knowledge of the bank, not the product's.
Chromium reads the fake microphone file given at launch, so each spoken answer is a new browser launch
with the candidate's cookies; reopening the live page is also what a candidate who reloads does.
"""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, expect

from tests.e2e.media import TRAILING_SILENCE_S, wav_seconds

pytestmark = pytest.mark.e2e

PASSWORD = "Sturdy-pass-2026"
VIEWPORT = {"width": 1280, "height": 900}
# One spoken answer: Whisper on a shared 2-core machine, the grader and the interviewer's TTS reply.
ANSWER_TIMEOUT_MS = 120_000
PAGE_TIMEOUT_MS = 60_000
NONSENSE = "I mostly enjoy turtles, sunny beaches and a good cup of tea in the afternoon."


# --- Steps ------------------------------------------------------------------------------------------


def shoot(page: Page, artifacts: Path, name: str) -> None:
    """Viewport screenshot from the top of the page (the live page is tall; the top is what a candidate sees)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / f"{name}.png"))


def new_context(browser: Browser, storage_state: dict | None = None) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT, storage_state=storage_state)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context


def sign_up(page: Page, base_url: str, artifacts: Path | None = None) -> str:
    """Create an account through the allauth signup form; returns the username."""
    username = f"cand-{uuid.uuid4().hex[:8]}"
    page.goto(base_url + "/accounts/signup/")
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    if artifacts:
        shoot(page, artifacts, "01-signup")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "/accounts/signup/" not in page.url, page.locator("main").inner_text()
    return username


def start_interview(
    page: Page,
    base_url: str,
    artifacts: Path | None = None,
    *,
    name: str = "Ada Lovelace",
    webcam: bool = False,
) -> int:
    """Fill the start form and land on the live page; returns the interview id."""
    page.goto(base_url + "/interviews/new/")
    page.fill("#id_candidate_name", name)
    page.select_option("#id_topic", "python")
    page.select_option("#id_position", "sde")
    page.check("#id_difficulty_0")  # easy
    page.check("#id_consent_audio")
    if webcam:
        page.check("#id_consent_video")
    if artifacts:
        shoot(page, artifacts, "02-start-form")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/interviews/\d+/live/$"))
    return int(re.search(r"/interviews/(\d+)/live/", page.url).group(1))


def live_frame(page: Page) -> FrameLocator:
    return page.frame_locator("#live-frame")


def interview_waiting_for_an_answer(launch_browser, base_url: str, *, name: str = "Ada Lovelace") -> tuple:
    """Sign up and start an interview in a browser with no microphone file, then close it:
    (interview id, the question on screen, the signed-in cookies)."""
    context = new_context(launch_browser())
    page = context.new_page()
    sign_up(page, base_url)
    interview_id = start_interview(page, base_url, name=name)
    question = shown_question(live_frame(page))
    cookies = context.storage_state()
    context.close()
    return interview_id, question, cookies


def reopen_live_page(
    launch_browser, base_url: str, interview_id: int, cookies: dict, wav: Path, *, init_script: str = ""
) -> tuple[BrowserContext, Page, FrameLocator]:
    """The interview's live page again, in a browser whose fake microphone plays `wav`."""
    context = new_context(launch_browser(wav), cookies)
    if init_script:
        context.add_init_script(init_script)  # in the Gradio frame too
    page = context.new_page()
    page.goto(f"{base_url}/interviews/{interview_id}/live/")
    return context, page, live_frame(page)


def shown_question(frame: FrameLocator) -> str:
    question = frame.locator("#live-question .ib-question:not(.ib-muted)")
    question.wait_for()
    return question.inner_text().strip()


def record_answer(
    page: Page,
    frame: FrameLocator,
    wav: Path,
    *,
    trailing_silence_s: float = TRAILING_SILENCE_S,
    wait_for_upload: bool = True,
) -> None:
    """Record the fake microphone for the length of the spoken part of `wav` and stop (and wait until the
    answer can be submitted).

    The streaming microphone (the default) sends the recording in chunks while it is made, and the page
    uploads its own recording of the whole answer after the stop; without streaming, the recorder uploads the
    answer at the stop."""
    start_recording(frame)
    # Chromium starts the file again for each capture; stop well inside the trailing silence, before it loops.
    time.sleep(wav_seconds(wav) - trailing_silence_s + 3.0)
    if not wait_for_upload:  # a candidate who clicks Submit right after Stop
        frame.locator("#live-mic button.stop-button").first.click()
        return
    if streams(frame):
        frame.locator("#live-mic button.stop-button").first.click()
        expect(whole_recording_box(frame)).not_to_have_value("", timeout=30_000)
        expect(frame.locator("#live-submit")).to_be_enabled(timeout=30_000)
        return
    with page.expect_response(
        lambda response: "/gradio_api/upload" in response.url, timeout=30_000
    ) as upload:
        frame.locator("#live-mic button.stop-button").first.click()
    assert upload.value.ok, upload.value.status
    expect(frame.locator("#live-mic button.record-button")).to_have_count(0, timeout=15_000)


def streams(frame: FrameLocator) -> bool:
    """The page's microphone streams (STT_STREAMING), so the page records the whole answer beside it."""
    return frame.locator("#live-mic-whole.ib-record-whole").count() == 1


def whole_recording_box(frame: FrameLocator):
    """The hidden box where the page puts its upload of the whole answer for Submit."""
    return frame.locator("#live-mic-whole textarea, #live-mic-whole input").first


def start_recording(frame: FrameLocator) -> None:
    """Press Record; Submit is held while recording (it would carry half an answer)."""
    frame.locator("#live-mic button.record-button").click()
    expect(frame.locator("#live-submit")).to_be_disabled()
    expect(frame.locator("#live-submit")).to_have_text("Waiting for your recording…")


def submit(frame: FrameLocator) -> None:
    wait_until_idle(frame)
    frame.locator("#live-submit").click()  # Playwright waits for it to be enabled, as a candidate would


def wait_until_idle(frame: FrameLocator) -> None:
    """Wait for the interviewer's spoken reply to be ready.

    The answer event runs on while that reply is synthesised ("Preparing the interviewer's reply…"); Submit
    is disabled meanwhile and says so.
    """
    expect(frame.locator("#live-status .ib-status")).to_have_class(
        re.compile("ib-idle"), timeout=ANSWER_TIMEOUT_MS
    )


def expect_outcome(frame: FrameLocator, meta_text: str) -> None:
    """Wait until the question header shows `meta_text`; fail at once with the page's error if one shows."""
    outcome = frame.locator(f'#live-meta:has-text("{meta_text}"), #live-error .ib-error[role=alert]').first
    outcome.wait_for(timeout=ANSWER_TIMEOUT_MS)
    error = frame.locator("#live-error .ib-error[role=alert]")
    assert error.count() == 0, f"the live page shows an error: {error.inner_text()}"


def expect_visible_or_explain(frame: FrameLocator, target) -> None:
    """Wait for `target`; if it never shows, fail with what the page heard and said instead."""
    try:
        expect(target).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    except AssertionError as missing:
        shown = {
            name: frame.locator(selector).first.inner_text(timeout=1_000)
            for name, selector in (
                ("question", "#live-question"),
                ("meta", "#live-meta"),
                ("verdict", "#live-verdict"),
                ("feedback", "#live-feedback"),
                ("error", "#live-error"),
            )
            if frame.locator(selector).count()
        }
        heard = frame.locator("#live-transcript textarea").input_value(timeout=1_000)
        raise AssertionError(f"{missing}\nthe page heard {heard!r} and shows {shown}") from None


def report_link(frame: FrameLocator):
    return frame.locator("#live-report a.ib-report-link")


def asked_to_confirm_the_finish(frame: FrameLocator) -> bool:
    """After "finish interview" was spoken: wait for the report link, or for "Do you want to finish the
    interview?" (what Whisper heard only sounds like the command); True when the interviewer asks."""
    confirm = frame.locator("#live-confirm-yes")
    expect_visible_or_explain(frame, report_link(frame).or_(confirm))
    return confirm.is_visible()


def type_answer(frame: FrameLocator, text: str) -> None:
    wait_until_idle(frame)
    frame.locator("#live-answer-text textarea").fill(text)
    submit(frame)


def bank_question(db_path: Path, text: str) -> dict[str, str]:
    """The bank row of a question shown on the page (its text as stored, model answer and hint), from SQLite.

    The model answer is what the interviewer reveals: a general question's example answer (its reference
    answer only describes a good answer), else the reference answer. The page shows the bank's
    `inline code` as <code> elements, so the text read there has no backticks."""
    with sqlite3.connect(db_path) as connection:
        row = connection.execute(
            "SELECT text, kind, reference_answer, example_answer, hint FROM interviews_question"
            " WHERE replace(text, '`', '') = ?",
            (text,),
        ).fetchone()
    assert row is not None, f"question not in the bank: {text!r}"
    text, kind, reference, example, hint = row
    return {
        "text": text,
        "model_answer": example if kind == "general" and example else reference,
        "hint": hint,
    }


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


# --- Tests ------------------------------------------------------------------------------------------


def test_candidate_answers_by_voice_gets_hint_and_reveal_then_finishes_by_voice_and_reads_report(
    server, launch_browser, spoken, artifacts_dir
):
    base_url, db_path = server["url"], server["db_path"]

    # 1. Sign up and start: no answer yet, so no microphone file is needed.
    browser = launch_browser()
    context = new_context(browser)
    page = context.new_page()
    sign_up(page, base_url, artifacts_dir)
    interview_id = start_interview(page, base_url, artifacts_dir)
    frame = live_frame(page)
    first_question = shown_question(frame)
    expect(frame.locator("#live-meta")).to_contain_text("Question 1 of 3")
    expect(page.locator("#live-connection")).to_have_attribute("data-state", "open", timeout=PAGE_TIMEOUT_MS)
    shoot(page, artifacts_dir, "03-live-first-question")
    cookies = context.storage_state()
    context.close()

    # 2. Speak the model answer of the question on screen (general: ~100 words): graded correct, next question.
    reference = bank_question(db_path, first_question)["model_answer"]
    answer_wav = spoken(reference)
    context, page, frame = reopen_live_page(launch_browser, base_url, interview_id, cookies, answer_wav)
    assert shown_question(frame) == first_question  # the reopened page resumes the same question
    record_answer(page, frame, answer_wav, wait_for_upload=False)
    frame.locator("#live-submit").click()  # right after Stop: held until the recording is uploaded, not lost
    shoot(page, artifacts_dir, "04-voice-answer-submitted")
    expect(frame.locator("#live-submit")).to_be_disabled()  # evaluating, then preparing the reply
    expect_outcome(frame, "Question 2 of 3")
    expect(frame.locator("#live-verdict")).to_have_text("Correct")
    heard = frame.locator("#live-transcript textarea").input_value()
    # Chromium's capture processing (gain, noise suppression) sometimes costs Whisper the last clause.
    assert len(words_of(heard) & words_of(reference)) >= 0.5 * len(words_of(reference)), heard
    expect(frame.locator("#live-feedback")).not_to_be_empty()
    expect(page.locator("#live-verdict-badge")).to_contain_text("Correct")  # the websocket status bar
    wait_until_idle(frame)
    expect(page.locator("#live-activity")).to_be_hidden()  # the status bar's progress line ended too
    second_question = shown_question(frame)
    assert second_question != first_question
    shoot(page, artifacts_dir, "05-verdict-correct")

    # 3. A wrong answer: a hint and a second attempt at the same question.
    type_answer(frame, NONSENSE)
    expect_outcome(frame, "Second attempt")
    expect(frame.locator("#live-verdict")).to_have_text(re.compile("Not quite|Partially correct"))
    assert shown_question(frame) == second_question
    hint_text = frame.locator("#live-feedback").inner_text()
    assert hint_text.strip() and NONSENSE not in hint_text
    shoot(page, artifacts_dir, "06-hint")

    # 4. Wrong again: the model answer is revealed and the last question comes.
    type_answer(frame, NONSENSE)
    expect_outcome(frame, "Question 3 of 3")
    revealed = frame.locator("#live-feedback").inner_text()
    second_reference = bank_question(db_path, second_question)["model_answer"]
    assert len(words_of(revealed) & words_of(second_reference)) >= 0.6 * len(words_of(second_reference)), (
        revealed
    )
    third_question = shown_question(frame)
    shoot(page, artifacts_dir, "07-answer-revealed")
    context.close()

    # 5. Another launch (another microphone file): the reload resumes question 3; "finish interview" by voice.
    finish_wav = spoken("Finish interview.")
    browser = launch_browser(finish_wav)
    context = new_context(browser, cookies)
    page = context.new_page()
    page.goto(f"{base_url}/interviews/{interview_id}/live/")
    frame = live_frame(page)
    assert shown_question(frame) == third_question
    expect(frame.locator("#live-meta")).to_contain_text("Question 3 of 3")
    shoot(page, artifacts_dir, "08-resumed-after-reload")
    record_answer(page, frame, finish_wav)
    submit(frame)
    if asked_to_confirm_the_finish(frame):
        # Whisper heard something only like the command ("Finished interview"); saying it again is a yes.
        shoot(page, artifacts_dir, "09-asked-to-confirm")
        record_answer(page, frame, finish_wav)
        submit(frame)
    expect_visible_or_explain(frame, report_link(frame))
    expect(frame.locator("#live-question")).to_contain_text("The interview is over")
    assert re.search(
        r"fin+ish", frame.locator("#live-transcript textarea").input_value().lower()
    )  # heard, and shown
    shoot(page, artifacts_dir, "09-finished")

    # 6. The report.
    report_link(frame).click()
    page.wait_for_url(f"**/analytics/reports/{interview_id}/")
    expect(page.locator("h1")).to_contain_text("Interview report: Ada Lovelace")
    expect(page.locator("main")).to_contain_text(bank_question(db_path, first_question)["text"])
    expect(page.locator("main")).to_contain_text(bank_question(db_path, second_question)["text"])
    shoot(page, artifacts_dir, "10-report")
    page.screenshot(path=str(artifacts_dir / "10-report-full.png"), full_page=True)
    context.close()


def test_without_streaming_the_recorder_uploads_the_answer_at_the_stop(
    recorder_server, launch_browser, spoken, artifacts_dir
):
    """STT_STREAMING=0 stays an option: the microphone records, uploads at the stop, and Submit sends it."""
    base_url = recorder_server["url"]
    interview_id, _, cookies = interview_waiting_for_an_answer(launch_browser, base_url, name="Alan Turing")

    finish_wav = spoken("Finish interview.")
    context, page, frame = reopen_live_page(launch_browser, base_url, interview_id, cookies, finish_wav)
    shown_question(frame)
    assert not streams(frame)  # no second recording of the answer on the page
    record_answer(page, frame, finish_wav)
    submit(frame)
    # Heard whole after the stop: "finish interview" ends it, and what Whisper makes of a clipped start
    # ("finish in to mute") asks first; either way the uploaded recording was heard.
    confirming = asked_to_confirm_the_finish(frame)
    assert frame.locator("#live-transcript textarea").input_value().strip()  # heard as a finish, shown
    if confirming:
        frame.locator("#live-confirm-yes").click()
    expect(report_link(frame)).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    shoot(page, artifacts_dir, "13-recorder-without-streaming")
    context.close()


def test_denied_microphone_switches_to_typed_answers_with_a_message(server, launch_browser, artifacts_dir):
    base_url = server["url"]
    browser = launch_browser(grant_media=False)
    context = new_context(browser)
    page = context.new_page()
    sign_up(page, base_url)
    start_interview(page, base_url, name="Grace Hopper")
    frame = live_frame(page)
    shown_question(frame)
    # The browser asks for the microphone when the candidate presses Record; it is refused.
    frame.locator("#live-mic button.record-button").click()
    message = frame.locator("#live-mic-status")
    expect(message).to_contain_text("Microphone unavailable", timeout=PAGE_TIMEOUT_MS)
    expect(message).to_contain_text("Type your answer")
    expect(frame.locator("#live-mic")).to_be_hidden()
    shoot(page, artifacts_dir, "11-microphone-denied")

    type_answer(frame, NONSENSE)  # a typed answer still goes through
    expect(frame.locator("#live-verdict .ib-verdict")).to_have_text(
        re.compile("Correct|Partially correct|Not quite"), timeout=ANSWER_TIMEOUT_MS
    )
    expect(frame.locator("#live-transcript textarea")).to_have_value(NONSENSE)
    shoot(page, artifacts_dir, "12-typed-answer-graded")
    context.close()


def test_another_candidates_interview_is_refused_and_reveals_nothing(server, launch_browser, artifacts_dir):
    base_url = server["url"]
    browser = launch_browser()
    owner = new_context(browser)
    owner_page = owner.new_page()
    sign_up(owner_page, base_url)
    interview_id = start_interview(owner_page, base_url, name="Katherine Johnson")
    question = shown_question(live_frame(owner_page))
    owner.close()

    intruder = new_context(browser)
    page = intruder.new_page()
    sign_up(page, base_url)
    for path in (
        f"/interviews/{interview_id}/live/",
        f"/interviews/{interview_id}/",
        f"/analytics/reports/{interview_id}/",
        f"/live/gradio/?session={interview_id}",
    ):
        response = page.goto(base_url + path)
        assert response.status in (403, 404), (path, response.status)
        body = page.content()
        assert "Katherine Johnson" not in body and question not in body, path
        if path.endswith("/live/"):
            shoot(page, artifacts_dir, "13-someone-elses-interview")

    # The websocket feed refuses the intruder too (close code 4403 before any state is sent).
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in intruder.cookies())
    ws_result = page.evaluate(
        """(url) => new Promise((resolve) => {
            const socket = new WebSocket(url);
            const seen = [];
            socket.onmessage = (event) => seen.push(event.data);
            socket.onclose = (event) => resolve({code: event.code, messages: seen});
            setTimeout(() => resolve({code: -1, messages: seen}), 10000);
        })""",
        base_url.replace("http", "ws") + f"/ws/interviews/{interview_id}/",
    )
    assert ws_result["messages"] == [] and ws_result["code"] in (1006, 4403), ws_result
    # The Gradio API refuses an anonymous caller outright.
    assert httpx.get(base_url + f"/live/gradio/?session={interview_id}").status_code == 401
    assert cookie  # the intruder really was logged in
    intruder.close()
